"""``python -m bench.fuzz``: the same as ``python -m bench fuzz``."""

from bench import common
from bench.fuzz.cli import main

raise SystemExit(common.run_module(main))
