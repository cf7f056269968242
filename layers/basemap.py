"""The basemap model: roads by class and zoom band, district outlines and label candidates, from a kit.

Roads are merged into chains (at nodes where only two segments meet) and simplified once per zoom band,
so a frame at city extent draws a few thousand vertices, not every segment of the graph. Labels are
candidates here (position, angle, priority); the renderer decides which fit without overlapping.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from sitroom.layers.base import Layer
from sitroom.services.store.kit import Kit, RoadClass

MAP_STYLES = ("night", "day")


@dataclass(frozen=True)
class ZoomBand:
    min_scale: float  # pixels per metre from which the band applies
    classes: frozenset[RoadClass]  # road classes drawn
    tolerance_px: float  # simplification tolerance in pixels at min_scale (0: exact geometry)


_MAJOR = frozenset({RoadClass.MOTORWAY, RoadClass.TRUNK, RoadClass.PRIMARY, RoadClass.SECONDARY})
ZOOM_BANDS = (
    ZoomBand(0.0, _MAJOR, 0.6),
    ZoomBand(0.012, _MAJOR | {RoadClass.TERTIARY}, 0.5),
    ZoomBand(0.035, _MAJOR | {RoadClass.TERTIARY, RoadClass.RESIDENTIAL}, 0.4),
    ZoomBand(0.08, frozenset(RoadClass), 0.0),
)
_BAND0_SCALE = 0.004  # a region-wide view: the scale band 0's tolerance is measured at

# Road labels: from which zoom each class is named, and how far apart repeats of one name sit.
LABEL_MIN_SCALE = {RoadClass.MOTORWAY: 0.05, RoadClass.TRUNK: 0.05, RoadClass.PRIMARY: 0.07,
                   RoadClass.SECONDARY: 0.1, RoadClass.TERTIARY: 0.15, RoadClass.RESIDENTIAL: 0.3,
                   RoadClass.SERVICE: 0.6}
LABEL_SPACING_M = 500.0
_MIN_LABEL_PIECE_M = 40.0


def band_for(scale: float) -> int:
    """Index of the zoom band for a view scale (pixels per metre)."""
    return max(i for i, b in enumerate(ZOOM_BANDS) if scale >= b.min_scale)


@dataclass(frozen=True)
class RoadLines:
    """Polylines of one road class in one zoom band: vertices and a flag joining each to the next."""

    road_class: RoadClass
    x: np.ndarray
    y: np.ndarray
    connect: np.ndarray  # (k,) bool, False at the last vertex of each line


@dataclass(frozen=True)
class RoadLabels:
    """Label candidates along named roads, most important first."""

    x: np.ndarray
    y: np.ndarray
    angle: np.ndarray  # degrees, counter-clockwise in map coordinates, kept within ±90 (text upright)
    name: np.ndarray  # index into Kit.road_names
    road_class: np.ndarray
    room: np.ndarray  # metres of road around the point the label can use


@dataclass(frozen=True)
class DistrictShape:
    code: str
    name: str
    name_en: str
    level: str
    rings: list[np.ndarray]  # exterior and interior rings, (k, 2) each
    label_xy: tuple[float, float]
    area: float


def drawn_segments(kit: Kit) -> tuple[np.ndarray, np.ndarray]:
    """One drawing segment per road (a two-way road is two directed edges): (n, 2, 2) and the edge of each."""
    g = kit.roads
    first = g.street_edges()
    return np.stack([g.node_xy[g.edge_src[first]], g.node_xy[g.edge_dst[first]]], axis=1), first


def _lines_arrays(lines: np.ndarray, cls: RoadClass) -> RoadLines:
    xy, index = shapely.get_coordinates(lines, return_index=True)
    connect = np.zeros(len(xy), dtype=bool)
    connect[:-1] = index[1:] == index[:-1]
    return RoadLines(cls, xy[:, 0].copy(), xy[:, 1].copy(), connect)


def _chains(segments: np.ndarray) -> np.ndarray:
    """Segments merged into maximal chains, as an array of LineStrings."""
    merged = shapely.line_merge(shapely.multilinestrings(shapely.linestrings(segments)))
    return np.asarray(shapely.get_parts(merged))


def _label_candidates(kit: Kit, segments: np.ndarray, edges: np.ndarray) -> RoadLabels:
    g = kit.roads
    names = g.edge_name[edges]
    xs, ys, angles, name_ids, classes, rooms = [], [], [], [], [], []
    for name in np.unique(names[names >= 0]):
        mine = names == name
        cls = int(g.edge_class[edges[mine]].min())
        for piece in _chains(segments[mine]):
            length = piece.length
            if length < _MIN_LABEL_PIECE_M:
                continue
            count = max(1, int(length // LABEL_SPACING_M))
            at = (np.arange(count) + 0.5) * (length / count)
            ahead = shapely.line_interpolate_point(piece, np.minimum(at + 8.0, length))
            behind = shapely.line_interpolate_point(piece, np.maximum(at - 8.0, 0.0))
            mid = shapely.line_interpolate_point(piece, at)
            d = shapely.get_coordinates(ahead) - shapely.get_coordinates(behind)
            angle = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
            angle = np.where(angle > 90, angle - 180, np.where(angle < -90, angle + 180, angle))
            c = shapely.get_coordinates(mid)
            xs.append(c[:, 0])
            ys.append(c[:, 1])
            angles.append(angle)
            name_ids.append(np.full(count, name))
            classes.append(np.full(count, cls))
            rooms.append(np.full(count, length / count))
    if not xs:
        empty = np.zeros(0)
        return RoadLabels(empty, empty, empty, empty.astype(np.int32), empty.astype(np.uint8), empty)
    cat = [np.concatenate(v) for v in (xs, ys, angles, name_ids, classes, rooms)]
    order = np.lexsort((-cat[5], cat[4]))  # major classes first, then the most room
    return RoadLabels(*(v[order] for v in cat))


class BasemapLayer(Layer):
    title = "Basemap"
    stack = 0

    def __init__(self, kit: Kit) -> None:
        super().__init__()
        self.kit = kit
        self.language = "ko"  # label language: "ko" or "en"
        self.style = "night"  # "night" (control-room default) or "day"
        segments, edges = drawn_segments(kit)
        self.segment_count = len(segments)
        seg_class = kit.roads.edge_class[edges]
        chains = {cls: _chains(segments[seg_class == cls]) for cls in RoadClass if (seg_class == cls).any()}
        # bands[i][cls]: the lines drawn for class cls in zoom band i.
        self.bands: list[dict[RoadClass, RoadLines]] = []
        for band in ZOOM_BANDS:
            tol = band.tolerance_px / max(band.min_scale, _BAND0_SCALE)
            self.bands.append({
                cls: _lines_arrays(shapely.simplify(lines, tol) if tol > 0 else lines, cls)
                for cls, lines in chains.items() if cls in band.classes
            })
        self.labels = _label_candidates(kit, segments, edges)
        self.districts: list[DistrictShape] = []
        for d in kit.districts:
            rings = []
            for poly in getattr(d.geometry, "geoms", [d.geometry]):
                if isinstance(poly, shapely.Polygon):
                    rings.append(np.asarray(poly.exterior.coords))
                    rings.extend(np.asarray(r.coords) for r in poly.interiors)
            self.districts.append(DistrictShape(d.code, d.name, d.name_en, d.level, rings, d.label_point,
                                                float(d.geometry.area)))

    def road_label(self, name_index: int) -> str:
        name, ko, en = self.kit.road_names[name_index]
        return (en if self.language == "en" else ko) or name

    def vertices(self, band: int) -> int:
        return sum(len(lines.x) for lines in self.bands[band].values())

    def set_language(self, lang: str) -> None:
        self.language = lang
        self.events.style.emit(what="language")

    def set_style(self, style: str) -> None:
        if style not in MAP_STYLES:
            raise ValueError(f"map style {style!r}: one of {', '.join(MAP_STYLES)}")
        self.style = style
        self.events.style.emit(what="style")
