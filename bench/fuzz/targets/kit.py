"""The kit loader's target: ``load_kit`` on a kit directory (kit.json + roads.npz) with the JSON changed, the
road arrays changed and either file damaged; it may raise ``KitError`` only."""

from __future__ import annotations

import hashlib
import io
import json
import math
import random
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from bench.fuzz.mutators import mutate_bytes, mutate_json, mutate_json_text, note, rounds, short, show_bytes
from bench.fuzz.promises import check_kit
from bench.fuzz.targets.base import Target
from sitroom.services.geo import Projector
from sitroom.services.store.kit import District, Kit, KitError, Poi, RoadClass, RoadGraph, load_kit, save_kit


def fuzz_kit() -> Kit:
    """A 5 × 5 street grid at Daejeon city hall with two districts, stations of each service and road names."""
    n, step = 5, 250.0
    proj = Projector("EPSG:5179")
    x0, y0 = proj(np.array([127.385]), np.array([36.351]))
    ii, jj = np.divmod(np.arange(n * n), n)
    xy = np.column_stack([x0[0] + ii * step, y0[0] + jj * step])
    pairs = [(a, b) for a in range(n * n) for b in (a + 1, a + n) if b < n * n and (b == a + n or b % n)]
    src, dst = np.array(sorted(pairs + [(b, a) for a, b in pairs]), dtype=np.int32).T
    m = len(src)
    roads = RoadGraph(np.ascontiguousarray(xy), np.ascontiguousarray(src), np.ascontiguousarray(dst),
                      np.where(np.arange(m) % 5 == 0, RoadClass.PRIMARY, RoadClass.RESIDENTIAL).astype(np.uint8),
                      np.full(m, 40, np.float32), (3_000_000_000 + np.arange(m)).astype(np.uint64),
                      np.zeros(m, bool), (np.arange(m) % 3).astype(np.int32), np.full(m, 2, np.uint8),
                      (np.arange(m) % 7 == 0).astype(np.uint8))
    lo, hi = xy.min(axis=0) - 125, xy.max(axis=0) + 125
    mid = (lo[0] + hi[0]) / 2
    districts = (District("30140", "중구", "Jung-gu", "gu", "", shapely.box(lo[0], lo[1], hi[0], hi[1])),
                 District("3014051000", "은행선화동", "Eunhaengseonhwa-dong", "dong", "30140",
                          shapely.box(lo[0], lo[1], mid, hi[1])))
    places = (("fire", 0), ("fire", n * n - 1), ("ems", n * n // 2), ("police", n), ("hospital", 2 * n + 1))
    pois = tuple(Poi(kind, f"{kind} {k}", float(xy[k, 0]), float(xy[k, 1]), k) for kind, k in places)
    lon, lat = proj.inverse(np.array([lo[0], hi[0]]), np.array([lo[1], hi[1]]))
    names = (("중앙로", "중앙로", "Jungang-ro"), ("대종로", "대종로", "Daejong-ro"),
             ("계룡로", "계룡로", "Gyeryong-ro"))
    return Kit("Fuzz grid", "EPSG:5179", (float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])), roads,
               districts, pois, ({"name": "fuzz", "licence": "none", "attribution": "fuzz grid"},), generated=True,
               road_names=names, created="2025-06-15T00:00:00Z")


