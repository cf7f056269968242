"""The demo city's generated buildings and facilities: on its roads, never on a road or on each other, stable
ids and names for the demo sensor feed, and saved in its cached kit."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import shapely

from sitroom.services.sim import demo_kit
from sitroom.services.sim.city_buildings import FACILITY_COUNTS
from sitroom.services.store.kit import Kit
from sitroom.services.vocabulary import FACILITY_KINDS


@pytest.fixture(scope="module")
def kit() -> Kit:
    return demo_kit.open_demo_city()


def test_a_few_hundred_facilities_of_every_kind_with_stable_ids(kit: Kit) -> None:
    kinds = Counter(f.kind for f in kit.facilities)
    assert set(kinds) == set(FACILITY_KINDS) and sum(kinds.values()) == sum(FACILITY_COUNTS.values())
    assert [f.id for f in kit.facilities] == [f"F-{i:04d}" for i in range(1, len(kit.facilities) + 1)]
    assert len({f.name for f in kit.facilities}) == len(kit.facilities)
    assert all(f.footprint == -1 for f in kit.facilities if f.kind in ("bridge", "tunnel", "underground_mall"))
    with_building = [f for f in kit.facilities if f.footprint >= 0]
    assert len(with_building) > 150
    assert all(shapely.contains_xy(kit.footprints[f.footprint], f.x, f.y) for f in with_building)


def test_buildings_line_the_streets_and_stand_on_no_road_and_on_no_other(kit: Kit) -> None:
    fp = kit.footprints
    assert 10_000 < len(fp) <= 25_000
    g = kit.roads
    first = g.street_edges()
    roads = shapely.linestrings(np.stack([g.node_xy[g.edge_src[first]], g.node_xy[g.edge_dst[first]]], axis=1))
    assert len(shapely.STRtree(roads).query(fp.geometry, predicate="intersects")[0]) == 0
    left, right = shapely.STRtree(fp.geometry).query(fp.geometry, predicate="intersects")
    assert (left == right).all()
    d = shapely.distance(shapely.centroid(fp.geometry[:2000]), shapely.multilinestrings(roads))
    assert float(np.median(d)) < 40.0  # beside a street, not in a field
    assert (fp.levels >= 1).all() and np.allclose(fp.height_m, fp.levels * 3.0)
