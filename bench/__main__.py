"""``python -m bench NAME [--quick] [options]``: run one benchmark and end with its result as one JSON line."""

from __future__ import annotations

import importlib
import sys

from bench.common import emit_json

BENCHMARKS = {
    "ingest": "vehicle updates/s decoded and applied, against raw pyzmq receive",
    "render": "frame time at 10k/50k/100k vehicles, against pyqtgraph ScatterPlotItem",
    "latency": "publish-to-painted latency at TOPIS taxi load, against socket transit",
    "startup": "process start to first live frame of `sitroom demo`, against bare imports",
    "kit": "kit build throughput on OSM extracts, against a bare pyosmium pass; snapping 100k points",
    "basemap": "basemap frame time at city and street zoom, against one plain PlotCurveItem",
    "routing": "unit recommendation and route + alternative, against an unbounded search per unit",
    "coverage": "road coverage within 5 min of 30 stations, against an unbounded search per station",
    "journal": "journal GB/hour, writer CPU and seek at 72k vehicles, against the uncompressed format",
    "shift": "a scripted dispatcher's busy shift on the real window: calls out of view, ack times, plans once",
    "geocode": "per-keystroke search on 1M addresses and a real kit, against a linear scan; index size",
    "sensors": "10,000 facility sensors at 1 Hz with 20 plots open: GUI cost, alarm on screen, map frame, plots",
    "fuzz": "every decoder of outside input under 100k mutated inputs: crashes and hangs, against bare parsing",
    "wall": "a 3840×2160 map window with 100k vehicles and the basemap, against the desk's 1600×1000",
    "relay": "fan-out to 50 subscribers at 36k updates/s through `sitroom relay`, against direct PUB/SUB",
    "cctv": "a 4×4 video wall (16 × 10 fps of 640×480 JPEG): CPU, frame age, map frame time, against GUI decoding",
    "package": "the installed build: size by part, start-up to the first live frame against the venv's",
}


def usage() -> str:
    lines = ["usage: python -m bench NAME [--quick] [options]   (NAME --help for options)", "", "benchmarks:"]
    lines += [f"  {name:<8} {text}" for name, text in BENCHMARKS.items()]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in BENCHMARKS:
        print(f"unknown benchmark {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bench.{name}")
    emit_json(module.main(rest))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
