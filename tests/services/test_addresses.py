"""The official road-name address files (도로명주소 위치정보요약DB and its kin) read into a kit's gazetteer: every
layout, the records found by what people type, and every bad record named by its file and line while the
rest are read."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from sitroom.services.gazetteer import Gazetteer, sources
from sitroom.services.gazetteer.addresses import FIXED_WIDTHS
from sitroom.services.geo import Projector
from sitroom.services.store.kit import District, KitError
from tests.kits import grid_kit

ROOT = Path(__file__).resolve().parents[2]


def kit_with_dong():
    """The test grid in 중구 with its 은행동, so that lot addresses have a 동 to belong to."""
    kit = grid_kit(6)
    gu = kit.districts[0]
    minx, miny, maxx, maxy = gu.geometry.bounds
    dong = District("30140101", "은행동", "Eunhaeng-dong", "dong", "30140",
                    shapely.box(minx, miny, (minx + maxx) / 2, maxy))
    return dataclasses.replace(kit, districts=(gu, dong))


def entrc(road: str, main: int, sub: int, x: float | str, y: float | str, *, building: str = "",
          emd: str = "은행동", change: str | None = None, code: str = "301403000001") -> str:
    """One record of the 위치정보요약DB (18 fields; 19 with 이동사유코드)."""
    fields = ["30140", "1", "3014010100", "대전광역시", "중구", emd, code, road, "0", str(main), str(sub), building,
              "34800", "업무시설", "0", "30140510", str(x), str(y)]
    return "|".join(fields + ([change] if change is not None else []))


def write(path: Path, lines: list[str | bytes], encoding: str = "cp949") -> Path:
    path.write_bytes(b"\n".join(ln if isinstance(ln, bytes) else ln.encode(encoding) for ln in lines) + b"\r\n")
    return path


def node(kit, i: int) -> tuple[float, float]:
    x, y = kit.roads.node_xy[i]
    return float(x) + 4.0, float(y) + 3.0


def gazetteer(kit, files: list[Path]) -> tuple[Gazetteer, list[str], sources.BuildReport]:
    said: list[str] = []
    index, report = sources.build(kit, addresses=files, say=said.append)
    return Gazetteer(kit, index), said, report


def test_entrance_records_are_found_by_road_and_number_and_give_words_for_their_point(tmp_path: Path) -> None:
    kit = kit_with_dong()
    (x1, y1), (x2, y2), (x3, y3) = node(kit, 7), node(kit, 8), node(kit, 20)
    f = write(tmp_path / "entrc_daejeon.txt", [
        entrc("한밭대로", 99, 0, x1, y1, building="한밭빌딩"),
        entrc("한밭대로", 99, 0, x1 + 9, y1, building="한밭빌딩"),  # a second entrance: the first stands
        entrc("한밭대로", 101, 2, x2, y2),
        entrc("대종로488번길", 12, 0, x3, y3),
    ])
    gz, said, report = gazetteer(kit, [f])
    assert report.files[0].read == 4 and report.files[0].bad == 0 and said[-1].startswith("entrc_daejeon.txt")
    best = gz.search("한밭대로 99")[0]
    assert (best.kind, best.name, best.detail, best.area) == ("address", "한밭대로 99", "한밭빌딩", "중구 은행동")
    assert (best.x, best.y) == (x1, y1)
    assert gz.search("대전 중구 한밭대로 101-2")[0].name == "한밭대로 101-2"
    assert gz.search("대종로488번길 12")[0].name == "대종로488번길 12"
    assert gz.search("한밭빌딩")[0].kind == "place"
    # A number not on the road: the road itself, saying so.
    road = gz.search("한밭대로 7")[0]
    assert road.kind == "road" and road.name == "한밭대로" and "7" in road.note
    # As 한밭대로 99 is typed, the road comes first, then the address.
    assert gz.search("한밭대로 9")[0].name == "한밭대로"
    assert "한밭대로 99" in [p.name for p in gz.search("한밭대로 9")]
    where = gz.where(x1 + 2, y1)
    assert where.address == "한밭대로 99" and where.label().startswith("중구 은행동 · 한밭대로 99")


def test_bad_records_are_named_by_file_and_line_and_the_rest_read(tmp_path: Path) -> None:
    kit = kit_with_dong()
    x, y = node(kit, 7)
    busan = Projector("EPSG:5179")(np.array([129.07]), np.array([35.18]))
    f = write(tmp_path / "entrc_mixed.txt", [
        entrc("한밭대로", 99, 0, x, y),
        "30140|1|3014010100|대전광역시|중구|은행동|301403000001|한밭대로|0|5|0",  # 11 fields
        entrc("한밭대로", 7, 0, "abc", y),
        "한밭대로 라인".encode("utf-16-le"),  # neither CP949 nor UTF-8
        entrc("한밭대로", 8, 0, 127.38, 36.35),  # lon/lat, not EPSG:5179 metres
        entrc("한밭대로", 9, 0, "", ""),  # an undisclosed building: no coordinates
        entrc("한밭대로", 10, 0, x, y, change="63"),  # deleted in the monthly changes
        entrc("한밭대로", 11, 0, float(busan[0][0]), float(busan[1][0])),  # in Busan, not in this kit
        entrc("한밭대로", 0, 0, x, y),
        entrc("한밭대로", 103, 0, x + 30, y),
    ])
    gz, said, report = gazetteer(kit, [f])
    r = report.files[0]
    assert r.lines == 10 and r.bad == 5 and r.read == 3 and r.no_coordinates == 1 and r.deleted == 1
    assert r.outside == 1 and r.first_outside == 8
    assert said[:5] == [
        "entrc_mixed.txt:2: 11 fields, the 위치정보요약DB layout has 18 or 19",
        "entrc_mixed.txt:3: coordinates 'abc', '" + f"{y}" + "' are not numbers",
        "entrc_mixed.txt:4: not CP949 (nor UTF-8) text",
        "entrc_mixed.txt:5: coordinates 127.4, 36.4 are not EPSG:5179 metres in Korea (X 600,000…1,500,000, "
        "Y 1,300,000…2,300,000)",
        "entrc_mixed.txt:9: 건물본번 0: no building number",
    ]
    assert said[-1] == ("entrc_mixed.txt (위치정보요약DB): 3 of 10 records read, 5 unreadable (skipped), 1 without "
                        "coordinates (undisclosed buildings), 1 deletions, 1 outside the kit's area (the first on "
                        "line 8)")
    assert [p.name for p in gz.search("한밭대로 1")[:1]] == ["한밭대로"]
    assert {"한밭대로 99", "한밭대로 103"} <= {p.name for p in gz.search("한밭대로 ", 20)} | {
        gz.search("한밭대로 99")[0].name, gz.search("한밭대로 103")[0].name}


def test_a_file_in_no_layout_stops_the_build_naming_it(tmp_path: Path) -> None:
    kit = kit_with_dong()
    csv = write(tmp_path / "stations.csv", ["name,lon,lat", "a,127.3,36.3"], "utf-8")
    with pytest.raises(KitError, match=r"stations\.csv:1: not a road-name address file: 1 field; expected the "):
        sources.build(kit, addresses=[csv])
    utf16 = tmp_path / "entrc_utf16.txt"
    utf16.write_bytes(entrc("한밭대로", 99, 0, 1, 2).encode("utf-16"))
    with pytest.raises(KitError, match=r"entrc_utf16\.txt:1: not CP949 \(nor UTF-8\) text"):
        sources.build(kit, addresses=[utf16])


def test_fixed_layout_entrance_points_and_lots(tmp_path: Path) -> None:
    kit = kit_with_dong()
    (x1, y1), (x2, y2) = node(kit, 7), node(kit, 9)

    def fixed(road: str, main: int, x: float, y: float) -> bytes:
        values = ["30140", "1", "3014010100", "대전광역시", "중구", "은행동", "301403000002", road, "0", str(main), "0",
                  "", "34800", "", "0", "30140510"]
        return b"".join(v.encode("cp949").ljust(w) for v, w in zip(values, FIXED_WIDTHS, strict=True)) + \
            f"{x:15.6f}{y:15.6f}".encode()

    fixed_file = write(tmp_path / "entrc_fixed.txt", [fixed("중앙로", 70, x1, y1), fixed("중앙로", 72, x2, y2)])
    position = write(tmp_path / "RNENTDATA_2605_30.txt", [
        "|".join(["30140101001000200000000001", "3014010100", "대전광역시", "중구", "은행동", "", "301403000003",
                  "대흥로", "0", "15", "0", "34800", "20260501", "", "1", "RM", "01", str(x2), str(y2)])])
    jibun = write(tmp_path / "jibun_rnaddrkor_daejeon.txt", [
        "|".join(["30140101001000200000000001", "3014010100", "대전광역시", "중구", "은행동", "", "0", "538", "1",
                  "301403000002", "0", "70", "0", ""]),
        "|".join(["30140101001000200000000002", "3014010100", "대전광역시", "중구", "은행동", "", "1", "12", "0",
                  "301403000003", "0", "15", "0", ""]),
        "|".join(["30140101001000200000000003", "3014010100", "대전광역시", "중구", "은행동", "", "0", "9", "0",
                  "301409999999", "0", "1", "0", ""]),  # its road-name address is in no file given
    ])
    gz, _said, report = gazetteer(kit, [fixed_file, position, jibun])
    assert [(r.layout, r.read, r.bad) for r in report.files] == [
        ("위치정보요약DB (fixed layout)", 2, 0), ("도로명주소 출입구 정보", 1, 0), ("관련지번", 3, 0)]
    assert report.files[2].unlinked == 1
    assert gz.search("중앙로 72")[0].name == "중앙로 72"
    assert gz.search("대흥로 15")[0].name == "대흥로 15"
    lot = gz.search("은행동 538-1")[0]
    assert (lot.kind, lot.name) == ("lot", "은행동 538-1") and np.hypot(lot.x - x1, lot.y - y1) < 1e-3
    assert gz.search("중구 은행동 538-1번지")[0].name == "은행동 538-1"
    assert gz.search("은행동 산 12")[0].name == "은행동 산 12"
    assert gz.search("은행동 9")[0].kind == "district"  # no such lot: the 동, saying so
    assert "9" in gz.search("은행동 9")[0].note


def test_kit_build_with_addresses_from_the_command_line(tmp_path: Path) -> None:
    """A node-link kit (MOCT_LINK.shp) with the official addresses: the messages on stderr, the gazetteer in the
    kit directory, found again when the kit opens."""
    from sitroom.services.store.kit import load_kit
    from tests.services.test_vector_sources import moct_shapefile

    links, _ = moct_shapefile(tmp_path / "moct")
    x, y = Projector("EPSG:5179")(np.array([127.384]), np.array([36.353]))
    addresses = write(tmp_path / "entrc_daejeon.txt", [
        entrc("한밭대로", 99, 0, float(x[0]), float(y[0]), building="한밭빌딩"),
        entrc("한밭대로", 7, 0, "abc", 1),
    ])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "sitroom", "kit", "build", "--roads", str(links), "--addresses",
                          str(addresses), "--out", str(tmp_path / "k")], capture_output=True, text=True, env=env,
                         check=False, timeout=180)
    assert out.returncode == 0, out.stderr
    assert "entrc_daejeon.txt:2: coordinates 'abc', '1' are not numbers" in out.stderr
    assert "entrc_daejeon.txt (위치정보요약DB): 1 of 2 records read, 1 unreadable (skipped)" in out.stderr
    assert "gazetteer: " in out.stderr and (tmp_path / "k" / "gazetteer.npz").is_file()
    kit = load_kit(tmp_path / "k")
    gz = Gazetteer.from_kit(kit)
    assert gz.index.counts.addresses == 1
    assert gz.search("한밭대로 99")[0].name == "한밭대로 99"
    assert gz.search("대전광역시 한밭대로 99")[0].name == "한밭대로 99"
    assert any(s["name"] == "entrc_daejeon.txt" for s in kit.sources)
    missing = subprocess.run([sys.executable, "-m", "sitroom", "kit", "build", "--roads", str(links), "--addresses",
                              str(tmp_path / "nope.txt"), "--out", str(tmp_path / "k2")], capture_output=True,
                             text=True, env=env, check=False, timeout=180)
    assert missing.returncode == 1 and "nope.txt: no such file" in missing.stderr and not (tmp_path / "k2").exists()
