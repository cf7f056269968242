"""The journal's compressed format 2: size on a realistic fleet stream, exact round trips, old format 1
journals still read and replayed, torn tails and flipped bytes inside compressed blocks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sitroom.services.feeds import protocol
from sitroom.services.feeds.protocol import LINK_DTYPE, Kind, Topic
from sitroom.services.journal import JournalPlayer, JournalReader, JournalWriter, checkpoint, export, recover
from sitroom.services.journal.blocks import AVL_SPEC, LINK_SPEC
from sitroom.services.journal.codec import ArrayCodec, History
from sitroom.services.journal.format import SEGMENT_HEADER, encode_record, segment_header, segment_version
from sitroom.services.journal.reader import list_segments

T0 = 1_750_000_000_000


@pytest.fixture(scope="module")
def fleet_stream() -> list[tuple[str, list[bytes], int]]:
    """40 s of the demo fleet (1,500 vehicles: buses every second, taxis every two) as the AVL feed sends
    it, in batches of 2,048, with a heartbeat per second and the link speeds every 5 s."""
    from sitroom.services.sim import congestion
    from sitroom.services.sim.demo_kit import open_demo_city
    from sitroom.services.sim.fleet import FleetSim

    kit = open_demo_city()
    sim = FleetSim(kit, 1500)
    g = kit.roads
    links = np.zeros(g.n_edges, LINK_DTYPE)
    links["link"] = g.edge_link
    out: list[tuple[str, list[bytes], int]] = []
    seq = 0
    for n in range(40):
        t = T0 + n * 1000
        if n % 10 == 0:
            sim.set_link_speeds(congestion.link_speeds_kmh(congestion.local_hour(t / 1000), g.edge_class,
                                                           g.edge_link, g.edge_speed))
        sim.step(1.0 if n else 0.0)
        recs = sim.records(sim.due(n), t)
        for a in range(0, len(recs), 2048):
            seq += 1
            frames = protocol.encode_array(Topic.AVL, Kind.AVL_BATCH, recs[a:a + 2048], src="avl", sess="s",
                                           seq=seq, ts=t)
            out.append(("avl", [bytes(f) for f in frames], t + 3))
        out.append(("avl", protocol.encode_heartbeat(src="avl", sess="s", seq=n, seqs={}, ts=t), t + 4))
        if n % 5 == 0:
            links["kmh"] = congestion.link_speeds_kmh(congestion.local_hour(t / 1000), g.edge_class, g.edge_link,
                                                      g.edge_speed)
            frames = protocol.encode_array(Topic.LINK, Kind.LINK_SPEEDS, links, src="tr", sess="t", seq=n, ts=t)
            out.append(("traffic", [bytes(f) for f in frames], t + 7))
    return out


def write(directory: Path, stream: list[tuple[str, list[bytes], int]], **kw) -> JournalWriter:
    w = JournalWriter(directory, flush_ms=60_000, **kw)
    second = None
    for feed, frames, ms in stream:
        if second is not None and ms // 1000 != second:
            w.flush()  # one flush per second of the stream, as the live writer's ticks group it
        second = ms // 1000
        w.append(feed, frames, ms)
    w.close()
    return w


def test_a_fleet_stream_compresses_far_below_its_frames_and_reads_back_exactly(tmp_path: Path,
                                                                             fleet_stream) -> None:
    old = write(tmp_path / "v1", fleet_stream, version=1)
    new = write(tmp_path / "v2", fleet_stream)
    assert new.written == old.written == len(fleet_stream)
    on_disk = sum(p.stat().st_size for _, p in list_segments(tmp_path / "v2"))
    raw = sum(p.stat().st_size for _, p in list_segments(tmp_path / "v1"))
    assert raw >= new.frame_bytes
    # Positions of vehicles driving along roads: several times smaller than the frames as received.
    assert on_disk * 6 < new.frame_bytes, (on_disk, new.frame_bytes)
    with JournalReader(tmp_path / "v2", verify_all=True) as r:
        got = [(x.feed, x.frames, x.recv_ms) for x in r]
        assert r.stats.corrupt_records == r.stats.torn_bytes == 0
    assert got == [(f, fr, ms) for f, fr, ms in fleet_stream]


def test_format_2_segments_say_so(tmp_path: Path) -> None:
    w = JournalWriter(tmp_path / "j", meta={"kit": {"name": "x"}})
    w.append("f", [b"sens.a", b"e", b"p"], T0)
    w.close()
    (_, path), = list_segments(tmp_path / "j")
    assert segment_version(path.read_bytes()[:SEGMENT_HEADER.size]) == 2
    assert JournalReader(tmp_path / "j").meta["format"] == 2


def test_a_key_block_starts_each_minute(tmp_path: Path) -> None:
    """The key interval: what a damaged block can cost (the positions up to the next key block) against the
    bytes of coding every position afresh."""
    w = JournalWriter(tmp_path / "j", flush_ms=60_000)
    rec = np.zeros(3, protocol.AVL_DTYPE)
    rec["id"] = [1, 2, 3]
    for s in range(130):
        rec["ts"] = T0 + s * 1000
        rec["lon"] += 1e-5
        w.append("avl", protocol.encode_array(Topic.AVL, Kind.AVL_BATCH, rec, src="a", sess="s", seq=s + 1,
                                              ts=T0 + s * 1000), T0 + s * 1000)
        w.flush()  # a block per second
    w.close()
    with JournalReader(tmp_path / "j") as r:
        assert [h.first_ms - T0 for h in r.segments[0].blocks if h.key] == [0, 60_000, 120_000]


def _old_journal(directory: Path, stream: list[tuple[str, list[bytes], int]]) -> None:
    """A journal exactly as the uncompressed writer left it: a format 1 segment header, then records."""
    directory.mkdir(mode=0o700)
    (directory / "journal.json").write_text('{"format": 1, "kit": {"name": "demo"}}')
    with open(directory / f"journal-{stream[0][2]:013d}-000001.seg", "wb") as f:
        f.write(segment_header(1))
        for feed, frames, ms in stream:
            f.write(b"".join(encode_record(feed, frames, ms)))


def test_an_old_format_journal_still_reads_replays_and_takes_new_segments(tmp_path: Path, fleet_stream) -> None:
    d = tmp_path / "j"
    half = len(fleet_stream) // 2
    _old_journal(d, fleet_stream[:half])
    with JournalReader(d, verify_all=True) as r:
        assert [x.frames for x in r] == [fr for _, fr, _ in fleet_stream[:half]]
    # A writer of today continues the same directory in format 2; both read as one journal.
    w = JournalWriter(d, flush_ms=10)
    assert w.recovery.truncated_bytes == 0
    for feed, frames, ms in fleet_stream[half:]:
        w.append(feed, frames, ms)
    w.close()
    versions = [segment_version(p.read_bytes()[:SEGMENT_HEADER.size]) for _, p in list_segments(d)]
    assert versions == [1, 2]
    with JournalReader(d, verify_all=True) as r:
        assert [x.frames for x in r] == [fr for _, fr, _ in fleet_stream]
    # The player replays it and seeks in it; an export of a slice is format 2.
    p = JournalPlayer(d)
    try:
        p.seek(p.end_ms - 5_000)
        got = p.drain()
        assert any(x.message.topic == Topic.AVL for x in got)
        assert p.stats.corrupt_records == 0
    finally:
        p.close()
    rep = export(d, tmp_path / "slice", T0 + 10_000, T0 + 30_000)
    assert rep.records > 0 and rep.state_records > 0
    with JournalReader(tmp_path / "slice", verify_all=True) as r:
        assert len(r) == rep.records + rep.state_records and r.stats.corrupt_records == 0
        assert {s.version for s in r.segments} == {2}


def test_a_torn_block_is_dropped_on_start_and_earlier_ones_untouched(tmp_path: Path, fleet_stream) -> None:
    d = tmp_path / "j"
    write(d, fleet_stream[:40])
    (_, path), = list_segments(d)
    with JournalReader(d) as r:
        seg = r.segments[0]
        last = len(seg.blocks) - 1
        start, length = int(seg.block_offsets[last]), 28 + seg.blocks[last].length
        kept = int(np.sum(seg.block < last))
    assert kept > 0
    # A kill in the middle of writing the last block: only its first half reached the disk.
    data = path.read_bytes()
    assert len(data) == start + length
    path.write_bytes(data[:start + length // 2])
    with JournalReader(d) as r:
        assert len(r) == kept and r.stats.torn_bytes == length // 2 and r.stats.corrupt_records == 0
    assert recover(d).truncated_bytes == length // 2
    assert path.read_bytes() == data[:start]
    with JournalReader(d, verify_all=True) as r:
        assert [x.frames for x in r] == [fr for _, fr, _ in fleet_stream[:kept]]


def test_a_flipped_byte_inside_a_compressed_block_is_caught(tmp_path: Path, fleet_stream) -> None:
    d = tmp_path / "j"
    write(d, fleet_stream, key_ms=10_000)
    with JournalReader(d) as r:
        seg = r.segments[0]
        assert len(seg.blocks) > 8
        b = 3  # a block inside a chain, with a key block further on
        assert not seg.blocks[b].key and any(h.key for h in seg.blocks[b + 1:])
        pos = int(seg.block_offsets[b]) + 28 + seg.blocks[b].length // 2
    path = list_segments(d)[0][1]
    data = bytearray(path.read_bytes())
    data[pos] ^= 0x10
    path.write_bytes(bytes(data))
    with JournalReader(d) as r:  # the newest segment is verified on open: the block is skipped there
        seg = r.segments[0]
        got = list(r)
        assert r.stats.corrupt_records >= 1
        next_key = next(i for i in range(b, len(seg.blocks)) if seg.blocks[i].key)
        key_ms = seg.blocks[next_key].first_ms
    kept = {(x.recv_ms, bytes(x.frames[1])) for x in got}
    want = {(ms, fr[1]) for _, fr, ms in fleet_stream}
    assert kept < want
    # Every record from the next key block on is there, and every heartbeat and envelope that came through
    # is byte for byte what was written.
    assert {w for w in want if w[0] >= key_ms} <= kept
    by_key = {(ms, fr[1]): fr for _, fr, ms in fleet_stream}
    assert all(x.frames == by_key[(x.recv_ms, bytes(x.frames[1]))] for x in got)


@pytest.mark.parametrize("seed", range(3))
def test_array_codec_round_trips_any_bytes(seed: int) -> None:
    """Lossless whatever the arrays hold: random bytes, repeated ids within a block, ids close together and
    far apart, NaN and infinities; also when decoding goes on from a history packed into a checkpoint."""
    rng = np.random.default_rng(seed)
    for spec in (AVL_SPEC, LINK_SPEC):
        enc, dec = ArrayCodec(spec), ArrayCodec(spec)
        he, hd = History(spec), History(spec)
        top = np.iinfo(spec.dtype[spec.key]).max
        for block in range(16):
            n = int(rng.integers(1, 400))
            recs = np.frombuffer(rng.bytes(n * spec.dtype.itemsize), spec.dtype).copy()
            recs[spec.key] = rng.integers(1000, 1050, n)  # ids repeat, within and across blocks
            if block % 4 == 3:  # and now and then one far off, above or below the others
                far = [0, 999, top, int(rng.integers(0, top, dtype=np.uint64))]
                recs[spec.key][rng.integers(0, n)] = far[int(rng.integers(0, len(far)))]
            if spec is AVL_SPEC:
                recs["lon"][::7] = np.nan
                recs["lat"][::11] = -np.inf
            key = block % 6 == 0
            blob = enc.encode(recs, he, key=key)
            if block % 3 == 2:
                arrays = checkpoint.unpack(checkpoint.pack(hd.arrays()), [a.dtype for a in hd.arrays()])
                hd = History.from_arrays(spec, arrays)
            assert dec.decode(blob, hd, key=key).tobytes() == recs.tobytes()
            assert np.array_equal(hd.keys, he.keys) and np.array_equal(hd.table, he.table)
            assert hd.xor_last(hd.xor_last(recs)).tobytes() == recs.tobytes()


def test_checkpoints_pack_any_arrays_exactly() -> None:
    rng = np.random.default_rng(5)
    arrays = [np.frombuffer(rng.bytes(40 * 999), protocol.AVL_DTYPE).copy(), np.arange(7, dtype=np.int64),
              np.empty(0, np.uint64), np.frombuffer(rng.bytes(16 * 5), LINK_DTYPE).copy()]
    blob = checkpoint.pack(arrays)
    got = checkpoint.unpack(blob, [a.dtype for a in arrays])
    assert [g.tobytes() for g in got] == [a.tobytes() for a in arrays]
    assert all(g.flags.writeable and g.dtype == a.dtype for g, a in zip(got, arrays, strict=True))
    with pytest.raises(ValueError):
        checkpoint.unpack(blob, [a.dtype for a in arrays[:3]])


# ---------------------------------------------------------------- seeking at city scale


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _with_cad(stream: list[tuple[str, list[bytes], int]]) -> list[tuple[str, list[bytes], int]]:
    """The fleet stream with a CAD (three incidents walking their lifecycle, every open one repeated every
    5 s) and a CCTV camera (a frame every 4 s) beside it, in receive order."""
    life = {2: ("A", "new"), 6: ("A", "acknowledged"), 9: ("B", "new"), 14: ("A", "dispatched"),
            21: ("C", "new"), 27: ("B", "acknowledged"), 33: ("A", "closed")}
    extra: list[tuple[str, list[bytes], int]] = []
    status: dict[str, str] = {}
    seq = 0
    for s in range(40):
        t = T0 + s * 1000
        if s in life:
            status[life[s][0]] = life[s][1]
        for inc, st in status.items():
            if (s in life and life[s][0] == inc) or s % 5 == 0:
                seq += 1
                payload = {"id": inc, "type": "fire", "priority": 2, "lon": 127.38, "lat": 36.35, "status": st,
                           "reported": t, "units": []}
                extra.append(("cad", protocol.encode_map(Topic.INCIDENT, Kind.INCIDENT, payload, src="cad",
                                                         sess="c", seq=seq, ts=t), t + 5))
        if s % 4 == 1:
            extra.append(("cctv", [b"cctv.cam1", protocol.encode_envelope(Kind.CCTV_FRAME, "cam", "k", s, t),
                                   f"frame {s}".encode()], t + 6))
    return sorted(stream + extra, key=lambda r: r[2])


def _kept(deliveries: list) -> dict:
    """What the session's layers keep of what a player handed out: each vehicle's record with the highest
    source time (the last applied among equals) with its feed and receive time, each link's last valid
    speed, each incident's last status, each camera's last frame."""
    avl = [d for d in deliveries if d.message.env.kind == Kind.AVL_BATCH]
    vehicles = {}
    if avl:
        rec = np.concatenate([d.message.payload for d in avl])
        feed = np.concatenate([np.full(len(d.message.payload), d.feed) for d in avl])
        recv = np.concatenate([np.full(len(d.message.payload), d.recv_ms) for d in avl])
        o = np.lexsort((np.arange(len(rec)), rec["ts"], rec["id"]))
        last = o[np.r_[rec["id"][o][1:] != rec["id"][o][:-1], True]]
        vehicles = {int(rec["id"][i]): (rec[i].tobytes(), int(feed[i]), int(recv[i])) for i in last}
    links: dict[int, float] = {}
    incidents: dict[str, str] = {}
    cctv: dict[bytes, bytes] = {}
    for d in deliveries:
        m = d.message
        if m.env.kind == Kind.LINK_SPEEDS:
            ok = np.isfinite(m.payload["kmh"]) & (m.payload["kmh"] >= 0)
            links.update(zip(m.payload["link"][ok].tolist(), m.payload["kmh"][ok].tolist(), strict=True))
        elif m.env.kind == Kind.INCIDENT:
            incidents[m.payload["id"]] = m.payload["status"]
        elif m.env.kind == Kind.CCTV_FRAME:
            cctv[m.topic] = bytes(m.payload)
    return {"vehicles": vehicles, "links": links, "incidents": incidents, "cctv": cctv}


@pytest.mark.parametrize("case", ["one chain", "segments, little memory"])
def test_a_seek_at_city_scale_gives_exactly_the_state_of_a_straight_play(tmp_path: Path, fleet_stream, case: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """1,500 vehicles and every road's speed: after a seek (from a checkpoint, decoding from inside a chain)
    the layers hold what they hold after playing straight to the same moment, record for record."""
    from sitroom.services.journal import player as player_mod

    monkeypatch.setattr(player_mod, "TAIL_MS", 2_000)  # the state, not the tail, brings nearly every vehicle
    monkeypatch.setattr(player_mod, "CHECKPOINT_RECORDS", 20_000)
    little = case != "one chain"
    if little:
        monkeypatch.setattr(player_mod, "CHECKPOINT_BYTES", 1_200_000)
    stream = _with_cad(fleet_stream)
    d = tmp_path / "j"
    write(d, stream, **({"segment_bytes": 300_000} if little else {}))
    targets = [T0 + ms for ms in (3_500, 9_000, 14_200, 19_900, 25_000, 31_700, 36_000, 38_900)]
    straight = JournalPlayer(d, clock=FakeClock(), precompute=False)
    seen: list = []
    expected = {}
    for t in targets:
        while straight.position_ms < t:
            straight.seek(min(t, straight.position_ms + 1_500))  # forward, within the tail: no rebuild
            seen += straight.drain()
        expected[t] = _kept(seen)
    assert straight.resets == 0
    straight.close()

    rows: list[int] = []
    decode = ArrayCodec.decode

    def counted(self: ArrayCodec, blob: bytes, history: History, *, key: bool) -> np.ndarray:
        out = decode(self, blob, history, key=key)
        rows.append(len(out))
        return out

    monkeypatch.setattr(ArrayCodec, "decode", counted)
    p = JournalPlayer(d, clock=FakeClock())
    p.start()
    p._thread.join()  # the background checkpoints, all of them
    with JournalReader(d) as r:
        mid_chain = [k for k, ck in p._checkpoints.items()
                     if ck.chain_at and not r.segments[ck.chain_at[0]].blocks[ck.chain_at[1]].key]
    assert len(mid_chain) >= 2
    if little:
        assert len(list_segments(d)) >= 3
        # Thinned to fit, not far below it.
        assert p._stride >= 2 and player_mod.CHECKPOINT_BYTES / 3 < p._ck_bytes <= player_mod.CHECKPOINT_BYTES
    for t in (targets[7], targets[0], targets[5], targets[2], targets[6], targets[3], targets[4], targets[1]):
        rows.clear()
        p.seek(t)
        # From the checkpoint before the tail, not from the key block: at most the spacing and a block or two
        # (a block of this stream holds at most every road's speed and a second of positions).
        assert sum(rows) <= p._stride * player_mod.CHECKPOINT_RECORDS + 2 * 41_000
        got = _kept(p.drain())
        want = expected[t]
        assert got["vehicles"].keys() == want["vehicles"].keys()
        assert got["vehicles"] == want["vehicles"]
        assert got["links"] == want["links"]
        assert got["incidents"] == want["incidents"] and got["cctv"] == want["cctv"]
    assert p.resets == len(targets) and p.stats.corrupt_records == 0
    p.close()


def test_an_incident_reads_without_decoding_the_positions_before_it(tmp_path: Path, fleet_stream,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A seek replays incident messages and camera frames from anywhere in the journal: reading one must not
    rebuild the vehicle and link columns of its chain (seconds of decoding at city scale)."""
    stream = _with_cad(fleet_stream)
    write(tmp_path / "j", stream)
    decoded: list[int] = []
    decode = ArrayCodec.decode
    monkeypatch.setattr(ArrayCodec, "decode", lambda self, blob, history, *, key: decoded.append(1) or decode(
        self, blob, history, key=key))
    with JournalReader(tmp_path / "j") as r:
        seg = r.segments[0]
        assert not seg.blocks[-1].key
        topics = np.array(r.topic_names, dtype=object)[seg.topics]
        last_inc = int(np.flatnonzero(topics == Topic.INCIDENT)[-1])
        rec = r.read(0, last_inc)
        assert rec is not None and (rec.feed, rec.frames, rec.recv_ms) in stream
        assert protocol.decode(rec.frames).payload["id"] == "C"
        assert decoded == []
        # The positions of the same block still read whole, from the chain.
        same_block = int(np.flatnonzero((seg.block == seg.block[last_inc]) & (topics == Topic.AVL))[0])
        rec = r.read(0, same_block)
        assert rec is not None and (rec.feed, rec.frames, rec.recv_ms) in stream and decoded
        assert r.stats.corrupt_records == 0
