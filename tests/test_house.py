"""The house rules, checked on the code's own imports (docs/extending.md lists them):

- ``layers/`` and ``services/`` import neither ``widgets/`` nor ``app/``; ``widgets/`` does not import ``app/``;
- Qt (PySide6, shiboken6, pyqtgraph) stays out of ``layers/``, ``services/``, ``resources/`` and the control
  core (``app/core/``, ``app/capabilities/``), which import no widgets either;
- no two modules import each other, directly or around a circle.

Every import counts, at the top of a module or inside a function, except those under ``if TYPE_CHECKING:``
(annotations only, nothing runs). A second check imports the Qt-free packages with Qt blocked.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "widgets", "layers", "services", "resources")  # folders, installed as sitroom.<folder>
QT = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6")


def ours(*names: str) -> tuple[str, ...]:
    return tuple(f"sitroom.{n}" for n in names)


QT_FREE = ours("layers", "services", "resources", "app.core", "app.capabilities")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["sitroom", *parts])


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path, name: str, modules: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """Every module ``path`` imports (absolute names; relative ones resolved), TYPE_CHECKING blocks aside.
    ``from package import module`` names the module, not the package (whose ``__init__`` may well import
    that module back: Python runs it first either way, so that is no circle of ours)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in child.names:
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
            visit(child)

    visit(tree)
    return found


def project_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        graph[name] = set()
        imported = imports_of(path, name, set(files))
        for target in imported:
            # the longest module of ours that the import names (a symbol import names its module)
            while target and target not in files:
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
        graph[name] |= {imp for imp in imported if imp.split(".")[0] in QT}
    return graph


GRAPH = project_graph()


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations(sources: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{m} imports {t}" for m, targets in GRAPH.items() if any(_in(m, s) for s in sources)
                  for t in targets if any(_in(t, f) for f in forbidden))


def test_the_graph_is_read() -> None:
    # A broken reader would pass every rule: make sure it sees imports we know are there.
    assert "sitroom.layers.base" in GRAPH["sitroom.layers.vehicles"]
    assert "sitroom.services.feeds.protocol" in GRAPH["sitroom.services.feeds.client"]
    assert "PySide6" in GRAPH["sitroom.widgets.map.canvas"]
    assert "sitroom.app.core.session" not in GRAPH["sitroom.app.capabilities.vehicles"]  # only under TYPE_CHECKING


@pytest.mark.parametrize(("sources", "forbidden"), [
    (ours("layers", "services"), ours("widgets", "app")),
    (ours("widgets"), ours("app")),
    (ours("resources"), ours("widgets", "app", "layers")),
    (QT_FREE, QT),
    (ours("app.core", "app.capabilities"), ours("widgets", "app.main_window", "app.dispatch_ui", "app.gui",
                                                "app.frame_loop", "app.replay_window", "app.kits", "app.settings")),
])
def test_nothing_imports_upward(sources: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    assert violations(sources, forbidden) == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c in graph), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    component.append(m)
                    if m == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles() -> None:
    # Package __init__ files that only re-export their modules would tie every module to its package; a
    # circle through them is still a circle, so they count like any module.
    assert _cycles(GRAPH) == []


BLOCK_QT = """
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {qt!r}:
            raise ImportError('Qt is blocked: ' + name)
sys.meta_path.insert(0, Block())
for top in {packages!r}:
    package = importlib.import_module(top)
    for m in pkgutil.walk_packages(package.__path__, top + '.'):
        if m.name.startswith('sitroom.services.sim') and m.name.endswith('__main__'):
            continue
        importlib.import_module(m.name)
print('ok')
"""


def test_the_qt_free_packages_import_without_qt() -> None:
    code = BLOCK_QT.format(qt=QT, packages=QT_FREE)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def _named_modules(path: Path) -> list[tuple[int, str]]:
    """String literals handed to ``files()`` / ``import_module()`` (packages named by a string, which no import
    statement shows)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if func in ("files", "import_module") and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def test_packages_named_by_a_string_carry_the_import_name() -> None:
    # From a source tree `resources` imports as a folder; installed, only `sitroom.resources` exists.
    wrong = [f"{p.relative_to(ROOT)}:{line}: {name!r}" for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")
             for line, name in _named_modules(p) if name.split(".")[0] in PACKAGES]
    assert wrong == []
