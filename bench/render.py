"""Render: frame time with 10k / 50k / 100k vehicles over the demo city, at city extent and at a street zoom.

One frame is what the main window's frame timer costs once data has arrived: ``MapCanvas.tick`` (the
frame loop: every dirty layer takes its snapshot, here the vehicles) and then the canvas repaint Qt runs for
it (scene update processing and ``paintEvent`` of the whole 1600×1000 canvas, basemap and traffic layers
included). The paint happens in ``processEvents`` right after the tick, as in the running app; a frame in
which Qt did not paint is forced with ``viewport().repaint()`` and counted.

Baseline, same run, same canvas size and same basemap: the same vehicles drawn by a pyqtgraph
``ScatterPlotItem``, updated the natural way, ``setData(x, y, brush=[brush per point by status])``, then the
same repaint. Between frames (untimed) the demo fleet moves one step and every shown vehicle is re-applied,
so each frame draws new positions.
"""

from __future__ import annotations

import time

import numpy as np

from bench import common
from sitroom.services.vocabulary import VehicleStatus

_W, _H = common.CanvasScene.SIZE

GOAL_FRAME_MS_100K = 33.0
GOAL_SPEEDUP = 3.0
STREET_WIDTH_M = 2000.0  # the view's width at street zoom: 0.8 px per metre on a 1600 px canvas
CITY_HALL_LONLAT = (127.385, 36.351)


class _Scene(common.CanvasScene):
    """The main window's canvas: basemap, traffic and (optionally) vehicles."""

    def __init__(self, app, kit, basemap, traffic, vehicles=None) -> None:
        super().__init__(app, kit, [basemap, traffic] + ([vehicles] if vehicles is not None else []))
        self.item = self.items[2] if vehicles is not None else None

    def view(self, centre: tuple[float, float] | None, width_m: float = STREET_WIDTH_M) -> None:
        super().view(centre, width_m)


def _brush_table():
    """One QBrush per status value (0..255), the status colours of the app's palette."""
    import pyqtgraph as pg

    from sitroom.resources import palette


    table = np.empty(256, dtype=object)
    default = pg.mkBrush(palette.STATUS[VehicleStatus.UNKNOWN])
    table[:] = [default] * 256
    for s in VehicleStatus:
        table[int(s)] = pg.mkBrush(palette.STATUS[s])
    return table


def _frames(n_frames: int, warmup: int, step, frame) -> list[float]:
    times = []
    for i in range(warmup + n_frames):
        step()
        t0 = time.perf_counter()
        frame()
        dt = (time.perf_counter() - t0) * 1000
        if i >= warmup:
            times.append(dt)
    return times


def measure(app, kit, sim, rows: np.ndarray, centre, n_frames: int, warmup: int, scatter_frames: int,
            layers) -> dict:
    """Median frame of the SitRoom renderer (and of the scatter baseline) for the vehicles ``rows``."""
    import pyqtgraph as pg

    from sitroom.layers.base import Moment
    from sitroom.layers.vehicles import VehicleLayer
    from sitroom.services.geo import Projector

    basemap, traffic = layers
    projector = Projector(kit.crs)
    vehicles = VehicleLayer(projector)
    no_stale = np.array([], dtype=np.int16)

    def step() -> None:
        sim.step(1.0)
        vehicles.apply(sim.records(rows, int(time.time() * 1000)), feed=0, now=time.monotonic())

    # Trails need history: a few reports before the first frame.
    for _ in range(4):
        step()
    scene = _Scene(app, kit, basemap, traffic, vehicles)
    scene.view(centre)
    item = scene.item
    paint_ms, item_ms, refresh_ms, drawn = [], [], [], []

    def frame() -> None:
        t0 = time.perf_counter()
        scene.canvas.tick(Moment(time.monotonic(), 0, no_stale))  # the map's frame loop: dirty layers refresh
        refresh_ms.append((time.perf_counter() - t0) * 1000)
        scene.paint()
        paint_ms.append(scene.canvas.paint_ms)
        item_ms.append(item.paint_ms)
        drawn.append(item.drawn)

    times = _frames(n_frames, warmup, step, frame)
    k = warmup
    out = {
        "frame_ms": common.median(times), "frame_p90_ms": common.percentile(times, 90),
        "refresh_ms": common.median(refresh_ms[k:]), "canvas_paint_ms": common.median(paint_ms[k:]),
        "vehicle_paint_ms": common.median(item_ms[k:]), "drawn": int(drawn[-1]), "forced": scene.forced,
        "mpp": scene.canvas.metres_per_pixel(),
    }
    scene.close()
    if not scatter_frames:
        return out

    base = _Scene(app, kit, basemap, traffic)
    base.view(centre)
    spots = pg.ScatterPlotItem(pxMode=True, size=8, symbol="o", pen=pg.mkPen("#05080b", width=1))
    spots.setZValue(10)
    base.canvas.view.addItem(spots)
    brushes = _brush_table()
    s_paint = []

    def scatter_frame() -> None:
        n = vehicles.n
        spots.setData(x=vehicles.x[:n], y=vehicles.y[:n], brush=brushes[vehicles.status[:n]])
        base.paint()
        s_paint.append(base.canvas.paint_ms)

    s_times = _frames(scatter_frames, warmup, step, scatter_frame)
    out.update(scatter_ms=common.median(s_times), scatter_p90_ms=common.percentile(s_times, 90),
               scatter_canvas_paint_ms=common.median(s_paint[k:]), scatter_forced=base.forced)
    base.close()
    return out


