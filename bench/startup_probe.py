"""``python -m bench.startup_probe ARGS…``: ``python -m sitroom ARGS…`` with two clock readings in the stats line.

The ``--stats`` line of ``sitroom demo`` gives ``first_live_frame_s`` from the process start as the app
itself reckons it. To check that figure with an outside clock, this entry point runs exactly what
``python -m sitroom`` runs (``app.cli.main``) and adds to the stats line ``process_started_monotonic`` (the
start the app reckoned) and ``first_live_frame_monotonic``: readings of ``time.monotonic()``, which on Linux
is CLOCK_MONOTONIC, the same clock in every process, so the launching process can subtract its own launch
time from them.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from sitroom.app import cli, gui

    run_stats = gui.run_stats

    def run_stats_with_clock(window, started: float) -> dict:
        stats = run_stats(window, started)
        stats["process_started_monotonic"] = started
        stats["first_live_frame_monotonic"] = window.stats.first_live_frame
        return stats

    gui.run_stats = run_stats_with_clock
    return cli.main(argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
