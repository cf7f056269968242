"""Finding places offline as people type them, on a kit's own names."""

from __future__ import annotations

import numpy as np
import pytest

from sitroom.services.gazetteer import Gazetteer, initials, normalize
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


# ---------------------------------------------------------------- Korean as it is typed

def test_jamo_initials_and_what_an_ime_shows_key_by_key() -> None:
    from sitroom.services.gazetteer.korean import compose, jamo, keystrokes

    assert jamo("대학로") == "ㄷㅐㅎㅏㄱㄹㅗ"
    assert jamo("닭") == "ㄷㅏㄹㄱ" and jamo("과") == "ㄱㅗㅏ"  # what the keys are, compound letters split
    assert list(keystrokes("대학로")) == ["ㄷ", "대", "댛", "대하", "대학", "대학ㄹ", "대학로"]
    assert list(keystrokes("닭갈비"))[3:5] == ["닭", "닭ㄱ"] and compose(jamo("닭갈비")) == "닭갈비"
    for text in ("대덕대로", "계룡로", "월드컵대로", "봉명동 538-1", "Daehak-ro 99"):
        assert compose(jamo(text)) == text
        assert all(jamo(state) == jamo(text)[: len(jamo(state))] for state in keystrokes(text)), text
    assert initials("대학로12번길") == "ㄷㅎㄹ12ㅂㄱ"


def test_romanisation_as_signs_and_as_said() -> None:
    from sitroom.services.gazetteer.korean import latin_keys, romanize, romanize_name

    assert romanize("신라") == "silla" and romanize("종로") == "jongno" and romanize("대전") == "daejeon"
    assert romanize_name("대학로") == "Daehak-ro" and romanize_name("유성구") == "Yuseong-gu"
    assert romanize_name("대학로12번길") == "Daehak-ro 12beon-gil"
    assert latin_keys("대학로") == ("daehakro", "daehangno")


def test_every_keystroke_of_a_road_finds_it(gz: Gazetteer) -> None:
    """While 동서로 3 is typed key by key, the road is among the candidates from its first syllable on."""
    from sitroom.services.gazetteer.korean import keystrokes

    states = list(keystrokes("동서로 3"))
    for state in states[states.index("동"):]:
        assert "동서로 3" in [p.name for p in gz.search(state, 12)], state


def test_a_wrong_letter_or_syllable_still_finds_the_road(gz: Gazetteer) -> None:
    for typo in ("동사로 3", "똥서로 3", "동서루 3", "Dongsoe-ro 3", "Dongseo-ru 3"):
        names = [p.name for p in gz.search(typo, 5)]
        assert "동서로 3" in names, (typo, names)
    assert gz.search("동서로 3")[0].score > gz.search("동사로 3")[0].score  # the exact spelling ranks higher


def test_nothing_for_empty_absurd_or_foreign_script_queries_and_quickly(gz: Gazetteer) -> None:
    import time

    for query in ("", "   ", "!!!", "·-·", "東京", "Москва", "こんにちは", "🚒", "x" * 5000, "동서로" * 200):
        t0 = time.perf_counter()
        assert gz.search(query) == [], query
        assert time.perf_counter() - t0 < 0.5, query  # a generous bound: no scan, no freeze
    assert gz.search("동서로", limit=0) == []


def test_a_road_typed_alone_lists_the_road_then_where_others_cross_it(gz: Gazetteer) -> None:
    found = gz.search("동서로 2", 10)
    assert found[0].kind == "road" and found[0].name == "동서로 2" and found[0].bounds is not None
    crossings = [p for p in found if p.kind == "intersection"]
    assert crossings and all(p.name.startswith("동서로 2 & ") for p in crossings)
    glued = gz.search("동서로2남북로4")  # two names typed together
    assert glued and glued[0].kind == "intersection" and set(glued[0].detail.split("\n")) == {"동서로 2", "남북로 4"}


def test_the_words_for_a_point_name_the_crossing_road_when_close(gz: Gazetteer) -> None:
    g = gz.kit.roads
    node = g.node_xy[7]  # an inner crossing of the grid
    where = gz.where(node[0] + 30.0, node[1] + 2.0)
    assert where.road and where.near and where.near != where.road and where.near_m < 40
    assert where.label() == f"중구 · {where.road} / {where.near}"
    assert where.address == "" and where.address_m == float("inf")
