"""Mutators: seeded changes to bytes, msgpack values and maps, and JSON documents and text.

Each takes a ``random.Random`` and, when ``log`` is given, appends one readable line per change, so that a
finding can say how its input was made.
"""

from __future__ import annotations

import copy
import math
import random
import re
import reprlib
from collections.abc import Callable, Sequence
from typing import Any

import msgpack

# Bytes worth writing: the edges of a byte, and msgpack's type markers.
INTERESTING_BYTES = bytes((0x00, 0x01, 0x7F, 0x80, 0xFF, 0x90, 0xA0, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC6, 0xC7, 0xC9,
                           0xCB, 0xCF, 0xD3, 0xD4, 0xD9, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xE0))
_WORDS = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 2**63 - 1, 2**63,
          2**64 - 1)
_INTS = (0, 1, -1, 5, 128, 255, 256, 65_535, 65_536, 2**31 - 1, 2**31, -(2**31), 2**32 - 1, 2**32, 2**53 + 1,
         2**63 - 1, -(2**63), 2**64 - 1)
_FLOATS = (math.nan, math.inf, -math.inf, -0.0, 0.5, 1e308, -1e308, 5e-324, 180.0000001, -90.0000001)
_TEXTS = ("", " ", "\x00", "한국어", "a" * 64, "a" * 65, "é" * 129, "x" * 2001, "NaN", "-1", "1e999")
# Values that are valid somewhere in the protocol, so a field can get another field's meaning.
_WORDS_OF_PROTOCOL = ("fire", "medical", "traffic", "crime", "disaster", "new", "dispatched", "closed", "cancelled",
                      "dispatch", "recall", "avl.batch", "link.speeds", "hb", "inc", "cctv.frame", "sens", "avl")
_ENDIAN = ("big", "little")
_KEYS = tuple(map(str, range(3000)))


def rounds(rng: random.Random, most: int = 8) -> int:
    n = 1
    while n < most and rng.random() < 0.5:
        n += 1
    return n


def note(log: list[str] | None, text: str) -> None:
    if log is not None:
        log.append(text)


def mutate_bytes(rng: random.Random, data: bytes, pool: Sequence[bytes] = (), log: list[str] | None = None,
                 label: str = "") -> bytes:
    """A few stacked byte-level mutations (AFL's havoc stage, roughly)."""
    b = bytearray(data)
    for _ in range(rounds(rng)):
        n = len(b)
        i = rng.randrange(n + 1)
        op = rng.randrange(12)
        if op <= 1 and n:
            i, bit = rng.randrange(n), rng.randrange(8)
            b[i] ^= 1 << bit
            note(log, f"{label}flip bit {bit} of byte {i}")
        elif op == 2 and n:
            i = rng.randrange(n)
            b[i] = rng.choice(INTERESTING_BYTES)
            note(log, f"{label}byte {i} = {b[i]:#04x}")
        elif op == 3 and n:
            i = rng.randrange(n)
            b[i] = rng.randrange(256)
            note(log, f"{label}byte {i} = {b[i]:#04x}")
        elif op == 4:
            size, order = rng.choice((2, 4, 8)), rng.choice(_ENDIAN)
            value = (rng.choice(_WORDS) + rng.choice((0, 0, 1, -1))) % (1 << 8 * size)
            b[i:i + size] = value.to_bytes(size, order)
            note(log, f"{label}{size}-byte {order}-endian {value:#x} at {i}")
        elif op == 5:
            chunk = rng.randbytes(rng.randint(1, 16))
            b[i:i] = chunk
            note(log, f"{label}insert {chunk.hex()} at {i}")
        elif op == 6:
            chunk = bytes((rng.choice(INTERESTING_BYTES),)) * rng.randint(1, 4)
            b[i:i] = chunk
            note(log, f"{label}insert {chunk.hex()} at {i}")
        elif op == 7 and n:
            i = rng.randrange(n)
            k = rng.randint(1, rng.choice((1, 4, 16, n)))
            del b[i:i + k]
            note(log, f"{label}delete {k} bytes at {i}")
        elif op == 8 and n:
            j = rng.randrange(n)
            chunk = bytes(b[j:j + rng.randint(1, rng.choice((4, 32, n)))]) * rng.choice((1, 1, 2, 16))
            b[i:i] = chunk
            note(log, f"{label}copy {len(chunk)} bytes from {j} to {i}")
        elif op == 9 and n:
            del b[i:]
            note(log, f"{label}truncate to {i}")
        elif op == 10:
            if rng.random() < 0.05:  # just past a size limit somewhere
                extra = bytes(rng.choice((1025, 16 * 1024 + 1, 64 * 1024 + 1)))
            else:
                extra = rng.randbytes(rng.randint(1, 64))
            b += extra
            note(log, f"{label}append {len(extra)} bytes")
        else:
            other = rng.choice(pool) if pool else rng.randbytes(rng.randint(1, 64))
            j = rng.randrange(len(other) + 1)
            b[i:] = other[j:]
            note(log, f"{label}splice another input's bytes {j}: at {i}")
    return bytes(b)