def empty_frame(app, kit, layers, centre, n_frames: int) -> float:
    """The floor: the same canvas with no vehicles, repainted (basemap and traffic only)."""
    scene = _Scene(app, kit, *layers)
    scene.view(centre)
    times = []
    for _ in range(n_frames + 1):
        scene.canvas.viewport().update()
        t0 = time.perf_counter()
        scene.paint()
        times.append((time.perf_counter() - t0) * 1000)
    scene.close()
    return common.median(times[1:])


def main(argv: list[str]) -> dict:
    p = common.parser("render", __doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=None, help="timed frames per case (default 15; quick 2)")
    p.add_argument("--scatter-frames", type=int, default=None,
                   help="timed frames of the scatter baseline (default 7; quick 2, at the largest size only)")
    p.add_argument("--sizes", default="10000,50000,100000", help="vehicle counts, comma-separated")
    args = p.parse_args(argv)
    n_frames = args.frames or (2 if args.quick else 15)
    warmup = 1 if args.quick else 2
    scatter_frames = args.scatter_frames or (2 if args.quick else 7)
    sizes = [int(s) for s in args.sizes.split(",")]

    app = common.qt_app()
    from sitroom.layers.basemap import BasemapLayer
    from sitroom.layers.traffic import TrafficLayer
    from sitroom.services.geo import Projector
    from sitroom.services.sim.fleet import FleetSim

    kit = common.load_city()
    common.heading(f"render: {','.join(f'{n // 1000}k' for n in sizes)} vehicles on the demo city, canvas "
                   f"{_W}×{_H}, {n_frames} timed frames per case (median)")
    t = time.perf_counter()
    sim = FleetSim(kit, max(sizes))
    perm = np.random.default_rng(5).permutation(len(sim.fleet))
    layers = (BasemapLayer(kit), TrafficLayer(kit.roads))
    cx, cy = Projector(kit.crs)(np.array([CITY_HALL_LONLAT[0]]), np.array([CITY_HALL_LONLAT[1]]))
    street = (float(cx[0]), float(cy[0]))
    common.say(f"  fleet of {len(sim.fleet):,} built in {time.perf_counter() - t:.1f} s; street zoom: "
               f"{STREET_WIDTH_M:.0f} m wide around city hall")

    result: dict = {"benchmark": "render", "quick": args.quick, "canvas": f"{_W}x{_H}",
                    "frames": n_frames}
    for zoom, centre in (("city", None), ("street", street)):
        floor = empty_frame(app, kit, layers, centre, n_frames)
        common.say(f"  [{zoom}] empty canvas (basemap + traffic) repaint: {floor:.1f} ms")
        result[f"{'street_' if zoom == 'street' else ''}empty_ms"] = floor
        for n in sizes:
            rows = np.sort(perm[:n])
            with_scatter = n == max(sizes) or not args.quick
            m = measure(app, kit, sim, rows, centre, n_frames, warmup, scatter_frames if with_scatter else 0, layers)
            tag = f"{n // 1000}k"
            prefix = "street_" if zoom == "street" else ""
            speedup = common.ratio(m.get("scatter_ms", float("nan")), m["frame_ms"])
            line = (f"  [{zoom}] {tag:>4}: frame {m['frame_ms']:6.1f} ms (p90 {m['frame_p90_ms']:.1f}; refresh "
                    f"{m['refresh_ms']:.1f}, canvas paint {m['canvas_paint_ms']:.1f}, of which vehicles "
                    f"{m['vehicle_paint_ms']:.1f}; {m['drawn']:,} drawn)")
            if with_scatter:
                line += (f"   scatter {m['scatter_ms']:6.1f} ms (canvas paint {m['scatter_canvas_paint_ms']:.1f})"
                         f"   → {speedup:.2f}× faster")
            common.say(line)
            if m["forced"] or m.get("scatter_forced"):
                common.say(f"         ({m['forced']} + {m.get('scatter_forced', 0)} frames needed a forced repaint)")
            result[f"{prefix}frame_ms_{tag}"] = m["frame_ms"]
            if with_scatter:
                result[f"{prefix}scatter_ms_{tag}"] = m["scatter_ms"]
                result[f"{prefix}speedup_vs_scatter_{tag}"] = speedup
            result[f"{prefix}refresh_ms_{tag}"] = m["refresh_ms"]
            result[f"{prefix}canvas_paint_ms_{tag}"] = m["canvas_paint_ms"]
            result[f"{prefix}vehicle_paint_ms_{tag}"] = m["vehicle_paint_ms"]
            result[f"{prefix}drawn_{tag}"] = m["drawn"]

    top = f"{max(sizes) // 1000}k"
    result["speedup_vs_scatter"] = result[f"speedup_vs_scatter_{top}"]
    result["street_speedup_vs_scatter"] = result[f"street_speedup_vs_scatter_{top}"]
    result["goal_frame_ms_100k"] = GOAL_FRAME_MS_100K
    result["goal_speedup_vs_scatter"] = GOAL_SPEEDUP
    f100 = result.get("frame_ms_100k")
    common.say(f"  frame at 100k, city extent: {f100 if f100 is None else round(f100, 1)} ms "
               f"(goal ≤ {GOAL_FRAME_MS_100K:g} ms: {common.check_at_most(f100, GOAL_FRAME_MS_100K)})")
    common.say(f"  speed-up vs scatter at {top}: {result['speedup_vs_scatter']:.2f}× city, "
               f"{result['street_speedup_vs_scatter']:.2f}× street "
               f"(goal ≥ {GOAL_SPEEDUP:g}×: {common.check_at_least(result['speedup_vs_scatter'], GOAL_SPEEDUP)})")
    return result


if __name__ == "__main__":
    raise SystemExit(common.run_module(main))
