"""The journal's compressed format 2: size on a realistic fleet stream, exact round trips, old format 1
journals still read and replayed, torn tails and flipped bytes inside compressed blocks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from services.feeds import protocol
from services.feeds.protocol import LINK_DTYPE, Kind, Topic
from services.journal import JournalPlayer, JournalReader, JournalWriter, export, recover
from services.journal.blocks import AVL_SPEC, LINK_SPEC
from services.journal.codec import ArrayCodec, History
from services.journal.format import SEGMENT_HEADER, encode_record, segment_header, segment_version
from services.journal.reader import list_segments

T0 = 1_750_000_000_000


@pytest.fixture(scope="module")
def fleet_stream() -> list[tuple[str, list[bytes], int]]:
    """40 s of the demo fleet (1,500 vehicles: buses every second, taxis every two) as the AVL feed sends
    it, in batches of 2,048, with a heartbeat per second and the link speeds every 5 s."""
    from services.sim import congestion
    from services.sim.demo_kit import open_demo_city
    from services.sim.fleet import FleetSim

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
    """Lossless whatever the arrays hold: random bytes, repeated ids within a block, NaN and infinities."""
    rng = np.random.default_rng(seed)
    for spec in (AVL_SPEC, LINK_SPEC):
        enc, dec = ArrayCodec(spec), ArrayCodec(spec)
        he, hd = History(spec), History(spec)
        for block in range(12):
            n = int(rng.integers(1, 400))
            recs = np.frombuffer(rng.bytes(n * spec.dtype.itemsize), spec.dtype).copy()
            recs[spec.key] = rng.integers(0, 50, n)  # ids repeat, within and across blocks
            if spec is AVL_SPEC:
                recs["lon"][::7] = np.nan
                recs["lat"][::11] = -np.inf
            key = block % 5 == 0
            blob = enc.encode(recs, he, key=key)
            assert dec.decode(blob, hd, key=key).tobytes() == recs.tobytes()
