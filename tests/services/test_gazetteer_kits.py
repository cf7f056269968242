"""The gazetteer built into kits from real data (the Songpa OSM extract, the NGII areas), saved with the kit and
searched when it opens; the area names ``kit build --area`` takes; kits without a gazetteer, or with a damaged one."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from sitroom.services.gazetteer import Gazetteer
from sitroom.services.store.areas import resolve_area
from sitroom.services.store.build import build_kit, korean_area
from sitroom.services.store.kit import KitError, load_kit
from tests.services.test_kit_build import SHARED_OSM, needs_shared

SONGPA = SHARED_OSM / "seoul-songpa.osm.pbf"


@pytest.fixture(scope="module")
def songpa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SONGPA.is_file():
        pytest.skip("../shared/data/osm (the Seoul Songpa-gu extract) is not present")
    out = tmp_path_factory.mktemp("songpa") / "kit"
    build_kit(out, osm=SONGPA, area="서울 송파구")  # the short form of 서울특별시
    return out


def test_areas_as_addresses_write_them() -> None:
    cases = {"서울 마포구": "서울특별시 마포구", "마포구": "서울특별시 마포구", "서울특별시마포구": "서울특별시 마포구",
             "전북특별자치도 군산시": "전북특별자치도 군산시", "전라북도 군산시": "전북특별자치도 군산시",
             "전북 군산": "전북특별자치도 군산시", "경기도 수원시 영통구": "경기도 수원시 영통구",
             "수원시 영통구": "경기도 수원시 영통구", "영통구": "경기도 수원시 영통구",
             "고양시 덕양구": "경기도 고양시 덕양구", "강원도": "강원특별자치도", "강원": "강원특별자치도",
             "인천 남구": "인천광역시 미추홀구", "미추홀구": "인천광역시 미추홀구",
             "서울 성북구": "서울특별시 성북구", "대전 유성구 봉명동": "대전광역시 유성구 봉명동",
             "대전광역시": "대전광역시"}
    for text, full in cases.items():
        assert resolve_area(text).full_name == full, text
    assert resolve_area("수원시").level == "sigungu" and len(resolve_area("수원시").rows) == 4  # a city of 구


def test_an_area_that_matches_nothing_or_several_says_so(tmp_path: Path) -> None:
    with pytest.raises(KitError) as err:
        build_kit(tmp_path / "k", osm=tmp_path / "never-read.osm.pbf", area="전북특별자치도 군삼시")
    assert "no such Korean administrative area" in str(err.value)
    assert "did you mean 전북특별자치도 군산시" in str(err.value)
    with pytest.raises(KitError, match=r"area '중구' names 6 areas: 대구광역시 중구, 대전광역시 중구, .*; give the one "
                                       r"you mean, e\.g\. --area \"대구광역시 중구\""):
        build_kit(tmp_path / "k", osm=tmp_path / "never-read.osm.pbf", area="중구")
    assert not (tmp_path / "k").exists()


def test_a_city_of_gu_clips_to_all_its_gu() -> None:
    area, children = korean_area("경기도 수원시")
    assert {name for _code, name, level, _g in children if level == "gu"} == {"장안구", "권선구", "팔달구", "영통구"}
    assert any(level == "dong" for *_r, level, _g in children)
    assert area.area > 0


@needs_shared
def test_a_real_kit_finds_its_addresses_places_roads_and_districts(songpa: Path) -> None:
    assert (songpa / "gazetteer.npz").is_file()
    gz = Gazetteer.from_kit(load_kit(songpa))
    counts = gz.index.counts
    assert counts.addresses >= 30 and counts.crossings > 50
    best = gz.search("올림픽로 240")[0]  # addr:street + addr:housenumber on the 롯데월드 building
    assert (best.kind, best.name, best.detail) == ("address", "올림픽로 240", "롯데월드")
    assert gz.search("서울 송파구 올림픽로 300")[0].name == "올림픽로 300"
    assert gz.search("Olympic-ro")[0].name == "올림픽로" and gz.search("ㅇㄹㅍㄹ")[0].name == "올림픽로"
    assert gz.search("올림픽료")[0].name == "올림픽로"  # one wrong letter
    assert gz.search("롯데월드몰")[0].kind == "place"
    assert gz.search("송파구")[0].kind == "district"
    assert gz.search("서울")[0].name == "서울특별시" and gz.search("잠실동")[0].name == "잠실동"
    cross = gz.search("올림픽로 & 송파대로")[0]
    assert cross.kind == "intersection" and set(cross.detail.split("\n")) == {"올림픽로", "송파대로"}
    where = gz.where(best.x, best.y)
    assert where.district.startswith("송파구 ") and where.address == "올림픽로 240"
    assert where.label() == f"{where.district} · 올림픽로 240"


@needs_shared
def test_words_for_a_point_on_a_road_near_a_crossing(songpa: Path) -> None:
    gz = Gazetteer.from_kit(load_kit(songpa))
    cross = gz.search("올림픽로 & 송파대로")[0]
    g = gz.kit.roads
    # A point on 올림픽로 about 60 m from the crossing, away from any address.
    on = [e for e in range(g.n_edges) if gz.kit.road_name(e) == "올림픽로"]
    mids = (g.node_xy[g.edge_src[on]] + g.node_xy[g.edge_dst[on]]) / 2
    d = np.hypot(*(mids - [cross.x, cross.y]).T)
    x, y = mids[int(np.argmin(np.abs(d - 60)))]
    where = gz.where(float(x), float(y))
    assert where.road == "올림픽로" and where.near.startswith("송파대로") and where.near_m < 150
    assert " · 올림픽로 / 송파대로" in where.label() or where.address


def test_a_kit_without_a_gazetteer_or_with_a_damaged_one_still_searches(tmp_path: Path,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    from tests.services.test_vector_sources import moct_shapefile

    links, _ = moct_shapefile(tmp_path / "moct")
    build_kit(tmp_path / "k", roads=[links])
    assert (tmp_path / "k" / "gazetteer.npz").is_file()
    built = Gazetteer.from_kit(load_kit(tmp_path / "k"))
    assert built.search("한밭대로")[0].name == "한밭대로"
    shutil.copytree(tmp_path / "k", tmp_path / "old")
    (tmp_path / "old" / "gazetteer.npz").unlink()  # as kits built before the gazetteer
    assert Gazetteer.from_kit(load_kit(tmp_path / "old")).search("한밭대로")[0].name == "한밭대로"
    damaged = tmp_path / "k" / "gazetteer.npz"
    blob = bytearray(damaged.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    damaged.write_bytes(bytes(blob))
    with caplog.at_level(logging.WARNING):
        gz = Gazetteer.from_kit(load_kit(tmp_path / "k"))
    assert gz.search("한밭대로")[0].name == "한밭대로"
    assert "gazetteer.npz: not a readable gazetteer" in caplog.text


def test_gazetteers_are_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.services.test_vector_sources import moct_shapefile

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    links, _ = moct_shapefile(tmp_path / "moct")
    build_kit(tmp_path / "a", roads=[links])
    build_kit(tmp_path / "b", roads=[links])
    for name in ("kit.json", "gazetteer.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
