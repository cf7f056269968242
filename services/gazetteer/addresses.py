"""Reading the official road-name address files of juso.go.kr (행정안전부 도로명주소), CP949 text.

Layouts read (the first line tells which; a file may not mix them):

- **위치정보요약DB** (``entrc_*.txt``), ``|``-separated, 18 fields: 시군구코드, 출입구일련번호, 법정동코드, 시도명,
  시군구명, 읍면동명, 도로명코드, 도로명, 지하여부, 건물본번, 건물부번, 건물명, 우편번호, 건물용도분류, 건물군여부,
  관할행정동, X좌표, Y좌표 (EPSG:5179 metres); the monthly changes add a 19th, 이동사유코드 (63: deleted).
- the same in its **fixed layout**: the fields at their published byte widths (5, 10, 10, 40, 40, 40, 12, 80, 1, 5,
  5, 40, 5, 100, 1, 8 bytes of CP949, space-padded), then X and Y.
- **도로명주소 출입구 정보** (``RNENTDATA_*.txt``, ``…TH_SGCO_RNADR_POSITION.TXT``), 19 fields: 도로명주소관리번호,
  법정동코드, 시도명, 시군구명, 읍면동명, 리명, 도로명코드, 도로명, 지하여부, 건물본번, 건물부번, 기초구역번호,
  효력발생일, 이동사유코드, 출입구일련번호, 출입구구분, 출입구유형, X, Y.
- **관련지번** (``jibun_rnaddrkor_*.txt`` of the 도로명주소 한글 DB), 14 fields: 도로명주소관리번호, 법정동코드,
  시도명, 시군구명, 읍면동명, 리명, 산여부, 지번본번, 지번부번, 도로명코드, 지하여부, 건물본번, 건물부번,
  이동사유코드. It has no coordinates: each lot takes those of its road-name address from the files above.

A record that cannot be read is reported with its file and line and skipped; the rest are read. Buildings the
ministry does not disclose have empty coordinates: counted, not an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sitroom.services.store.errors import KitError

ENTRC, ENTRC_FIXED = "위치정보요약DB", "위치정보요약DB (fixed layout)"
POSITION, JIBUN = "도로명주소 출입구 정보", "관련지번"
FIXED_WIDTHS = (5, 10, 10, 40, 40, 40, 12, 80, 1, 5, 5, 40, 5, 100, 1, 8)
_FIXED_HEAD = sum(FIXED_WIDTHS)
# UTM-K (EPSG:5179) metres of anywhere in Korea, islands included, with a margin.
KOREA_5179 = (600_000.0, 1_300_000.0, 1_500_000.0, 2_300_000.0)
MAX_MESSAGES = 20  # per file; past that, only counted


@dataclass
class AddressColumns:
    """Road-name addresses read, one list per field (a million rows as a few lists, not a million objects)."""

    sido: list[str] = field(default_factory=list)
    sigungu: list[str] = field(default_factory=list)
    emd: list[str] = field(default_factory=list)
    road: list[str] = field(default_factory=list)
    road_code: list[str] = field(default_factory=list)
    under: list[int] = field(default_factory=list)
    main: list[int] = field(default_factory=list)
    sub: list[int] = field(default_factory=list)
    building: list[str] = field(default_factory=list)
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    line: list[int] = field(default_factory=list)  # in its file

    def __len__(self) -> int:
        return len(self.main)


@dataclass
class LotColumns:
    sido: list[str] = field(default_factory=list)
    sigungu: list[str] = field(default_factory=list)
    emd: list[str] = field(default_factory=list)
    ri: list[str] = field(default_factory=list)
    san: list[bool] = field(default_factory=list)
    main: list[int] = field(default_factory=list)
    sub: list[int] = field(default_factory=list)
    link: list[tuple[str, int, int, int]] = field(default_factory=list)  # (도로명코드, 지하여부, 본번, 부번)

    def __len__(self) -> int:
        return len(self.main)


@dataclass
class FileReport:
    path: Path
    layout: str = ""
    lines: int = 0
    read: int = 0
    bad: int = 0
    deleted: int = 0  # 이동사유코드 63
    no_coordinates: int = 0
    outside: int = 0  # filled in by the caller that knows the kit's area
    first_outside: int = 0  # line of the first record outside the kit
    unlinked: int = 0  # lots whose road-name address is in none of the files
    messages: list[str] = field(default_factory=list)

    def problem(self, line: int, why: str) -> None:
        self.bad += 1
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(f"{self.path.name}:{line}: {why}")

    def summary(self) -> str:
        parts = [f"{self.path.name} ({self.layout}): {self.read:,} of {self.lines:,} records read"]
        if self.bad:
            parts.append(f"{self.bad:,} unreadable (skipped)")
        if self.no_coordinates:
            parts.append(f"{self.no_coordinates:,} without coordinates (undisclosed buildings)")
        if self.deleted:
            parts.append(f"{self.deleted:,} deletions")
        if self.outside:
            parts.append(f"{self.outside:,} outside the kit's area (the first on line {self.first_outside:,})")
        if self.unlinked:
            parts.append(f"{self.unlinked:,} lots whose road-name address is in no file given")
        return ", ".join(parts)


Progress = Callable[[str], None]


def _decode(raw: bytes, encoding: str) -> str | None:
    for enc in (encoding, "utf-8"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def _layout(first: list[str] | None, raw: bytes) -> str | None:
    if first is None:
        return ENTRC_FIXED if len(raw) >= _FIXED_HEAD and b"|" not in raw else None
    long_id = len(first[0].strip()) >= 15 and first[0].strip().isdigit()
    if len(first) == 14 and long_id:
        return JIBUN
    if len(first) == 19 and long_id:
        return POSITION
    if len(first) in (18, 19):
        return ENTRC
    return None


def _int(text: str, what: str) -> int:
    text = text.strip()
    if not text.isdigit() or len(text) > 5:
        raise ValueError(f"{what} {text[:20]!r} is not a number of up to 5 digits")
    return int(text)


def _coordinates(xs: str, ys: str) -> tuple[float, float] | None:
    xs, ys = xs.strip(), ys.strip()
    if not xs and not ys:
        return None
    try:
        x, y = float(xs), float(ys)
    except ValueError:
        raise ValueError(f"coordinates {xs[:20]!r}, {ys[:20]!r} are not numbers") from None
    w, s, e, n = KOREA_5179
    if not (w <= x <= e and s <= y <= n):
        raise ValueError(f"coordinates {x:.1f}, {y:.1f} are not EPSG:5179 metres in Korea (X {w:,.0f}…{e:,.0f}, "
                         f"Y {s:,.0f}…{n:,.0f})")
    return x, y


def _fixed_fields(raw: bytes, encoding: str) -> list[str] | None:
    if len(raw) < _FIXED_HEAD:
        return None
    out, at = [], 0
    for width in FIXED_WIDTHS:
        text = _decode(raw[at:at + width], encoding)
        if text is None:
            return None
        out.append(text.strip())
        at += width
    tail = raw[at:].split()
    if len(tail) not in (2, 3):
        return None
    out += [t.decode("ascii", "replace") for t in tail[:2]]
    out += [tail[2].decode("ascii", "replace")] if len(tail) == 3 else []
    return out


def read_address_file(path: Path, addresses: AddressColumns, lots: LotColumns, *,
                      encoding: str = "cp949") -> FileReport:
    """Append the records of one file to ``addresses`` or ``lots``; KitError when it is none of the layouts."""
    path = Path(path)
    report = FileReport(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KitError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8"
    lines = data.split(b"\n")
    first_raw = next((ln.rstrip(b"\r") for ln in lines if ln.strip()), b"")
    first_text = _decode(first_raw, encoding)
    if first_text is None and b"|" in first_raw:
        raise KitError(f"{path}:1: not CP949 (nor UTF-8) text; the address files of juso.go.kr are CP949")
    layout = _layout(first_text.split("|") if first_text is not None and "|" in first_text else None, first_raw)
    if layout is None:
        n = len(first_text.split("|")) if first_text and "|" in first_text else 1
        raise KitError(f"{path}:1: not a road-name address file: {n} field{'s' if n != 1 else ''}; expected the "
                       f"위치정보요약DB (18 fields separated by |, or its fixed layout of {_FIXED_HEAD}+ bytes), "
                       "도로명주소 출입구 정보 (19) or 관련지번 (14)")
    report.layout = layout
    intern: dict[str, str] = {}
    for number, raw in enumerate(lines, start=1):
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            continue
        report.lines += 1
        if layout == ENTRC_FIXED:
            fields = _fixed_fields(raw, encoding)
            if fields is None:
                report.problem(number, f"not the fixed layout ({_FIXED_HEAD} bytes of fields, then X and Y)")
                continue
        else:
            text = _decode(raw, encoding)
            if text is None:
                report.problem(number, "not CP949 (nor UTF-8) text")
                continue
            fields = text.split("|")
        try:
            if layout == JIBUN:
                _lot(fields, lots, intern)
            else:
                _address(layout, fields, addresses, intern, report)
                addresses.line.append(number)
        except ValueError as exc:
            report.problem(number, str(exc))
            continue
        except _Skip:
            continue
        report.read += 1
    return report


class _Skip(Exception):
    """A record that is correct but carries no address to keep (deleted, or without coordinates)."""


_EXPECTED = {ENTRC: (18, 19), ENTRC_FIXED: (18, 19), POSITION: (19,), JIBUN: (14,)}


def _address(layout: str, f: list[str], out: AddressColumns, intern: dict[str, str], report: FileReport) -> None:
    if len(f) not in _EXPECTED[layout]:
        raise ValueError(f"{len(f)} fields, the {layout} layout has {' or '.join(map(str, _EXPECTED[layout]))}")
    if layout == POSITION:
        sido, sigungu, emd, code, road, under, main, sub = f[2], f[3], f[4], f[6], f[7], f[8], f[9], f[10]
        building, change, xs, ys = "", f[13], f[17], f[18]
    else:
        sido, sigungu, emd, code, road, under, main, sub = f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10]
        building, xs, ys = f[11], f[16], f[17]
        change = f[18] if len(f) == 19 else ""
    if change.strip() == "63":
        report.deleted += 1
        raise _Skip
    road = road.strip()
    if not road:
        raise ValueError("no 도로명 (road name)")
    main_no, sub_no = _int(main, "건물본번"), _int(sub or "0", "건물부번")
    if main_no == 0:
        raise ValueError("건물본번 0: no building number")
    xy = _coordinates(xs, ys)
    if xy is None:
        report.no_coordinates += 1
        raise _Skip
    s = intern.setdefault
    out.sido.append(s(sido.strip(), sido.strip()))
    out.sigungu.append(s(sigungu.strip(), sigungu.strip()))
    out.emd.append(s(emd.strip(), emd.strip()))
    out.road.append(s(road, road))
    out.road_code.append(s(code.strip(), code.strip()))
    out.under.append(1 if under.strip() in ("1", "2") else 0)
    out.main.append(main_no)
    out.sub.append(sub_no)
    out.building.append(building.strip())
    out.x.append(xy[0])
    out.y.append(xy[1])


def _lot(f: list[str], out: LotColumns, intern: dict[str, str]) -> None:
    if len(f) != 14:
        raise ValueError(f"{len(f)} fields, the {JIBUN} layout has 14")
    if f[13].strip() == "63":
        raise _Skip
    main, sub = _int(f[7], "지번본번"), _int(f[8] or "0", "지번부번")
    road_code = f[9].strip()
    if not road_code:
        raise ValueError("no 도로명코드 to find the lot's place by")
    s = intern.setdefault
    out.sido.append(s(f[2].strip(), f[2].strip()))
    out.sigungu.append(s(f[3].strip(), f[3].strip()))
    out.emd.append(s(f[4].strip(), f[4].strip()))
    out.ri.append(s(f[5].strip(), f[5].strip()))
    out.san.append(f[6].strip() == "1")
    out.main.append(main)
    out.sub.append(sub)
    out.link.append((s(road_code, road_code), 1 if f[10].strip() in ("1", "2") else 0, _int(f[11], "건물본번"),
                     _int(f[12] or "0", "건물부번")))


def link_lots(addresses: AddressColumns, lots: LotColumns) -> np.ndarray:
    """For each lot, the row of its road-name address in ``addresses`` (by 도로명코드, 지하여부, 본번, 부번), -1 when
    none of the files read holds it."""
    codes: dict[str, int] = {}
    ids = np.array([codes.setdefault(c, len(codes)) for c in addresses.road_code], np.int64)
    key = (ids << 36) | (np.array(addresses.under, np.int64) << 34) | (np.array(addresses.main, np.int64) << 17) \
        | np.array(addresses.sub, np.int64)
    order = np.argsort(key, kind="stable")
    key = key[order]
    out = np.full(len(lots), -1, np.int64)
    for i, (code, under, main, sub) in enumerate(lots.link):
        if code not in codes:
            continue
        k = (codes[code] << 36) | (under << 34) | (main << 17) | sub
        j = int(np.searchsorted(key, k))
        if j < len(key) and key[j] == k:
            out[i] = order[j]
    return out