def random_bytes(rng: random.Random, log: list[str] | None = None) -> bytes:
    data = rng.randbytes(rng.choice((0, 1, 2, 8, 40, 64, 300)))
    note(log, f"random {len(data)} bytes")
    return data


def odd_key(rng: random.Random) -> Any:
    return rng.choice((rng.choice(_TEXTS), rng.choice(_WORDS_OF_PROTOCOL), rng.choice(_INTS), b"k", None, True, 1.5,
                       (1, 2)))


def odd_value(rng: random.Random, depth: int = 0) -> Any:
    """Something msgpack can carry that a decoder may not expect."""
    r = rng.randrange(13 if depth < 2 else 9)
    if r == 0:
        return None
    if r == 1:
        return rng.random() < 0.5
    if r == 2:
        return rng.choice(_INTS)
    if r == 3:
        return rng.choice(_FLOATS)
    if r == 4:
        return rng.choice(_TEXTS + _WORDS_OF_PROTOCOL)
    if r == 5:
        return rng.randbytes(rng.choice((0, 1, 8, 300)))
    if r == 6:
        return rng.randint(-(2**63), 2**64 - 1)
    if r == 7:
        if rng.random() < 0.3:
            return msgpack.Timestamp(rng.randrange(-(2**34), 2**34), rng.randrange(10**9))
        return msgpack.ExtType(rng.randrange(128), rng.randbytes(rng.randrange(13)))
    if r == 8:
        return "".join(chr(rng.choice((rng.randrange(32, 127), rng.randrange(0xAC00, 0xD7A4),
                                       rng.randrange(0x10000, 0x110000)))) for _ in range(rng.randrange(12)))
    if r == 9:
        return [odd_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if r == 10:
        return {odd_key(rng): odd_value(rng, depth + 1) for _ in range(rng.randrange(4))}
    if r == 11:
        value: Any = odd_value(rng, 2)
        for _ in range(rng.choice((8, 100, 400))):  # msgpack's packer stops at 511 levels
            value = [value] if rng.random() < 0.5 else {"k": value}
        return value
    return [0] * rng.choice((1000, 20_000)) if rng.random() < 0.5 else dict(zip(_KEYS, range(len(_KEYS)), strict=True))


def near(rng: random.Random, value: Any) -> Any:
    """A value close to ``value``: its type's edges, a neighbouring type, another field's kind of value."""
    if isinstance(value, bool):
        return rng.choice((not value, int(value), None, str(value)))
    if isinstance(value, int):
        return rng.choice((value - 1, value + 1, -value, -1, 0, 2**31, 2**32 - 1, 2**32, 2**63 - 1, -(2**63),
                           2**64 - 1, float(value), True, str(value)))
    if isinstance(value, float):
        return rng.choice((math.nan, math.inf, -math.inf, -value, value + 360.0, 180.0, -180.0, 90.0, -90.0,
                           180.00000001, int(value) if math.isfinite(value) else 0, str(value), True))
    if isinstance(value, str):
        return rng.choice(("", value + "\x00", value * 40, value.upper(), value[:-1], value.encode(), "x" * 65,
                           "x" * 257, "x" * 2001, rng.choice(_WORDS_OF_PROTOCOL)))
    if isinstance(value, list):
        longer = value * (1000 if len(value) < 100 else 2)  # long, but quick to make
        return rng.choice(([], longer, [value], [*value, None], [-1], [2**32], [True], [1.5], {"0": value}))
    if isinstance(value, dict):
        return rng.choice(({}, {1: 2}, mutate_map(rng, value, whole=False)))
    return odd_value(rng)


def mutate_map(rng: random.Random, base: dict, log: list[str] | None = None, *, whole: bool = True) -> Any:
    """Fields changed, dropped or added; with ``whole``, sometimes not a map at all any more."""
    d = dict(base)
    keys = list(base)
    for _ in range(rounds(rng, 4)):
        op = rng.randrange(16)
        if op <= 5 and keys:
            k = rng.choice(keys)
            d[k] = near(rng, d.get(k)) if op <= 3 else odd_value(rng)
            note(log, f"set {k!r} = {short(d[k])}")
        elif op <= 7 and d:
            k = rng.choice(list(d))
            del d[k]
            note(log, f"drop {k!r}")
        elif op <= 9:
            k = odd_key(rng) if rng.random() < 0.5 else f"{rng.choice(keys or ['x'])}{rng.choice(('', '_', '0'))}"
            d[k] = odd_value(rng)
            note(log, f"add {short(k)} = {short(d[k])}")
        elif op <= 11 and keys and d:
            k = rng.choice(keys)
            d[k] = rng.choice(list(d.values()))
            note(log, f"set {k!r} to another field's value {short(d[k])}")
        elif op <= 13 and keys:
            k = rng.choice(keys)
            d[k] = {"v": d.get(k)} if rng.random() < 0.5 else [d.get(k)]
            note(log, f"wrap {k!r}")
        elif whole and op == 14:
            note(log, "wrap the map in a list")
            return [d]
        elif whole:
            value = odd_value(rng)
            note(log, f"replace the map with {short(value)}")
            return value
    return d


def pack(rng: random.Random, value: Any, log: list[str] | None = None) -> bytes:
    bin_type = rng.random() < 0.85
    try:
        return msgpack.packb(value, use_bin_type=bin_type)
    except (TypeError, ValueError, OverflowError):  # a value the packer itself refuses: send nil instead
        note(log, "unpackable, nil instead")
        return b"\xc0"


def msgpack_map_bytes(rng: random.Random, maps: Sequence[dict], seeds: Sequence[bytes], log: list[str] | None = None,
                      *, changed: float = 0.65, damaged: float = 0.3,
                      change: Callable[..., Any] = mutate_map) -> bytes:
    """Input for a decoder of one msgpack map: a few random bytes; a valid map with fields changed (``change``),
    packed and sometimes damaged after; or a valid map's bytes damaged."""
    r = rng.random()
    if r < 0.06:
        return random_bytes(rng, log)
    if r < changed:
        raw = pack(rng, change(rng, dict(rng.choice(maps)), log), log)
        return mutate_bytes(rng, raw, seeds, log) if rng.random() < damaged else raw
    return mutate_bytes(rng, rng.choice(seeds), seeds, log)


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 4, 8, 12, 80, 80


def short(value: Any, n: int = 60) -> str:
    """A repr cut short, cheaply even for huge or deeply nested values."""
    text = _REPR.repr(value)
    return text if len(text) <= n else f"{text[:n]}…"


def show_bytes(data: bytes | bytearray | memoryview, n: int = 160) -> str:
    raw = bytes(data)
    text = raw[:n].hex()
    return f"{len(raw)} bytes: {text}{'…' if len(raw) > n else ''}"



def _json_paths(value: Any, path: tuple = (), out: list | None = None) -> list[tuple]:
    out = [] if out is None else out
    out.append(path)
    if isinstance(value, dict):
        for k, v in value.items():
            _json_paths(v, (*path, k), out)
    elif isinstance(value, list):
        for k, v in enumerate(value):
            _json_paths(v, (*path, k), out)
    return out


_JSON_ODD = (None, True, False, 0, -1, 2**63, -(2**63) - 1, 10**30, 1.5, math.nan, math.inf, -math.inf, "", "x",
             "0" * 300, [], {}, [[]], {"": None}, [1, 2, 3, 4, 5])


def _json_odd(rng: random.Random) -> Any:
    return copy.deepcopy(rng.choice(_JSON_ODD))  # a fresh one: documents are changed in place


def mutate_json(rng: random.Random, doc: Any, log: list[str] | None = None) -> Any:
    """One change somewhere in a JSON document: a value set, dropped, duplicated, emptied or damaged."""
    paths = _json_paths(doc)
    path = rng.choice(paths)
    if not path:
        value = rng.choice((_json_odd(rng), [doc]))
        note(log, f"json: the document is now {short(value)}")
        return value
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    key = path[-1]
    old = parent[key]
    op = rng.randrange(8)
    where = "json: $" + "".join(f"[{k!r}]" for k in path)
    if op == 0 and isinstance(parent, dict):
        del parent[key]
        note(log, f"{where} dropped")
        return doc
    if op == 1 and isinstance(parent, list):
        parent.insert(key, old if rng.random() < 0.5 else _json_odd(rng))
        note(log, f"{where} duplicated or something put before it")
        return doc
    if op == 2 and isinstance(old, str) and old:
        if re.fullmatch(r"[0-9a-fA-F]+", old) and rng.random() < 0.8:  # WKB, a checksum: damage the hex
            chars = list(old)
            for _ in range(rounds(rng, 4)):
                chars[rng.randrange(len(chars))] = rng.choice("0123456789abcdefABCDEF")
            new: Any = "".join(chars)[:rng.choice((len(old), len(old), rng.randrange(len(old) + 1)))]
        else:
            new = rng.choice((old[:-1], old * 50, old + "\x00", old.upper(), ""))
        parent[key] = new
        note(log, f"{where} = {short(new)}")
        return doc
    if op == 3 and isinstance(old, list | dict):
        parent[key] = type(old)()
        note(log, f"{where} emptied")
        return doc
    new = near(rng, old) if op <= 5 and not isinstance(old, dict | list) else _json_odd(rng)
    if isinstance(new, bytes):
        new = new.decode("utf-8", "replace")
    if isinstance(new, dict) and any(not isinstance(k, str | int | float | bool) and k is not None for k in new):
        new = {}
    parent[key] = new
    note(log, f"{where} = {short(new)}")
    return doc


def mutate_json_text(rng: random.Random, text: bytes, log: list[str] | None = None) -> bytes:
    r = rng.random()
    if r < 0.15:
        k = rng.choice((100, 5000, 100_000))
        at = rng.randrange(len(text) + 1)
        note(log, f"json text: {k} '[' at {at}")
        return text[:at] + b"[" * k + text[at:]
    if r < 0.3:
        numbers = list(re.finditer(rb"-?\d+(\.\d+)?", text))
        if numbers:
            m = rng.choice(numbers)
            digits = b"9" * rng.choice((20, 400, 4301, 20_000))
            note(log, f"json text: the number at {m.start()} has {len(digits)} digits")
            return text[:m.start()] + digits + text[m.end():]
    if r < 0.35:
        note(log, "json text: byte-order mark in front")
        return b"\xef\xbb\xbf" + text
    return mutate_bytes(rng, text, (), log, "json text: ")


