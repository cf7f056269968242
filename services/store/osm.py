"""Reading an OpenStreetMap extract (PBF or XML) into kit parts with pyosmium: drivable roads and POIs.

Every OSM node of a road way becomes a graph node and every pair of consecutive nodes a straight edge, so
edges keep the way's exact geometry; ``edge_link`` is the OSM way id (live link speeds key on it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium

from sitroom.services.store import osm_buildings as bld
from sitroom.services.store.cameras import CameraSpec, from_osm_tags
from sitroom.services.store.kit import DEFAULT_SPEED_KMH, KitError, RoadClass

# highway=* values a fire engine can drive on, by class (links take their road's class).
HIGHWAY_CLASS: dict[str, RoadClass] = {
    "motorway": RoadClass.MOTORWAY, "motorway_link": RoadClass.MOTORWAY,
    "trunk": RoadClass.TRUNK, "trunk_link": RoadClass.TRUNK,
    "primary": RoadClass.PRIMARY, "primary_link": RoadClass.PRIMARY,
    "secondary": RoadClass.SECONDARY, "secondary_link": RoadClass.SECONDARY,
    "tertiary": RoadClass.TERTIARY, "tertiary_link": RoadClass.TERTIARY,
    "unclassified": RoadClass.RESIDENTIAL, "residential": RoadClass.RESIDENTIAL,
    "living_street": RoadClass.RESIDENTIAL, "road": RoadClass.RESIDENTIAL,
    "service": RoadClass.SERVICE,
}
_NO_ACCESS = {"no", "private"}
_MPH = 1.609344


# (key, value, POI kind), first match wins. The keys also filter nodes before Python sees them.
_POI_RULES: tuple[tuple[str, str, str], ...] = (
    ("amenity", "fire_station", "fire"),
    ("amenity", "hospital", "hospital"), ("healthcare", "hospital", "hospital"),
    ("amenity", "police", "police"),
    ("amenity", "shelter", "shelter"), ("emergency", "assembly_point", "shelter"),
    ("social_facility", "shelter", "shelter"),
    ("amenity", "school", "school"),
    ("man_made", "surveillance", "camera"),
)
_PLACE_LEVEL = {"city_district": "gu", "borough": "gu", "suburb": "gu", "quarter": "dong", "neighbourhood": "dong"}
# Named things a call-taker may be told ("in front of 롯데월드몰", "at 잠실역"), by the key that says what they are;
# the gazetteer keeps them (the kit's own POIs are only the kinds dispatch needs).
_NAMED_KEYS = ("amenity", "shop", "tourism", "office", "leisure", "railway", "public_transport", "healthcare",
               "historic", "man_made", "emergency", "aeroway", "building", "landuse", "natural", "place")
_NAMED_SKIP = {"place": {"city_district", "borough", "suburb", "quarter", "neighbourhood", "city", "town",
                         "village", "county", "state", "province", "region", "country"}}
# Only nodes with one of these keys reach Python: POIs, places, and what is named or numbered (the gazetteer's).
NODE_KEYS = tuple(dict.fromkeys([k for k, _, _ in _POI_RULES] + ["place", "name", "addr:housenumber"]))


_POI_KEYS = tuple(dict.fromkeys(k for k, _, _ in _POI_RULES))


def poi_kind(tags: osmium.osm.TagList) -> str | None:
    present = {k: v for k in _POI_KEYS if (v := tags.get(k)) is not None}  # each key asked of libosmium once
    if not present:
        return None
    for key, value, kind in _POI_RULES:
        if present.get(key) == value:
            return kind
    return None


def parse_maxspeed(value: str | None) -> float | None:
    """km/h from an OSM maxspeed (``50``, ``50 km/h``, ``30 mph``); None for zones, ``none`` or garbage."""
    if not value:
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*", value)
    if not m:
        return None
    speed = float(m.group(1)) * (_MPH if m.group(2) == "mph" else 1.0)
    return speed if 0 < speed <= 150 else None


def oneway_direction(tags: osmium.osm.TagList, highway: str) -> int:
    """1: along the way only, -1: against it only, 0: both directions."""
    value = tags.get("oneway", "")
    if value in ("yes", "true", "1"):
        return 1
    if value in ("-1", "reverse"):
        return -1
    if value in ("no", "false", "0"):
        return 0
    if tags.get("junction") in ("roundabout", "circular") or highway in ("motorway", "motorway_link"):
        return 1
    return 0


@dataclass
class OsmWay:
    id: int
    nodes: list[int]
    lon: list[float]
    lat: list[float]
    road_class: RoadClass
    speed_kmh: float
    oneway: int
    name: str
    name_ko: str
    name_en: str
    lanes: int
    bridge: bool
    tunnel: bool


@dataclass
class OsmPoi:
    kind: str
    name: str
    lon: float
    lat: float
    layer: str = ""  # the user layer it came from ("" for OSM POIs)
    camera: CameraSpec | None = None  # where a camera looks (kind "camera" only)


@dataclass
class OsmPlace:
    """A named district or neighbourhood point (place=suburb, quarter, …): a label where no polygon is known."""

    name: str
    name_en: str
    level: str  # "gu" (suburb, city district) or "dong" (quarter, neighbourhood)
    lon: float
    lat: float


@dataclass
class OsmNamed:
    """A named or addressed node or building: what it is called, what it is, and its address when tagged."""

    name: str  # name:ko or name ("" for an address alone)
    names: tuple[str, ...]  # its other names (name, name:en, alt_name, old_name, short_name, official_name)
    what: str  # "amenity=cafe", "railway=station", "building=yes"…
    lon: float
    lat: float
    street: str = ""  # addr:street
    housenumber: str = ""  # addr:housenumber (road-name address number, or a lot number with addr:place)
    place: str = ""  # addr:place / addr:quarter / addr:suburb …: the 동 or 리 of a lot address
    city: str = ""  # addr:city / addr:district: the 시군구 (Korean OSM puts the dong here too)


_OTHER_NAMES = ("name", "name:en", "alt_name", "alt_name:ko", "old_name", "short_name", "official_name", "int_name")


def named_of(tags: osmium.osm.TagList, lon: float, lat: float) -> OsmNamed | None:
    """What the gazetteer keeps of an object, or None (unnamed and without an address)."""
    if "name" not in tags and "addr:housenumber" not in tags and "name:ko" not in tags:
        return None
    t = {tag.k: tag.v for tag in tags}  # one pass: lookups on a TagList each cross into libosmium
    name = t.get("name:ko") or t.get("name", "")
    housenumber = t.get("addr:housenumber", "")
    what = next((f"{k}={t[k]}" for k in _NAMED_KEYS if k in t and t[k] not in _NAMED_SKIP.get(k, ())), "")
    if not what and not housenumber:
        return None  # a name without a kind (a route, a boundary) is not a place
    names = tuple(dict.fromkeys(v for k in _OTHER_NAMES if (v := t.get(k, "")) and v != name))
    place = next((v for k in ("addr:place", "addr:quarter", "addr:neighbourhood", "addr:suburb", "addr:hamlet")
                  if (v := t.get(k, ""))), "")
    city = t.get("addr:district", "") or t.get("addr:city", "")
    return OsmNamed(name, names, what, lon, lat, t.get("addr:street", ""), housenumber, place, city)


@dataclass
class OsmData:
    ways: list[OsmWay] = field(default_factory=list)
    pois: list[OsmPoi] = field(default_factory=list)
    places: list[OsmPlace] = field(default_factory=list)
    named: list[OsmNamed] = field(default_factory=list)  # for the gazetteer
    ways_seen: int = 0  # every way in the file, roads or not
    missing_locations: int = 0  # road ways skipped because a node had no location
    footprints: list[bld.OsmFootprint] = field(default_factory=list)  # building=* outlines
    facilities: list[bld.OsmFacility] = field(default_factory=list)  # hospitals, bridges, … (osm_buildings.py)


class _Reader(osmium.SimpleHandler):
    def __init__(self) -> None:
        super().__init__()
        self.data = OsmData()
        self.parts = bld.BuildingParts()
        self.structures: list[bld.OsmFacility] = []

    def node(self, n: osmium.osm.Node) -> None:
        if not n.tags:
            return
        level = _PLACE_LEVEL.get(n.tags.get("place", ""))
        if level is not None and n.tags.get("name") and n.location.valid():
            self.data.places.append(OsmPlace(n.tags.get("name:ko") or n.tags["name"], n.tags.get("name:en", ""),
                                             level, n.location.lon, n.location.lat))
        kind = poi_kind(n.tags)
        if kind is not None and n.location.valid():
            camera = from_osm_tags(n.tags.get) if kind == "camera" else None
            if kind != "camera" or camera is not None:  # a guard is surveillance, but no camera
                self.data.pois.append(OsmPoi(kind, n.tags.get("name", ""), n.location.lon, n.location.lat,
                                             camera=camera))
        if n.location.valid() and (named := named_of(n.tags, n.location.lon, n.location.lat)) is not None:
            self.data.named.append(named)
        facility = bld.node_facility(n.tags, kind)
        if facility is not None and n.location.valid():
            self.data.facilities.append(bld.OsmFacility(facility, n.tags.get("name", ""), n.location.lon,
                                                        n.location.lat, f"osm-n{n.id}"))

    def way(self, w: osmium.osm.Way) -> None:
        self.data.ways_seen += 1
        tags = w.tags
        if not tags:
            bld.keep_member(w, self.parts)
            return
        if "building" in tags and (footprint := bld.way_footprint(w)) is not None:
            self.data.footprints.append(footprint)
        highway = tags.get("highway")
        cls = HIGHWAY_CLASS.get(highway) if highway else None
        if cls is None:
            self._site(w)
            kind = poi_kind(tags)
            wanted = kind is not None or "addr:housenumber" in tags or ("name" in tags and any(
                k in tags for k in _NAMED_KEYS))
            if wanted and len(w.nodes) >= 3:  # a mapped building or site: its centre
                nodes = w.nodes
                # A few corners place a named building well enough for search, and each costs a call into
                # libosmium; a POI of the kit keeps the mean of them all.
                step = 1 if kind is not None else max(len(nodes) // 8, 1)
                try:
                    locations = [nodes[i].location for i in range(0, len(nodes), step)]
                    lon = sum(loc.lon for loc in locations) / len(locations)
                    lat = sum(loc.lat for loc in locations) / len(locations)
                except osmium.InvalidLocationError:
                    return
                if kind is not None:
                    self.data.pois.append(OsmPoi(kind, tags.get("name", ""), lon, lat))
                if (named := named_of(tags, lon, lat)) is not None:
                    self.data.named.append(named)
            return
        if tags.get("access") in _NO_ACCESS or tags.get("motor_vehicle") in _NO_ACCESS or tags.get("area") == "yes":
            return
        if len(w.nodes) < 2:
            return
        refs, lon, lat = [], [], []
        try:
            for n in w.nodes:
                loc = n.location
                refs.append(n.ref)
                lon.append(loc.lon)
                lat.append(loc.lat)
        except osmium.InvalidLocationError:
            self.data.missing_locations += 1
            return
        speed = parse_maxspeed(tags.get("maxspeed")) or DEFAULT_SPEED_KMH[cls]
        try:
            lanes = int(tags.get("lanes", "0"))
        except ValueError:
            lanes = 0
        if (found := bld.structure(w, lon, lat)) is not None:
            self.structures.append(found)
        self.data.ways.append(OsmWay(
            w.id, refs, lon, lat, cls, speed, oneway_direction(tags, highway),
            tags.get("name", ""), tags.get("name:ko", ""), tags.get("name:en", ""), lanes,
            tags.get("bridge", "no") != "no", tags.get("tunnel", "no") != "no",
        ))

    def _site(self, w: osmium.osm.Way) -> None:
        """A facility mapped as an area that is not a building outline (a hospital's grounds): its centre."""
        tags = w.tags
        if tags.get("amenity") is None and "shop" not in tags and "office" not in tags:  # most ways: cheaply out
            return
        kind = bld.facility_kind(tags)
        if kind is None or bld.is_building(tags) or len(w.nodes) < 3:
            return
        try:
            lon = float(np.mean([n.location.lon for n in w.nodes]))
            lat = float(np.mean([n.location.lat for n in w.nodes]))
        except osmium.InvalidLocationError:
            return
        self.data.facilities.append(bld.OsmFacility(kind, w.tags.get("name", ""), lon, lat, f"osm-w{w.id}"))

    def relation(self, r: osmium.osm.Relation) -> None:
        bld.keep_relation(r, self.parts)

    def finish(self) -> None:
        """After the pass: building multipolygons, and one facility per bridge or tunnel."""
        self.data.footprints += bld.assemble(self.parts)
        self.data.facilities += bld.group_structures(self.structures)
        self.parts = bld.BuildingParts()


def _misnamed(path: Path) -> str:
    """What format a file is in when its name says another: libosmium picks the reader by the name alone, so
    OSM XML saved as ``.pbf`` fails with "invalid BlobHeader size". "" when the name is not the problem."""
    try:
        with path.open("rb") as f:
            head = f.read(64)
    except OSError:
        return ""
    name = path.name.lower()
    # A PBF opens with a 4-byte BlobHeader size, then the header's type string "OSMHeader".
    if b"OSMHeader" in head and not name.endswith(".pbf"):
        return f"the file looks like OSM PBF: name it {path.stem}.osm.pbf"
    if head[:2] == b"\x1f\x8b" and not name.endswith(".gz"):
        return "the file is gzip-compressed: if it holds OSM XML, name it NAME.osm.gz"
    if head[:3] == b"BZh" and not name.endswith(".bz2"):
        return "the file is bzip2-compressed: if it holds OSM XML, name it NAME.osm.bz2"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and name.endswith(".pbf"):
        fixed = path.name[:-len(".pbf")] if name.endswith(".osm.pbf") else f"{path.stem}.osm"
        return f"the file looks like OSM XML, not PBF: name it {fixed}"
    return ""


def read_osm(path: Path) -> OsmData:
    """Roads and POIs of an OSM file; raises :class:`KitError` naming the file when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise KitError(f"{path}: no such file")
    reader = _Reader()
    try:
        # Only nodes with a POI or place key reach Python; the location index still sees every node.
        node_filter = osmium.filter.KeyFilter(*NODE_KEYS).enable_for(osmium.osm.NODE)
        # Of the relations, only buildings (multipolygons assembled after the pass) reach Python.
        relation_filter = osmium.filter.KeyFilter("building").enable_for(osmium.osm.RELATION)
        reader.apply_file(str(path), locations=True, idx="flex_mem", filters=[node_filter, relation_filter])
    except (RuntimeError, ValueError, OSError) as exc:
        misnamed = _misnamed(path)
        if misnamed:
            raise KitError(f"{path}: {misnamed} (read by its name: {exc})") from None
        raise KitError(f"{path}: not a readable OSM file: {exc}") from None
    if reader.data.ways_seen == 0 and not reader.data.pois:
        raise KitError(f"{path}: no OSM ways or POIs in it (empty or truncated file?)")
    reader.finish()
    return reader.data
