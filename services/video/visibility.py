"""Which cameras can see a point: in range, inside the field of view by bearing, and with a clear line of
sight past the obstacles given (building footprints). Pure geometry in the kit's projected metres.

The rules, exactly:

- **range**: the distance from camera to target is at most the camera's range (the edge counts);
- **field of view**: the target's bearing from the camera differs from the camera's heading by at most
  half its field of view (the edge counts); a camera at the target sees it; a camera without a heading sees
  nothing unless its field of view is the whole circle (a dome);
- **line of sight**: the segment from camera to target crosses the interior of no obstacle, where
  touching a wall or running along it does not block; an obstacle that contains the target is the
  incident's own building and never blocks; an obstacle that contains the camera is the building it is
  mounted on: its sight line may run inside it for :data:`MOUNT_TOLERANCE_M` at most.

Headings and bearings are degrees clockwise from the grid's north (+y); a camera's compass heading is turned
into a grid heading with :func:`grid_heading`, where the grid's north differs from true north.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

# A camera inside a footprint is on its wall; the first metres of its sight line may lie inside it.
MOUNT_TOLERANCE_M = 2.0
_EDGE = 1e-9  # degrees and metres of rounding allowed at the edge of the view


@dataclass(frozen=True)
class Sighting:
    row: int  # the camera's index in the arrays given
    distance_m: float
    off_axis_deg: float  # how far from the camera's heading the target lies
    score: float  # lower is better: distance / range + off-axis / half the field of view


def bearing(dx: np.ndarray | float, dy: np.ndarray | float) -> np.ndarray:
    """Degrees clockwise from +y (grid north), in [0, 360)."""
    return np.mod(np.degrees(np.arctan2(dx, dy)), 360.0)


def angle_apart(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """The smaller angle between two directions, in [0, 180]."""
    d = np.mod(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64), 360.0)
    return np.minimum(d, 360.0 - d)


def grid_heading(projector, lon: np.ndarray, lat: np.ndarray, compass: np.ndarray) -> np.ndarray:
    """Compass headings (clockwise from true north) at lon/lat as headings on the projected grid: true north
    is where a point a little north of the camera lands. NaN headings stay NaN."""
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    x0, y0 = projector(lon, lat)
    x1, y1 = projector(lon, np.minimum(lat + 1e-4, 90.0))
    north = bearing(np.asarray(x1) - np.asarray(x0), np.asarray(y1) - np.asarray(y0))
    return np.mod(np.asarray(compass, dtype=np.float64) + north, 360.0)


class Obstacles:
    """Footprints to test sight lines against, indexed once (an STRtree over the polygons)."""

    def __init__(self, polygons: Sequence[shapely.Geometry] | np.ndarray | None) -> None:
        geoms = np.asarray(list(polygons) if polygons is not None else [], dtype=object)
        keep = [g for g in geoms if g is not None and not g.is_empty and g.geom_type in ("Polygon", "MultiPolygon")]
        self.polygons = np.asarray(keep, dtype=object)
        self.tree = shapely.STRtree(self.polygons) if len(self.polygons) else None

    def __len__(self) -> int:
        return len(self.polygons)

    def blocked(self, cam_xy: np.ndarray, target: tuple[float, float]) -> np.ndarray:
        """Per camera (rows of ``cam_xy``), whether its line of sight to ``target`` is blocked."""
        out = np.zeros(len(cam_xy), dtype=bool)
        if self.tree is None or not len(cam_xy):
            return out
        tx, ty = target
        ends = np.repeat([[tx, ty]], len(cam_xy), axis=0)
        segs = shapely.linestrings(np.stack([cam_xy, ends], axis=1))
        real = shapely.length(segs) > 0
        li, pi = self.tree.query(segs, predicate="intersects")
        keep = real[li]
        li, pi = li[keep], pi[keep]
        if not len(li):
            return out
        lines, polys = segs[li], self.polygons[pi]
        through = shapely.relate_pattern(lines, polys, "T********")  # the interiors meet: not a mere touch
        target_pt = shapely.points(tx, ty)
        own_building = shapely.contains(polys, target_pt)
        cams = shapely.points(cam_xy[li])
        mounted = shapely.contains(polys, cams)
        inside = np.zeros(len(li))
        if mounted.any():
            inside[mounted] = shapely.length(shapely.intersection(lines[mounted], polys[mounted]))
        blocks = through & ~own_building & (~mounted | (inside > MOUNT_TOLERANCE_M))
        out[li[blocks]] = True
        return out


def cameras_seeing(target: tuple[float, float], x: np.ndarray, y: np.ndarray, heading: np.ndarray,
                   fov: np.ndarray, range_m: np.ndarray, obstacles: Obstacles | None = None,
                   candidates: np.ndarray | None = None) -> list[Sighting]:
    """The cameras (rows of the arrays) that can see ``target``, best first: by score, then distance, then row.
    ``candidates`` limits the rows considered (e.g. to the cameras shown)."""
    rows = np.arange(len(x)) if candidates is None else np.asarray(candidates, dtype=np.int64)
    if not len(rows):
        return []
    tx, ty = target
    dx, dy = tx - x[rows], ty - y[rows]
    dist = np.hypot(dx, dy)
    half = np.asarray(fov, dtype=np.float64)[rows] / 2.0
    head = np.asarray(heading, dtype=np.float64)[rows]
    dome = half >= 180.0 - _EDGE
    off = np.where(dist > 0, angle_apart(bearing(dx, dy), np.where(np.isfinite(head), head, 0.0)), 0.0)
    off = np.where(dome, np.minimum(off, 180.0), off)
    in_range = dist <= np.asarray(range_m, dtype=np.float64)[rows] + _EDGE
    in_view = dome | (np.isfinite(head) & (off <= half + _EDGE))
    ok = in_range & in_view
    if obstacles is not None and len(obstacles) and ok.any():
        idx = np.flatnonzero(ok)
        ok[idx[obstacles.blocked(np.stack([x[rows[idx]], y[rows[idx]]], axis=1), target)]] = False
    found = np.flatnonzero(ok)
    rng = np.asarray(range_m, dtype=np.float64)[rows]
    score = dist[found] / rng[found] + off[found] / np.maximum(np.where(dome[found], 180.0, half[found]), _EDGE)
    order = np.lexsort((rows[found], dist[found], score))
    return [Sighting(int(rows[found[i]]), float(dist[found[i]]), float(off[found[i]]), float(score[i]))
            for i in order]
