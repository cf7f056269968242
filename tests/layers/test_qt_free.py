"""layers/ holds models only: importing every module must work with Qt unavailable."""

import subprocess
import sys
from pathlib import Path

import layers

BLOCK_QT = """
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is blocked: ' + name)
sys.meta_path.insert(0, Block())
import layers
for m in pkgutil.walk_packages(layers.__path__, 'layers.'):
    importlib.import_module(m.name)
print('ok')
"""


def test_layers_import_without_qt() -> None:
    root = Path(layers.__file__).parent.parent
    out = subprocess.run([sys.executable, "-c", BLOCK_QT], cwd=root, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
