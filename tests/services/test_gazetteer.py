"""Finding places offline as people type them, on a kit's own names."""

from __future__ import annotations

import numpy as np
import pytest

from services.gazetteer import Gazetteer, initials, normalize
from tests.kits import grid_kit


@pytest.fixture(scope="module")
def gz() -> Gazetteer:
    return Gazetteer.from_kit(grid_kit(6))


def test_spacing_case_and_width_do_not_matter() -> None:
    assert normalize("대덕 대로") == normalize("대덕대로") == normalize("대덕·대로")
    assert normalize("Dongseo-ro 3") == normalize("dongseoro3") == normalize("ＤＯＮＧＳＥＯ ro 3")
    assert initials("대덕대로") == "ㄷㄷㄷㄹ"
    assert normalize("ㄷㄷ") == "ㄷㄷ"  # typed initials stay initials


def test_a_road_by_its_name_its_english_name_and_its_initials(gz: Gazetteer) -> None:
    for query in ("동서로 3", "동서로3", "Dongseo-ro 3", "ㄷㅅㄹ3"):
        best = gz.search(query)[0]
        assert (best.kind, best.name) == ("road", "동서로 3"), query
    g = gz.kit.roads
    on_road = g.edge_name[g.street_edges()] == [n[1] for n in gz.kit.road_names].index("동서로 3")
    mids = (g.node_xy[g.edge_src[g.street_edges()]] + g.node_xy[g.edge_dst[g.street_edges()]]) / 2
    best = gz.search("동서로 3")[0]
    assert np.hypot(*(mids[on_road] - [best.x, best.y]).T).min() < 1.0  # the point is on that road


def test_two_roads_find_where_they_cross(gz: Gazetteer) -> None:
    g = gz.kit.roads
    for query in ("동서로 2 & 남북로 4", "남북로 4 & 동서로 2", "동서로 2와 남북로 4", "동서로2, 남북로4"):
        hit = gz.search(query)[0]
        assert hit.kind == "intersection", query
        node = int(np.argmin(np.hypot(*(g.node_xy - [hit.x, hit.y]).T)))
        here = {gz.kit.road_names[n][1] for n in g.edge_name[(g.edge_src == node) | (g.edge_dst == node)]}
        assert {"동서로 2", "남북로 4"} <= here, query


def test_places_and_districts_and_nothing_for_nonsense(gz: Gazetteer) -> None:
    assert gz.search("중앙 119")[0].name == "중앙 119안전센터"
    assert gz.search("중구")[0].kind == "district"
    assert gz.search("Jung-gu")[0].name == "중구"
    assert gz.search("qqqzzz") == [] and gz.search("   ") == []


def test_what_lies_at_a_point(gz: Gazetteer) -> None:
    g = gz.kit.roads
    a, b = g.node_xy[0], g.node_xy[1]  # a street of the grid's first column
    where = gz.where(*(a + (b - a) / 2 + [3.0, 0.0]))
    assert where.district == "중구" and where.road.startswith(("남북로", "동서로")) and where.road_m < 10
    far = gz.where(g.node_xy[:, 0].max() + 5000, g.node_xy[:, 1].max() + 5000)
    assert far.road == "" and far.district == "" and far.label() == ""
