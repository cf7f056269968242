"""Static GTFS (a transit agency's schedule: a zip of CSV files) as a kit's user layer, and its route names.

``sitroom kit build … --layer agency_gtfs.zip`` takes the feed's stops (``stops.txt``; stations and stops,
not entrances or nodes) as points of kind ``stop`` in a user layer named after the file, each named
"stop name · routes" from ``routes.txt``/``trips.txt``/``stop_times.txt`` when the feed has them. The
GTFS-realtime adapter reads :func:`route_names` to show routes as the riders know them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from sitroom.services.store.errors import KitError
from sitroom.services.store.osm import OsmPoi

MAX_ROUTES_IN_NAME = 6


def is_gtfs(path: Path) -> bool:
    """A GTFS feed: a zip holding ``stops.txt``, a folder holding it, or ``stops.txt`` itself."""
    path = Path(path)
    if path.name == "stops.txt":
        return True
    if path.is_dir():
        return (path / "stops.txt").is_file()
    if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return any(Path(n).name == "stops.txt" for n in z.namelist())
    return False


class _Feed:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.zip = zipfile.ZipFile(self.path) if self.path.suffix.lower() == ".zip" else None
        self.dir = self.path if self.path.is_dir() else self.path.parent

    def rows(self, name: str) -> Iterator[dict[str, str]]:
        if self.zip is not None:
            member = next((n for n in self.zip.namelist() if Path(n).name == name), None)
            if member is None:
                return
            raw = self.zip.open(member)
        elif (self.dir / name).is_file():
            raw = open(self.dir / name, "rb")  # noqa: SIM115 (closed below)
        else:
            return
        with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="") as text:
            try:
                for row in csv.DictReader(text):
                    yield {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
            except csv.Error as exc:
                raise KitError(f"{self.path}: {name} is not valid CSV: {exc}") from None

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def route_names(path: Path) -> dict[str, str]:
    """route_id → what riders call it (``route_short_name``, else ``route_long_name``)."""
    feed = _Feed(path)
    try:
        return {r["route_id"]: r.get("route_short_name") or r.get("route_long_name") or r["route_id"]
                for r in feed.rows("routes.txt") if r.get("route_id")}
    finally:
        feed.close()


def read_stops(path: Path) -> list[OsmPoi]:
    """The feed's stops and stations as points of a user layer (kind ``stop``)."""
    path = Path(path)
    feed = _Feed(path)
    try:
        stops: list[tuple[str, str, float, float]] = []
        for n, row in enumerate(feed.rows("stops.txt"), 2):
            if row.get("location_type", "") not in ("", "0", "1"):  # entrances, generic nodes, boarding areas
                continue
            try:
                lat, lon = float(row["stop_lat"]), float(row["stop_lon"])
            except (KeyError, ValueError):
                raise KitError(f"{path}: stops.txt line {n}: stop_lat/stop_lon missing or not numbers") from None
            if not (abs(lon) <= 180 and abs(lat) <= 90):
                raise KitError(f"{path}: stops.txt line {n}: lon/lat ({lon}, {lat}) out of range")
            stops.append((row.get("stop_id", ""), row.get("stop_name", ""), lon, lat))
        if not stops:
            raise KitError(f"{path}: no stops in stops.txt")
        names = route_names(path)
        served: dict[str, set[str]] = defaultdict(set)
        if names:
            route_of = {t["trip_id"]: t.get("route_id", "") for t in feed.rows("trips.txt") if t.get("trip_id")}
            for st in feed.rows("stop_times.txt"):
                route = route_of.get(st.get("trip_id", ""))
                if route:
                    served[st.get("stop_id", "")].add(names.get(route, route))
    finally:
        feed.close()
    layer = path.stem if path.name != "stops.txt" else path.parent.name
    points = []
    for stop_id, name, lon, lat in stops:
        routes = sorted(served.get(stop_id, ()), key=lambda r: (len(r), r))
        label = name or stop_id
        if routes:
            more = " …" if len(routes) > MAX_ROUTES_IN_NAME else ""
            label = f"{label} · {', '.join(routes[:MAX_ROUTES_IN_NAME])}{more}"
        points.append(OsmPoi("stop", label, lon, lat, layer))
    return points
