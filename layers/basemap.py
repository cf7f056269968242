"""The basemap model: road segments grouped by class and district outlines, ready to draw from a kit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from layers.base import Layer
from services.store.kit import Kit, RoadClass


@dataclass(frozen=True)
class RoadSegments:
    """Undirected drawing segments of one road class: (n, 2, 2) endpoints, and the edge index of each."""

    road_class: RoadClass
    xy: np.ndarray
    edges: np.ndarray


@dataclass(frozen=True)
class DistrictShape:
    code: str
    name: str
    name_en: str
    level: str
    rings: list[np.ndarray]  # exterior and interior rings, (k, 2) each
    label_xy: tuple[float, float]
    area: float


class BasemapLayer(Layer):
    title = "Basemap"

    def __init__(self, kit: Kit) -> None:
        super().__init__()
        self.kit = kit
        self.language = "ko"  # label language: "ko" or "en"
        g = kit.roads
        # One drawing segment per road: a two-way road is two directed edges; draw it once.
        key_a = np.minimum(g.edge_src, g.edge_dst).astype(np.int64)
        key_b = np.maximum(g.edge_src, g.edge_dst).astype(np.int64)
        _, first = np.unique(key_a * g.n_nodes + key_b, return_index=True)
        self.roads: dict[RoadClass, RoadSegments] = {}
        for cls in RoadClass:
            e = first[g.edge_class[first] == cls]
            if len(e):
                xy = np.stack([g.node_xy[g.edge_src[e]], g.node_xy[g.edge_dst[e]]], axis=1)
                self.roads[cls] = RoadSegments(cls, xy, e)
        self.districts: list[DistrictShape] = []
        for d in kit.districts:
            rings = []
            for poly in getattr(d.geometry, "geoms", [d.geometry]):
                if isinstance(poly, shapely.Polygon):
                    rings.append(np.asarray(poly.exterior.coords))
                    rings.extend(np.asarray(r.coords) for r in poly.interiors)
            self.districts.append(DistrictShape(d.code, d.name, d.name_en, d.level, rings, d.label_point,
                                                float(d.geometry.area)))

    def set_language(self, lang: str) -> None:
        self.language = lang
        self.events.style.emit(what="language")
