"""The gazetteer's store and index: every searchable thing of a kit as numpy columns, saved as one npz.

- *Entries* are the named things: districts, roads, places (POIs, facilities, stations, cameras, buildings).
- *Keys* are their names as typed, decomposed into jamo (services/gazetteer/korean.py), with their initial
  consonants and romanisations: one sorted list, so every keystroke is a binary search for the range of keys
  it prefixes, and the best of that range come out of one ``argpartition`` on the entries' weights.
- *Grams* (each Hangul syllable, each pair of Latin letters of a name) map to the entries holding them: a
  typed piece from the middle of a name, or a name typed with a wrong letter, gathers its candidates from a
  few posting lists instead of a scan.
- *Addresses* (road + building number) and *lots* (읍면동/리 + 지번) are rows sorted by their numbers under
  their road or area, found with ``searchsorted``; *crossings* are pairs of road entries.

Strings are kept as one UTF-8 blob with offsets (no Python object per name), so a million addresses load in a
few hundred milliseconds and take about the file's size in memory. UTF-8 sorts like the code points, so the
sorted keys are searched on their bytes.
"""

from __future__ import annotations

import bisect
import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sitroom.services.gazetteer.korean import initials, is_syllable, jamo, latin_keys, normalize

FORMAT = 1
FILE = "gazetteer.npz"
KINDS = ("district", "road", "place")
DISTRICT, ROAD, PLACE = 0, 1, 2
LEVELS = ("sido", "gu", "dong", "ri")  # a district's level; "gu" is any 시군구, "dong" any 읍면동
KEY_NAME, KEY_INITIALS, KEY_LATIN = 0, 1, 2
_NUM_BITS = 17  # building and lot numbers run to 5 digits (99,999 < 2**17)
_TOP = "\U0010ffff".encode()  # above every key: the end of a prefix range


class Strings(Sequence[str]):
    """Many strings as one UTF-8 blob and offsets."""

    def __init__(self, blob: np.ndarray, off: np.ndarray) -> None:
        self.blob, self.off = blob, off
        self._mv = memoryview(blob)

    @classmethod
    def of(cls, items: Iterable[str]) -> Strings:
        encoded = [s.encode() for s in items]
        off = np.zeros(len(encoded) + 1, np.int64)
        np.cumsum([len(b) for b in encoded], out=off[1:])
        return cls(np.frombuffer(b"".join(encoded), np.uint8).copy(), off)

    def raw(self, i: int) -> bytes:
        return bytes(self._mv[self.off[i]:self.off[i + 1]])

    def __getitem__(self, i):  # type: ignore[override]
        return self.raw(i).decode()

    def __len__(self) -> int:
        return len(self.off) - 1


class _Raw(Sequence[bytes]):
    """The bytes of sorted strings, for ``bisect``."""

    def __init__(self, strings: Strings) -> None:
        self.s = strings

    def __getitem__(self, i):  # type: ignore[override]
        return self.s.raw(i)

    def __len__(self) -> int:
        return len(self.s)


_SYLLABLE = re.compile(r"[가-힣]")
_LATIN_WORD = re.compile(r"[a-z]+")


def grams(text: str) -> set[str]:
    """The pieces a name is found by when typed partly or wrongly: each Hangul syllable, each pair of
    letters of a Latin word (a one-letter word whole)."""
    out = set(_SYLLABLE.findall(text))
    for run in _LATIN_WORD.findall(text):
        out.update([run] if len(run) == 1 else (run[i:i + 2] for i in range(len(run) - 1)))
    return out


def number_key(parent: np.ndarray | int, main: np.ndarray | int, sub: np.ndarray | int) -> np.ndarray:
    """One sortable int64 per (road or area, number, sub-number)."""
    return (np.asarray(parent, np.int64) << (2 * _NUM_BITS)) | (np.asarray(main, np.int64) << _NUM_BITS) \
        | np.asarray(sub, np.int64)


