"""Lossless column codecs for the journal's record arrays (AVL positions and link speeds).

An array payload is stored field by field, each field as small integers that say how it differs from what
the reader already knows, so most of them are 0 or a few bits:

- the key (vehicle or link id) and *delta* fields (the source time): the difference with the record before
  it in the block, as the ids and times of one batch follow each other closely;
- *xor* and *diff* fields (type, status, flags, speed, heading; a link's speed): against the same key's
  previous value, which mostly did not change;
- *motion* fields (lon, lat): against a prediction from the same vehicle's last one, two or three positions
  (constant position, constant velocity, constant acceleration), whichever the encoder finds closest; the
  choice is stored per record. A vehicle driving along a road at a steady speed is predicted to within a
  few units of the last place.

Everything is integer arithmetic modulo 2**64 on the values' bit patterns (a float is taken as the integer
its bytes spell), so decoding gives back the exact bytes on every machine; nothing depends on floating point.

The per-key history lives in a :class:`History` owned by the writer (and rebuilt by the reader): it starts
empty at each key block and is carried from block to block, so a block's arrays decode only after every
array block before it since the key block.

Residuals are written as one byte each when below 240 (a symbol stream, which zstd's entropy coder packs to
a few bits for the usual 0..15) and otherwise as a length symbol plus that many raw bytes; each symbol stream
is its own zstd frame, the raw bytes another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgpack
import numpy as np
import zstandard

_U64 = np.uint64
_SMALL = 240  # residuals below this are their own symbol; 240 + n says n raw bytes follow
_MAX_STREAMS = 32
_LUT_SPREAD = 8  # an id-to-column table when the ids span at most this many times their count


class CodecError(ValueError):
    """An encoded array that does not decode (damaged, or not the layout this module writes)."""


# ---------------------------------------------------------------- integer helpers


def _zigzag(d: np.ndarray) -> np.ndarray:
    """Signed (as two's complement uint64) → unsigned with small magnitudes small."""
    return (d << _U64(1)) ^ (_U64(0) - (d >> _U64(63)))


def _unzigzag(z: np.ndarray) -> np.ndarray:
    return (z >> _U64(1)) ^ (_U64(0) - (z & _U64(1)))


def _nbytes(v: np.ndarray) -> np.ndarray:
    nb = np.ones(len(v), np.uint8)
    for k in range(1, 8):
        nb += v >= _U64(1 << (8 * k))
    return nb


def pack_residuals(v: np.ndarray) -> tuple[bytes, bytes]:
    """uint64 residuals → (symbol stream, raw bytes of the large ones)."""
    v = np.ascontiguousarray(v, dtype=_U64)
    small = v < _U64(_SMALL)
    syms = v.astype(np.uint8)  # exact where small
    big = np.flatnonzero(~small)
    if not len(big):
        return syms.tobytes(), b""
    nb = _nbytes(v[big])
    syms[big] = _SMALL + nb
    cols = np.arange(8, dtype=np.uint8)[None, :] < nb[:, None]
    raw = v[big].astype("<u8").view(np.uint8).reshape(-1, 8)[cols]
    return syms.tobytes(), raw.tobytes()


def unpack_residuals(syms: bytes, raw: memoryview, pos: int) -> tuple[np.ndarray, int]:
    """Inverse of :func:`pack_residuals`, reading raw bytes from ``raw[pos:]``; returns (values, new pos)."""
    s = np.frombuffer(syms, np.uint8)
    v = s.astype(_U64)
    big = np.flatnonzero(s >= _SMALL)
    if len(big):
        nb = s[big].astype(np.int64) - _SMALL
        if nb.min() < 1 or nb.max() > 8:
            raise CodecError("bad residual length")
        total = int(nb.sum())
        if pos + total > len(raw):
            raise CodecError("residual bytes past the end")
        cols = np.arange(8)[None, :] < nb[:, None]
        out = np.zeros((len(big), 8), np.uint8)
        out[cols] = np.frombuffer(raw, np.uint8, total, pos)
        v[big] = out.view("<u8").ravel()
        pos += total
    return v, pos


def _as_u64(a: np.ndarray) -> np.ndarray:
    """A numeric column as the unsigned integer its bytes spell, widened to uint64."""
    size = a.dtype.itemsize
    return np.ascontiguousarray(a).view(f"<u{size}").astype(_U64)


def _from_u64(v: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return v.astype(f"<u{dtype.itemsize}").view(dtype)


def _bitlen(v: np.ndarray) -> np.ndarray:
    return np.frexp(v.astype(np.float64))[1]


# ---------------------------------------------------------------- per-key history


@dataclass(frozen=True)
class Spec:
    """How one record layout is coded: which field is the key and how each other field is predicted."""

    dtype: np.dtype
    key: str
    delta: tuple[str, ...] = ()  # against the previous record in the block
    xor: tuple[str, ...] = ()  # xor with the key's previous value
    diff: tuple[str, ...] = ()  # minus the key's previous value
    motion: tuple[str, ...] = ()  # minus a prediction from the key's last three values

    def __post_init__(self) -> None:
        named = (self.key, *self.delta, *self.xor, *self.diff, *self.motion)
        if sorted(named) != sorted(self.dtype.names) or len(set(named)) != len(named):
            raise ValueError("every field needs exactly one coding")

    @property
    def streams(self) -> tuple[str, ...]:
        return (self.key, *self.delta, *self.xor, *self.diff, *self.motion)

    @property
    def columns(self) -> dict[str, int]:
        """Row of each remembered value in :attr:`History.table`: the count of values seen (0..3) first."""
        names = ["n", *self.xor, *self.diff] + [f"{f}{i}" for f in self.motion for i in range(3)]
        return {name: i for i, name in enumerate(names)}


class History:
    """The last values of every key seen since the key block: keys sorted, one column per key."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.col = spec.columns
        self._lut_of: np.ndarray | None = None  # the keys the lookup table below was built for
        self._lut: tuple[np.uint64, np.ndarray] | None = None
        self.clear()

    def __len__(self) -> int:
        return len(self.keys)

    def clear(self) -> None:
        self.keys = np.empty(0, _U64)
        self.table = np.zeros((len(self.col), 0), _U64)

    def _known(self, keys: np.ndarray) -> np.ndarray | None:
        """The column of each key when all are known, else None.

        Ids mostly fill a range (vehicle numbers, link ids of one network): then a table from id to column,
        rebuilt when the keys change, finds them several times quicker than a binary search."""
        if self._lut_of is not self.keys:
            self._lut_of = self.keys
            lo, span = self.keys[0], int(self.keys[-1] - self.keys[0]) + 1
            self._lut = None
            if span <= _LUT_SPREAD * len(self.keys):
                lut = np.full(span, -1, np.intp)
                lut[self.keys - lo] = np.arange(len(self.keys))
                self._lut = (lo, lut)
        if self._lut is None:
            idx = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            return idx if np.array_equal(self.keys[idx], keys) else None
        lo, lut = self._lut
        off = keys - lo  # a key below the range wraps round to a huge offset
        if not len(off) or off.max() >= len(lut):
            return None if len(off) else np.empty(0, np.intp)
        idx = lut[off]
        return idx if idx.min() >= 0 else None

    def slots(self, keys: np.ndarray) -> np.ndarray:
        """The column of each key, adding the keys not seen before (their columns start at zero)."""
        if len(self.keys):
            idx = self._known(keys)
            if idx is not None:
                return idx
            i = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            fresh = np.unique(keys[self.keys[i] != keys])
        else:
            fresh = np.unique(keys)
        merged = np.concatenate([self.keys, fresh])
        merged.sort()
        table = np.zeros((len(self.col), len(merged)), _U64)
        table[:, np.searchsorted(merged, self.keys)] = self.table
        self.keys, self.table = merged, table
        idx = self._known(keys)  # every key is known now
        return idx if idx is not None else np.searchsorted(self.keys, keys)

    def copy(self) -> History:
        other = History(self.spec)
        other.keys, other.table = self.keys.copy(), self.table.copy()
        return other

    def arrays(self) -> list[np.ndarray]:
        """The history as uint64 arrays that pack small (:mod:`services.journal.checkpoint`): the sorted keys
        as differences, the position before last as the step from it to the last (``d1``), the one before
        that as its step (``d2``) and, when both are known, ``d1`` as its change from ``d2`` (small when the
        vehicle keeps its speed). Positions not seen yet are 0 and stay so (``n``: how many were seen)."""
        out = [np.diff(self.keys, prepend=_U64(0)), *self.table]
        n = self.table[self.col["n"]]
        for f in self.spec.motion:
            p0, p1, p2 = (self.table[self.col[f"{f}{i}"]] for i in range(3))
            d1, d2 = p0 - p1, p1 - p2
            out[1 + self.col[f"{f}1"]] = np.where(n > _U64(2), _zigzag(d1 - d2), np.where(n > _U64(1), _zigzag(d1), p1))
            out[1 + self.col[f"{f}2"]] = np.where(n > _U64(2), _zigzag(d2), p2)
        return out

    @classmethod
    def from_arrays(cls, spec: Spec, arrays: Sequence[np.ndarray]) -> History:
        """Inverse of :meth:`arrays`."""
        h = cls(spec)
        if len(arrays) != 1 + len(h.col):
            raise ValueError("history layout differs")
        h.keys = np.cumsum(arrays[0], dtype=_U64)
        h.table = np.array(arrays[1:], _U64).reshape(len(h.col), len(h.keys))
        n = h.table[h.col["n"]]
        for f in spec.motion:
            p0, a1, a2 = (h.table[h.col[f"{f}{i}"]] for i in range(3))
            d2 = _unzigzag(a2)
            p1 = np.where(n > _U64(2), p0 - (_unzigzag(a1) + d2), np.where(n > _U64(1), p0 - _unzigzag(a1), a1))
            h.table[h.col[f"{f}2"]] = np.where(n > _U64(2), p1 - d2, a2)
            h.table[h.col[f"{f}1"]] = p1
        return h

    def xor_last(self, records: np.ndarray) -> np.ndarray:
        """A copy of ``records`` (of the spec's dtype) with every field the history remembers xor-ed with the
        key's last value; its own inverse. A checkpoint stores the newest records this way: mostly they are
        the last ones, and their remembered fields become zeros, which pack to nothing."""
        out = records.copy()
        if not len(self.keys) or not len(out):
            return out
        keys = _as_u64(out[self.spec.key])
        i = self._known(keys)
        hit: slice | np.ndarray = slice(None)  # usually every key is known
        if i is None:
            i = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            hit = np.flatnonzero(self.keys[i] == keys)
            i = i[hit]
        rows = [(f, self.col[f]) for f in (*self.spec.xor, *self.spec.diff)]
        rows += [(f, self.col[f"{f}0"]) for f in self.spec.motion]
        for f, row in rows:
            out[f][hit] = _from_u64(_as_u64(out[f][hit]) ^ self.table[row, i], self.spec.dtype[f])
        return out


def _rounds(slots: np.ndarray, nkeys: int) -> list[np.ndarray] | None:
    """None when every key occurs once in the block, else the records of each occurrence round in block order.

    Round r holds every key's (r+1)-th record in the block, so each round depends only on the ones before."""
    if not len(slots) or np.bincount(slots, minlength=nkeys).max() <= 1:
        return None
    o = np.argsort(slots, kind="stable")
    s = slots[o]
    starts = np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1]
    counts = np.diff(np.r_[starts, len(s)])
    rank = np.empty(len(slots), np.int64)
    rank[o] = np.arange(len(s)) - np.repeat(starts, counts)
    return [np.flatnonzero(rank == r) for r in range(int(rank.max()) + 1)]


def _predictions(hist: np.ndarray, col: dict[str, int], f: str) -> list[np.ndarray]:
    p1, p2, p3 = hist[col[f"{f}0"]], hist[col[f"{f}1"]], hist[col[f"{f}2"]]
    return [p1, p1 + p1 - p2, _U64(3) * (p1 - p2) + p3]


def _shift(hist: np.ndarray, col: dict[str, int], f: str, values: np.ndarray) -> None:
    hist[col[f"{f}2"]] = hist[col[f"{f}1"]]
    hist[col[f"{f}1"]] = hist[col[f"{f}0"]]
    hist[col[f"{f}0"]] = values


# ---------------------------------------------------------------- encode / decode


class ArrayCodec:
    """Encodes and decodes the concatenated arrays of one block against a :class:`History`.

    Both update the history in place: a writer whose block did not reach the disk must start the next
    chain with a key block (``key=True`` clears the history first)."""

    def __init__(self, spec: Spec, level: int = 3) -> None:
        self.spec = spec
        self._cctx = zstandard.ZstdCompressor(level=level)
        self._dctx = zstandard.ZstdDecompressor()

    def encode(self, records: np.ndarray, history: History, *, key: bool) -> bytes:
        spec, col = self.spec, history.col
        if key:
            history.clear()
        n = len(records)
        cols = {name: _as_u64(records[name]) for name in spec.dtype.names}
        res: dict[str, np.ndarray] = {}
        for name in (spec.key, *spec.delta):
            v = cols[name]
            res[name] = _zigzag(v - np.r_[_U64(0), v[:-1]])
        slots = history.slots(cols[spec.key])
        rounds = _rounds(slots, len(history))
        for name in (*spec.xor, *spec.diff, *spec.motion):
            res[name] = np.empty(n, _U64)
        order = np.zeros(n, np.uint8)
        for sel in rounds or [slice(None)]:
            u = slots[sel]
            hist = history.table[:, u]
            for name in spec.xor:
                v = cols[name][sel]
                res[name][sel] = v ^ hist[col[name]]
                hist[col[name]] = v
            for name in spec.diff:
                v = cols[name][sel]
                res[name][sel] = _zigzag(v - hist[col[name]])
                hist[col[name]] = v
            if spec.motion:
                self._encode_motion(cols, hist, col, sel, res, order)
            hist[0] = np.minimum(hist[0] + _U64(1), _U64(3))
            history.table[:, u] = hist
        streams = [pack_residuals(res[name]) for name in spec.streams]
        comp = self._cctx.compress
        return msgpack.packb([n, comp(order.tobytes()) if spec.motion else b"", [comp(s) for s, _ in streams],
                              comp(b"".join(r for _, r in streams))], use_bin_type=True)

    def _encode_motion(self, cols: dict[str, np.ndarray], hist: np.ndarray, col: dict[str, int],
                       sel: slice | np.ndarray, res: dict[str, np.ndarray], order: np.ndarray) -> None:
        fields = self.spec.motion
        nh = hist[0].astype(np.int64)
        values = {f: cols[f][sel] for f in fields}
        preds = {f: _predictions(hist, col, f) for f in fields}
        # Orders 1..3 (last value, constant velocity, constant acceleration) where the history allows.
        cand = [[_zigzag(values[f] - preds[f][k]) for f in fields] for k in range(3)]
        cost = np.stack([np.where(nh > k, sum(_bitlen(r) for r in cand[k]), 1 << 20) for k in range(3)])
        best = np.argmin(cost, axis=0)
        ords = np.where(nh > 0, best + 1, 0).astype(np.uint8)
        order[sel] = ords
        first = np.flatnonzero(ords == 0)  # never seen: against the previous such record in the block
        for j, f in enumerate(fields):
            r = np.choose(best, [c[j] for c in cand])
            if len(first):
                v = values[f][first]
                r[first] = _zigzag(v - np.r_[_U64(0), v[:-1]])
            res[f][sel] = r
            _shift(hist, col, f, values[f])

    def decode(self, blob: bytes | memoryview, history: History, *, key: bool) -> np.ndarray:
        """The records of one encoded block; updates ``history`` as :meth:`encode` did."""
        spec, col = self.spec, history.col
        try:
            n, order_z, sym_z, raw_z = msgpack.unpackb(blob, raw=True, max_array_len=_MAX_STREAMS + 4)
            order = np.frombuffer(self._dctx.decompress(order_z), np.uint8) if spec.motion else None
            syms = [self._dctx.decompress(z) for z in sym_z]
            raw = memoryview(self._dctx.decompress(raw_z))
        except (ValueError, TypeError, zstandard.ZstdError, msgpack.UnpackException) as exc:
            raise CodecError(f"array block: {type(exc).__name__}") from None
        if not isinstance(n, int) or len(syms) != len(spec.streams) or any(len(s) != n for s in syms) or (
                order is not None and len(order) != n):
            raise CodecError("array block: stream lengths")
        res: dict[str, np.ndarray] = {}
        pos = 0
        for name, s in zip(spec.streams, syms, strict=True):
            res[name], pos = unpack_residuals(s, raw, pos)
        if pos != len(raw):
            raise CodecError("array block: raw bytes left over")
        if key:
            history.clear()
        cols: dict[str, np.ndarray] = {}
        for name in (spec.key, *spec.delta):
            cols[name] = np.cumsum(_unzigzag(res[name]), dtype=_U64)
        slots = history.slots(cols[spec.key])
        rounds = _rounds(slots, len(history))
        for name in (*spec.xor, *spec.diff, *spec.motion):
            cols[name] = np.empty(n, _U64)
        for sel in rounds or [slice(None)]:
            u = slots[sel]
            hist = history.table[:, u]
            for name in spec.xor:
                v = res[name][sel] ^ hist[col[name]]
                cols[name][sel] = hist[col[name]] = v
            for name in spec.diff:
                v = _unzigzag(res[name][sel]) + hist[col[name]]
                cols[name][sel] = hist[col[name]] = v
            if spec.motion:
                ords = order[sel]
                nh = hist[0]
                if np.any((ords > 3) | (ords > nh) | ((ords == 0) & (nh > 0))):
                    raise CodecError("array block: prediction order")
                pick = np.maximum(ords.astype(np.int64) - 1, 0)
                first = np.flatnonzero(ords == 0)
                for f in spec.motion:
                    d = _unzigzag(res[f][sel])
                    v = np.choose(pick, _predictions(hist, col, f)) + d
                    if len(first):
                        v[first] = np.cumsum(d[first], dtype=_U64)
                    cols[f][sel] = v
                    _shift(hist, col, f, v)
            hist[0] = np.minimum(hist[0] + _U64(1), _U64(3))
            history.table[:, u] = hist
        out = np.empty(n, spec.dtype)
        for name in spec.dtype.names:
            out[name] = _from_u64(cols[name], spec.dtype[name])
        return out
