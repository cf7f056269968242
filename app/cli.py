"""``sitroom`` command line: the control room, the demo, and the demo backends one by one."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path


def _feed_arg(text: str) -> tuple[str, str]:
    name, sep, endpoint = text.partition("=")
    if not sep or not name or "://" not in endpoint:
        raise argparse.ArgumentTypeError(f"expected NAME=ENDPOINT (e.g. avl=tcp://10.0.0.5:5556), got {text!r}")
    return name, endpoint


def _gui_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=("ko", "en"), default=None, help="interface language (default: system)")
    p.add_argument("--exit-after", type=float, metavar="SECONDS", help="quit by itself after this long")
    p.add_argument("--stats", action="store_true", help="print run statistics as one JSON line on exit")
    p.add_argument("--screenshot", type=Path, metavar="PNG", help="save the window to PNG before quitting")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitroom", description="SitRoom: city operations control room")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help="start the demo backends and the control room on the demo city")
    demo.add_argument("--vehicles", type=int, default=3000, help="fleet size (default 3000, up to 100000)")
    _gui_options(demo)

    run = sub.add_parser("run", help="the control room on a kit and your own feeds")
    run.add_argument("--kit", type=Path, help="kit directory (default: the demo city)")
    run.add_argument("--feed", type=_feed_arg, action="append", default=[], metavar="NAME=ENDPOINT",
                     help="a feed to subscribe to; repeat for more")
    _gui_options(run)

    sim = sub.add_parser("sim", help="run one demo backend alone")
    sim.add_argument("backend", choices=("avl", "traffic"))
    sim.add_argument("--endpoint", required=True, help="where to publish, e.g. tcp://127.0.0.1:5556")
    sim.add_argument("--kit", type=Path, help="kit directory (default: the demo city)")
    sim.add_argument("--vehicles", type=int, default=3000)
    sim.add_argument("--duration", type=float, help="stop after this many seconds")
    sim.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    return parser


def _load_kit(path: Path | None):
    from services.sim.demo_kit import open_demo_city
    from services.store.kit import load_kit

    return load_kit(path) if path else open_demo_city()


def _run_sim(args: argparse.Namespace) -> int:
    if not 1 <= args.vehicles <= 100_000:
        print(f"sitroom sim: --vehicles must be 1..100000, got {args.vehicles}", file=sys.stderr)
        return 2
    kit = _load_kit(args.kit)
    if args.backend == "avl":
        from services.sim import avl

        avl.run(kit, args.endpoint, vehicles=args.vehicles, parent_pid=args.parent_pid, duration_s=args.duration)
    else:
        from services.sim import traffic

        traffic.run(kit, args.endpoint, parent_pid=args.parent_pid, duration_s=args.duration)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    try:
        if args.command == "sim":
            return _run_sim(args)
        from app import gui

        if args.command == "run":
            from services.feeds.client import FeedConfig

            feeds = [FeedConfig(name, endpoint) for name, endpoint in args.feed]
            kit = _load_kit(args.kit)
            gui.remember_session(kit, feeds)
            return gui.run_control_room(kit, feeds, args)
        if args.command is None:  # the last kit and feeds; the demo on first run
            return gui.run_last(build_parser().parse_args(["demo"]))
        if not 1 <= args.vehicles <= 100_000:
            print(f"sitroom demo: --vehicles must be 1..100000, got {args.vehicles}", file=sys.stderr)
            return 2
        return gui.run_demo(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the user sees one clear line, the log has the rest
        from services.store.kit import KitError

        if isinstance(exc, KitError | OSError):
            print(f"sitroom: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