@dataclass
class Counts:
    entries: int = 0
    addresses: int = 0
    lots: int = 0
    crossings: int = 0


class GazetteerIndex:
    """The columns and what searches them. Built by :class:`IndexBuilder`, or loaded from a kit's file."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays
        a = arrays
        self.kind, self.x, self.y = a["kind"], a["x"], a["y"]
        self.ext, self.weight, self.area, self.level = a["ext"], a["weight"], a["area"], a["level"]
        self.names = Strings(a["name_blob"], a["name_off"])
        self.details = Strings(a["detail_blob"], a["detail_off"])
        self.keys = Strings(a["key_blob"], a["key_off"])
        self._raw_keys = _Raw(self.keys)
        self.key_entry, self.key_kind = a["key_entry"], a["key_kind"]
        self.key_weight = self.weight[self.key_entry] if len(self.key_entry) else np.zeros(0, np.float32)
        self.entry_key_ptr, self.entry_key = a["entry_key_ptr"], a["entry_key"]
        self.gram_names = Strings(a["gram_blob"], a["gram_off"])
        self._raw_grams = _Raw(self.gram_names)
        self.post_ptr, self.post = a["post_ptr"], a["post"]
        self.addr_key, self.addr_road = a["addr_key"], a["addr_road"]
        self.addr_x, self.addr_y, self.addr_area, self.addr_name = (a["addr_x"], a["addr_y"], a["addr_area"],
                                                                    a["addr_name"])
        self.lot_key, self.lot_area, self.lot_san = a["lot_key"], a["lot_area"], a["lot_san"]
        self.lot_x, self.lot_y = a["lot_x"], a["lot_y"]
        self.cross_key, self.cross_x, self.cross_y = a["cross_key"], a["cross_x"], a["cross_y"]
        self.scripts = frozenset(str(a["scripts"]).split(",")) - {""}
        self.sources = tuple(s for s in str(a["sources"]).split("\n") if s)
        self.roads_with_addresses = np.unique(self.addr_road) if len(self.addr_road) else np.zeros(0, np.int32)

    @property
    def counts(self) -> Counts:
        return Counts(len(self.kind), len(self.addr_key), len(self.lot_key), len(self.cross_key))

    @property
    def n_entries(self) -> int:
        return len(self.kind)

    # ------------------------------------------------------------ keys

    def prefix_range(self, key: str) -> tuple[int, int]:
        """Rows of the sorted keys that start with ``key``."""
        q = key.encode()
        lo = bisect.bisect_left(self._raw_keys, q)
        return lo, bisect.bisect_left(self._raw_keys, q + _TOP, lo)

    def exact_range(self, key: str) -> tuple[int, int]:
        q = key.encode()
        lo = bisect.bisect_left(self._raw_keys, q)
        return lo, bisect.bisect_right(self._raw_keys, q, lo)

    def best_keys(self, lo: int, hi: int, k: int,
                  allowed: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
        """Up to ``k`` key rows of [lo, hi), heaviest entries first (``allowed``: which entries may be)."""
        if hi <= lo:
            return np.zeros(0, np.int64)
        rows = np.arange(lo, hi)
        if allowed is not None:
            if len(rows) > 64 * k:  # a short prefix: the heaviest few thousand are enough to filter
                rows = rows[np.argpartition(-self.key_weight[lo:hi], 64 * k - 1)[:64 * k]]
            rows = rows[allowed(self.key_entry[rows])]
        if len(rows) > k:
            w = self.key_weight[rows]
            rows = rows[np.argpartition(-w, k - 1)[:k]]
        return rows[np.argsort(-self.key_weight[rows], kind="stable")]

    def keys_of(self, entry: int) -> list[str]:
        return [self.keys[int(r)] for r in self.entry_key[self.entry_key_ptr[entry]:self.entry_key_ptr[entry + 1]]]

    def keys_with_kind(self, entry: int) -> list[tuple[str, int]]:
        rows = self.entry_key[self.entry_key_ptr[entry]:self.entry_key_ptr[entry + 1]]
        return [(self.keys[int(r)], int(self.key_kind[r])) for r in rows]

    # ------------------------------------------------------------ grams

    def postings(self, gram: str) -> np.ndarray:
        q = gram.encode()
        i = bisect.bisect_left(self._raw_grams, q)
        if i < len(self.gram_names) and self.gram_names.raw(i) == q:
            return self.post[self.post_ptr[i]:self.post_ptr[i + 1]]
        return np.zeros(0, np.int32)

    def gram_counts(self, pieces: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """(entries, how many of ``pieces`` each holds), for the entries holding at least one."""
        lists = [self.postings(g) for g in pieces]
        lists = [p for p in lists if len(p)]
        if not lists:
            return np.zeros(0, np.int32), np.zeros(0, np.int64)
        if len(lists) == 1:
            return lists[0], np.ones(len(lists[0]), np.int64)
        entries, counts = np.unique(np.concatenate(lists), return_counts=True)
        return entries, counts

    # ------------------------------------------------------------ numbers

    def addresses(self, road: int, main: int, sub: int | None = None) -> np.ndarray:
        """Address rows on ``road`` with building number ``main`` (and ``sub`` when given)."""
        if sub is None:
            lo, hi = number_key(road, main, 0), number_key(road, main + 1, 0)
        else:
            lo, hi = number_key(road, main, sub), number_key(road, main, sub + 1)
        return np.arange(np.searchsorted(self.addr_key, lo), np.searchsorted(self.addr_key, hi))

    def address_numbers(self, row: int) -> tuple[int, int]:
        k = int(self.addr_key[row])
        mask = (1 << _NUM_BITS) - 1
        return (k >> _NUM_BITS) & mask, k & mask

    def lots(self, area: int, main: int, sub: int | None, san: bool) -> np.ndarray:
        lo = number_key(area, main, 0 if sub is None else sub)
        hi = number_key(area, main + 1, 0) if sub is None else number_key(area, main, sub + 1)
        rows = np.arange(np.searchsorted(self.lot_key, lo), np.searchsorted(self.lot_key, hi))
        return rows[self.lot_san[rows] == san]

    def lot_numbers(self, row: int) -> tuple[int, int]:
        k = int(self.lot_key[row])
        mask = (1 << _NUM_BITS) - 1
        return (k >> _NUM_BITS) & mask, k & mask

    def crossings(self, a: int, b: int) -> np.ndarray:
        lo, hi = sorted((a, b))
        key = (np.int64(lo) << 32) | np.int64(hi)
        return np.arange(np.searchsorted(self.cross_key, key), np.searchsorted(self.cross_key, key, "right"))

    def crossing_roads(self, row: int) -> tuple[int, int]:
        k = int(self.cross_key[row])
        return k >> 32, k & 0xFFFFFFFF

    def crossings_on(self, road: int) -> np.ndarray:
        """Crossing rows of ``road`` with any other (the pairs are sorted by their smaller road)."""
        lo = np.searchsorted(self.cross_key, np.int64(road) << 32)
        hi = np.searchsorted(self.cross_key, np.int64(road + 1) << 32)
        other = np.flatnonzero((self.cross_key & 0xFFFFFFFF) == road)
        return np.concatenate([np.arange(lo, hi), other])

    # ------------------------------------------------------------ areas

    def chain(self, entry: int) -> list[int]:
        """The districts an entry lies in, most local first."""
        out = []
        a = int(self.area[entry])
        while a >= 0 and len(out) < 6:
            out.append(a)
            a = int(self.area[a])
        return out

    def context(self, area: int, upto: int = 2) -> str:
        """Words for where a district lies: 유성구 봉명동 (the gu and the dong)."""
        if area < 0:
            return ""
        chain = [area, *self.chain(area)]
        words = [self.names[a] for a in chain if self.level[a] >= 1][:upto]  # the 시도 is rarely said
        return " ".join(reversed(words))

    # ------------------------------------------------------------ file

    def save(self, path: Path) -> None:
        """Fixed member timestamps: equal gazetteers give equal bytes (reproducible kits)."""
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
            for name, arr in self.arrays.items():
                with z.open(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w",
                            force_zip64=True) as f:
                    np.lib.format.write_array(f, np.asanyarray(arr), allow_pickle=False)

    @classmethod
    def load(cls, path: Path) -> GazetteerIndex:
        """Raises ValueError (naming the file) when it is not a gazetteer of this format or is damaged."""
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            if int(arrays.get("format", -1)) != FORMAT:
                raise ValueError(f"gazetteer format {arrays.get('format')}, this SitRoom reads {FORMAT}")
            missing = sorted(set(_EMPTY) - set(arrays))
            if missing:
                raise ValueError(f"no {', '.join(missing[:3])} in it")
            index = cls(arrays)
            index.check()
        except (OSError, ValueError, KeyError, IndexError, TypeError, zipfile.BadZipFile, EOFError) as exc:
            raise ValueError(f"{path}: not a readable gazetteer: {str(exc)[:200]}") from None
        return index

    def check(self) -> None:
        """Cross-references in range, so that a damaged file fails here and not in a search."""
        n = self.n_entries
        for name in ("x", "y", "ext", "weight", "area", "level"):
            if len(self.arrays[name]) != n:
                raise ValueError(f"{name} has {len(self.arrays[name])} rows for {n} entries")
        for name, ref, top in (("area", self.area, n), ("key_entry", self.key_entry, n), ("post", self.post, n),
                               ("addr_road", self.addr_road, n), ("addr_area", self.addr_area, n),
                               ("addr_name", self.addr_name, n), ("lot_area", self.lot_area, n),
                               ("entry_key", self.entry_key, len(self.key_entry))):
            if len(ref) and (int(ref.max()) >= top or int(ref.min()) < -1):
                raise ValueError(f"{name} refers past the table it indexes")
        for strings in (self.names, self.details, self.keys, self.gram_names):
            if len(strings.off) and (strings.off[-1] > len(strings.blob) or np.any(np.diff(strings.off) < 0)):
                raise ValueError("string offsets out of range")
        if len(self.entry_key_ptr) != n + 1 or len(self.post_ptr) != len(self.gram_names) + 1:
            raise ValueError("posting pointers do not match their tables")


_EMPTY = {
    "kind": np.zeros(0, np.uint8), "x": np.zeros(0), "y": np.zeros(0), "ext": np.zeros((0, 4), np.float32),
    "weight": np.zeros(0, np.float32), "area": np.zeros(0, np.int32), "level": np.zeros(0, np.uint8),
    "name_blob": np.zeros(0, np.uint8), "name_off": np.zeros(1, np.int64),
    "detail_blob": np.zeros(0, np.uint8), "detail_off": np.zeros(1, np.int64),
    "key_blob": np.zeros(0, np.uint8), "key_off": np.zeros(1, np.int64), "key_entry": np.zeros(0, np.int32),
    "key_kind": np.zeros(0, np.uint8), "entry_key_ptr": np.zeros(1, np.int64), "entry_key": np.zeros(0, np.int32),
    "gram_blob": np.zeros(0, np.uint8), "gram_off": np.zeros(1, np.int64), "post_ptr": np.zeros(1, np.int64),
    "post": np.zeros(0, np.int32),
    "addr_key": np.zeros(0, np.int64), "addr_road": np.zeros(0, np.int32), "addr_x": np.zeros(0),
    "addr_y": np.zeros(0), "addr_area": np.zeros(0, np.int32), "addr_name": np.zeros(0, np.int32),
    "lot_key": np.zeros(0, np.int64), "lot_area": np.zeros(0, np.int32), "lot_san": np.zeros(0, bool),
    "lot_x": np.zeros(0), "lot_y": np.zeros(0),
    "cross_key": np.zeros(0, np.int64), "cross_x": np.zeros(0), "cross_y": np.zeros(0),
    "scripts": np.array(""), "sources": np.array(""), "format": np.array(FORMAT),
}


class IndexBuilder:
    """Collects entries, addresses, lots and crossings, then sorts and packs them (:meth:`finish`)."""

    def __init__(self) -> None:
        self.kind: list[int] = []
        self.name: list[str] = []
        self.names: list[tuple[str, ...]] = []
        self.detail: list[str] = []
        self.xy: list[tuple[float, float]] = []
        self.ext: list[tuple[float, float, float, float]] = []
        self.weight: list[float] = []
        self.area: list[int] = []
        self.level: list[int] = []
        self.latin: list[bool] = []
        self.addr: list[tuple[int, int, int, float, float, int, int]] = []
        self.lot: list[tuple[int, bool, int, int, float, float]] = []
        self.cross: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
        self.sources: list[str] = []

    def add(self, kind: int, name: str, x: float, y: float, *, names: Iterable[str] = (), detail: str = "",
            ext: tuple[float, float, float, float] | None = None, area: int = -1, weight: float = 1.0,
            level: str = "", latin: bool = True) -> int:
        """An entry; ``names``: other names it is found by (English, short, former); ``latin``: romanise."""
        self.kind.append(kind)
        self.name.append(name)
        self.names.append(tuple(dict.fromkeys(n for n in (name, *names) if n)))
        self.detail.append(detail)
        self.xy.append((x, y))
        self.ext.append(ext if ext is not None else (x, y, x, y))
        self.weight.append(weight)
        self.area.append(area)
        self.level.append(LEVELS.index(level) if level else 255)
        self.latin.append(latin)
        return len(self.kind) - 1

    def set_area(self, entry: int, area: int) -> None:
        self.area[entry] = area

    def add_address(self, road: int, main: int, sub: int, x: float, y: float, area: int = -1,
                    name: int = -1) -> None:
        self.addr.append((road, main, sub, x, y, area, name))

    def add_lot(self, area: int, san: bool, main: int, sub: int, x: float, y: float) -> None:
        self.lot.append((area, san, main, sub, x, y))

    def add_crossing(self, a: int, b: int, x: float, y: float, apart: float = 300.0) -> None:
        """Where roads ``a`` and ``b`` cross; a second crossing of the same pair only when ``apart`` metres
        from the first (a ring road meets a radial once, a long road may meet another twice)."""
        pair = (min(a, b), max(a, b))
        if all(math.hypot(x - px, y - py) >= apart for px, py in self.cross[pair]):
            self.cross[pair].append((x, y))

    def finish(self) -> GazetteerIndex:
        n = len(self.kind)
        a: dict[str, np.ndarray] = dict(_EMPTY)
        a["kind"] = np.array(self.kind, np.uint8)
        xy = np.array(self.xy, np.float64).reshape(-1, 2)
        a["x"], a["y"] = xy[:, 0].copy(), xy[:, 1].copy()
        a["ext"] = np.array(self.ext, np.float32).reshape(-1, 4)
        a["weight"] = np.array(self.weight, np.float32)
        a["area"] = np.array(self.area, np.int32)
        a["level"] = np.array(self.level, np.uint8)
        names, details = Strings.of(self.name), Strings.of(self.detail)
        a["name_blob"], a["name_off"], a["detail_blob"], a["detail_off"] = (names.blob, names.off, details.blob,
                                                                          details.off)
        # Keys: each name decomposed, its initials and romanisations; one sorted list.
        keys: list[str] = []
        key_entry: list[int] = []
        key_kind: list[int] = []
        gram_lists: dict[str, list[int]] = defaultdict(list)
        scripts: set[str] = set()
        for e, entry_names in enumerate(self.names):
            seen: set[str] = set()
            entry_grams: set[str] = set()
            for name in entry_names:
                folded = normalize(name)
                if not folded:
                    continue
                forms = [(jamo(folded), KEY_NAME)]
                if any(is_syllable(ch) for ch in folded):
                    forms.append((initials(folded), KEY_INITIALS))
                    if self.latin[e]:
                        forms += [(k, KEY_LATIN) for k in latin_keys(name)]
                for form, kind in forms:
                    if form not in seen:
                        seen.add(form)
                        keys.append(form)
                        key_entry.append(e)
                        key_kind.append(kind)
                entry_grams |= grams(folded)
                for k, kind in forms:
                    if kind == KEY_LATIN:
                        entry_grams |= grams(k)
            for g in entry_grams:
                gram_lists[g].append(e)
        order = sorted(range(len(keys)), key=keys.__getitem__)
        sorted_keys = Strings.of(keys[i] for i in order)
        a["key_blob"], a["key_off"] = sorted_keys.blob, sorted_keys.off
        a["key_entry"] = np.array(key_entry, np.int32)[order] if keys else np.zeros(0, np.int32)
        a["key_kind"] = np.array(key_kind, np.uint8)[order] if keys else np.zeros(0, np.uint8)
        by_entry = np.argsort(a["key_entry"], kind="stable").astype(np.int32)
        a["entry_key"] = by_entry
        ptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(a["key_entry"], minlength=n), out=ptr[1:])
        a["entry_key_ptr"] = ptr
        gram_names = sorted(gram_lists)
        g = Strings.of(gram_names)
        a["gram_blob"], a["gram_off"] = g.blob, g.off
        sizes = [len(gram_lists[k]) for k in gram_names]
        a["post_ptr"] = np.zeros(len(gram_names) + 1, np.int64)
        np.cumsum(sizes, out=a["post_ptr"][1:])
        a["post"] = np.array([e for k in gram_names for e in gram_lists[k]], np.int32)
        from sitroom.services.gazetteer.korean import script_of

        scripts.update(script_of(ch) for ch in set("".join(keys)))
        a["scripts"] = np.array(",".join(sorted(scripts)))
        a["sources"] = np.array("\n".join(dict.fromkeys(self.sources)))
        if self.addr:
            road, main, sub, x, y, area, name = (np.array(c) for c in zip(*self.addr, strict=True))
            key = number_key(road, main, sub)
            order_a = np.argsort(key, kind="stable")
            a["addr_key"], a["addr_road"] = key[order_a], road[order_a].astype(np.int32)
            a["addr_x"], a["addr_y"] = x[order_a].astype(np.float64), y[order_a].astype(np.float64)
            a["addr_area"], a["addr_name"] = area[order_a].astype(np.int32), name[order_a].astype(np.int32)
        if self.lot:
            area, san, main, sub, x, y = (np.array(c) for c in zip(*self.lot, strict=True))
            key = number_key(area, main, sub)
            order_l = np.lexsort((san, key))
            a["lot_key"], a["lot_area"], a["lot_san"] = key[order_l], area[order_l].astype(np.int32), \
                san[order_l].astype(bool)
            a["lot_x"], a["lot_y"] = x[order_l].astype(np.float64), y[order_l].astype(np.float64)
        if self.cross:
            rows = [((lo << 32) | hi, x, y) for (lo, hi), pts in self.cross.items() for x, y in pts]
            rows.sort(key=lambda r: r[0])
            a["cross_key"] = np.array([r[0] for r in rows], np.int64)
            a["cross_x"] = np.array([r[1] for r in rows], np.float64)
            a["cross_y"] = np.array([r[2] for r in rows], np.float64)
        return GazetteerIndex(a)