class KitTarget(Target):
    name = "load_kit"
    errors = (KitError,)
    baseline_name = "json.loads + np.load"

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        with tempfile.TemporaryDirectory(prefix="sitroom-fuzz-kit-") as d:
            path = save_kit(fuzz_kit(), Path(d) / "kit")
            self.meta_text = (path / "kit.json").read_bytes()
            self.npz = (path / "roads.npz").read_bytes()
        with np.load(io.BytesIO(self.npz)) as z:
            self.arrays = {k: z[k] for k in z.files}

    def setup(self, work: Path) -> None:
        self.dir = work / "kit"
        self.dir.mkdir()

    def _arrays(self, rng: random.Random, log: list[str] | None) -> bytes:
        arrays = dict(self.arrays)
        for _ in range(rounds(rng, 3)):
            name = rng.choice(list(arrays) or ["node_xy"])
            a = arrays.get(name, np.zeros(3))
            op = rng.randrange(10)
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if op == 0:
                        arrays.pop(name, None)
                        note(log, f"npz: drop {name}")
                        continue
                    if op == 1:
                        name = rng.choice(("edge_length", "out_ptr", "extra", "", "../x", "node_xy.npy"))
                        a = np.arange(4)
                    elif op == 2:
                        a = a.astype(rng.choice(("f2", "f4", "f8", "i1", "i8", "u8", "?", "c8", "U3", "S2", ">i4")))
                    elif op == 3:
                        a = rng.choice((a.reshape(-1), a[..., None], np.stack([a, a], -1), np.asarray(a.flat[0]),
                                        a.reshape(-1)[: a.size // 2 * 2].reshape(-1, 2) if a.size > 1 else a))
                    elif op == 4:
                        a = a[:rng.randrange(len(a) + 1)] if a.ndim else a
                    elif op == 5:
                        a = np.concatenate([a, a]) if a.ndim else a
                    elif op == 6 and a.size:
                        a = a.copy()
                        value = rng.choice((math.nan, math.inf, -1, 0, 2**31 - 1, -(2**31), 10**9, 1e300, 2**63 - 1))
                        a.flat[rng.randrange(a.size)] = np.array(value).astype(a.dtype)
                    elif op == 7 and a.ndim:
                        a = a[np.random.default_rng(rng.randrange(2**32)).permutation(len(a))]
                    elif op == 8:
                        a = a[:0]
                    else:
                        a = np.array([1, "a", None], dtype=object) if rng.random() < 0.5 else np.asfortranarray(a.T)
            except (ValueError, TypeError, OverflowError, IndexError):
                continue
            arrays[name] = a
            note(log, f"npz: {name} now {a.dtype} {a.shape}")
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> tuple[bytes | None, bytes | None]:
        meta: Any = json.loads(self.meta_text)
        npz: bytes | None = self.npz
        checksum, json_text, drop = True, False, None
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            r = rng.random()
            if r < 0.35:
                meta = mutate_json(rng, meta, log)
            elif r < 0.6:
                npz = self._arrays(rng, log)
            elif r < 0.82:
                npz = mutate_bytes(rng, npz or b"", (), log, "npz: ")
            elif r < 0.87:
                checksum = False
            elif r < 0.95:
                json_text = True
            elif r < 0.98 and isinstance(meta, dict):
                meta["tiles"] = {"format": "png", "minzoom": 0, "maxzoom": 1, "tiles": 1}
                note(log, "json: says there are tiles (there are none)")
            else:
                drop = rng.choice(("kit.json", "roads.npz"))
        if checksum and isinstance(meta, dict):
            meta["roads_sha256"] = hashlib.sha256(npz or b"").hexdigest()
        else:
            note(log, "checksum left as it was")
        # Values JSON has no form for (bytes, msgpack extensions) go in as their repr.
        text = json.dumps(meta, ensure_ascii=rng.random() < 0.5, default=repr, skipkeys=True).encode()
        if json_text:
            text = mutate_json_text(rng, text, log)
        if drop:
            note(log, f"no {drop}")
        return (None if drop == "kit.json" else text), (None if drop == "roads.npz" else npz)

    def prepare(self, value: tuple[bytes | None, bytes | None]) -> Path:
        for name, data in zip(("kit.json", "roads.npz"), value, strict=True):
            f = self.dir / name
            f.unlink(missing_ok=True)
            if data is not None:
                f.write_bytes(data)
        return self.dir

    def run(self, arg: Path) -> Any:
        return load_kit(arg)

    def baseline(self, arg: Path) -> None:
        json.loads((arg / "kit.json").read_bytes())
        with np.load(arg / "roads.npz") as z:
            for k in z.files:
                z[k]

    def check(self, value: Any, kit: Any) -> str | None:
        return check_kit(kit)

    def show(self, value: tuple[bytes | None, bytes | None]) -> str:
        meta, npz = value
        text = "missing" if meta is None else short(meta.decode("utf-8", "replace"), 300)
        return f"kit.json {text}; roads.npz {'missing' if npz is None else show_bytes(npz, 48)}"
