"""Find anything in the room: the kit's places (the gazetteer) and the live layers (vehicles by id, incidents by
id), one ranked list for the search box. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sitroom.app.core.desk import DispatchDesk
from sitroom.services.gazetteer import normalize


@dataclass(frozen=True)
class Found:
    kind: str  # "vehicle", "incident", or a gazetteer kind: "road", "intersection", "place", "district", …
    name: str  # as shown
    x: float
    y: float
    key: str = ""  # the vehicle or incident id, for selecting it
    bounds: tuple[float, float, float, float] | None = None  # a road's or district's extent, to show it whole


def find(desk: DispatchDesk, text: str, limit: int = 10) -> list[Found]:
    """Vehicles and incidents whose id starts with what was typed first (a dispatcher typing an id means
    it), then the kit's places."""
    query = text.strip()
    if not query:
        return []
    out: list[Found] = []
    v = desk.session.vehicles
    if query.isdigit() and v.n:
        ids = v.ids[: v.n]
        hit = np.flatnonzero(np.char.startswith(ids.astype(str), query) & np.isfinite(v.x[: v.n]))
        hit = hit[np.argsort(ids[hit], kind="stable")][:limit]
        out += [Found("vehicle", str(int(ids[r])), float(v.x[r]), float(v.y[r]), str(int(ids[r]))) for r in hit]
    q = normalize(query)
    incidents = [i for i in desk.book.incidents.values() if normalize(i.id).find(q) >= 0]
    incidents.sort(key=lambda i: (not i.open, not normalize(i.id).startswith(q), i.id))
    out += [Found("incident", i.id + (f" · {i.place}" if i.place else ""), i.x, i.y, i.id) for i in incidents[:limit]]
    out += [Found(p.kind, p.name + (f" · {p.area}" if p.area else ""), p.x, p.y, bounds=p.bounds)
            for p in desk.gazetteer.search(query, limit)]
    return out[:limit]
