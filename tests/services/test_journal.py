"""The journal: round trip, kill -9 mid-stream, torn tails and corruption, retention, a full disk, export,
and the player's clock, order, speeds, seeks and feed staleness on the replay clock."""

from __future__ import annotations

import copy
import errno
import json
import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from sitroom.services.feeds import protocol
from sitroom.services.feeds.health import FeedState
from sitroom.services.feeds.protocol import AVL_DTYPE, LINK_DTYPE, Kind, Topic
from sitroom.services.journal import JournalPlayer, JournalReader, JournalWriter, export, frames_of, recover
from sitroom.services.journal import player as player_mod
from sitroom.services.journal import writer as writer_mod
from sitroom.services.journal.format import SEGMENT_HEADER
from sitroom.services.journal.reader import list_segments
from sitroom.services.vocabulary import INCIDENT_STATUSES

T0 = 1_750_000_000_000  # epoch ms of the synthetic journals
ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def avl_frames(seq: int, ts: int, ids=(1, 2, 3), dx: float = 0.0) -> list[bytes]:
    rec = np.zeros(len(ids), dtype=AVL_DTYPE)
    rec["id"] = ids
    rec["ts"] = ts
    rec["lon"] = 127.38 + dx + np.arange(len(ids)) * 1e-4
    rec["lat"] = 36.35
    rec["status"] = 1
    rec["type"] = 1
    return [bytes(f) for f in protocol.encode_array(Topic.AVL, Kind.AVL_BATCH, rec, src="avl", sess="s1", seq=seq,
                                                    ts=ts)]


def inc_frames(seq: int, ts: int, inc_id: str, status: str, units: list[int] | None = None) -> list[bytes]:
    payload = {"id": inc_id, "type": "fire", "priority": 2, "lon": 127.385, "lat": 36.351, "status": status,
               "reported": ts, "units": units or []}
    return protocol.encode_map(Topic.INCIDENT, Kind.INCIDENT, payload, src="cad", sess="c1", seq=seq, ts=ts)


def hb_frames(seq: int, ts: int, src: str = "avl") -> list[bytes]:
    return protocol.encode_heartbeat(src=src, sess="s1" if src == "avl" else "c1", seq=seq, seqs={}, ts=ts)


def synthetic(directory: Path, seconds: int = 120, *, gap: tuple[int, int] | None = None, ticks: bool = False,
              **kw) -> JournalWriter:
    """AVL every second (vehicle 3 only until 40 s), heartbeats, incidents I1 and I2 walking their lifecycles,
    link speeds every 10 s, a CCTV frame every 5 s; nothing from the AVL feed during ``gap`` (seconds).
    ``ticks``: written second by second, as the live writer's flush ticks cut blocks (else in a few blocks)."""
    w = JournalWriter(directory, flush_ms=20, meta={"kit": {"name": "grid"}}, **kw)
    life = {10: ("I1", "new"), 20: ("I1", "acknowledged"), 25: ("I1", "dispatched"), 30: ("I2", "new"),
            35: ("I1", "en_route"), 50: ("I1", "on_scene"), 70: ("I2", "acknowledged"), 90: ("I1", "closed")}
    inc_state: dict[str, str] = {}
    cseq = 0
    for s in range(seconds):
        t = T0 + s * 1000
        if gap is None or not gap[0] <= s < gap[1]:
            ids = (1, 2, 3) if s < 40 else (1, 2)
            w.append("avl", avl_frames(s + 1, t, ids, dx=s * 1e-5), t)
            w.append("avl", hb_frames(s + 1, t + 1), t + 1)
        if s in life:
            inc_id, status = life[s]
            inc_state[inc_id] = status
        for inc_id, status in inc_state.items():  # the CAD repeats every open incident every 5 s
            if (s in life and life[s][0] == inc_id) or s % 5 == 0:
                cseq += 1
                w.append("cad", inc_frames(cseq, t + 2, inc_id, status, [7] if status != "new" else []), t + 2)
        if s % 10 == 0:
            rec = np.zeros(2, dtype=LINK_DTYPE)
            rec["link"] = [100, 200]
            rec["kmh"] = [10.0 + s, np.nan if s == 60 else 20.0 + s]
            w.append("traffic", protocol.encode_array(Topic.LINK, Kind.LINK_SPEEDS, rec, src="tr", sess="t1",
                                                      seq=s // 10 + 1, ts=t + 3), t + 3)
        if s % 5 == 0:
            w.append("cctv", [b"cctv.cam1", protocol.encode_envelope(Kind.CCTV_FRAME, "cam", "k1", s // 5 + 1, t),
                              f"frame{s}".encode()], t + 4)
        if ticks:
            w.flush()
    return w


# ---------------------------------------------------------------- writer and reader


def test_round_trip_and_private_files(tmp_path: Path) -> None:
    d = tmp_path / "j"
    with synthetic(d, 30) as w:
        pass
    assert w.written == w.appended and w.dropped_disk == w.dropped_queue == 0
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    for f in d.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert json.loads((d / "journal.json").read_text())["kit"] == {"name": "grid"}
    with JournalReader(d, verify_all=True) as r:
        records = list(r)
        assert len(records) == w.appended
        assert r.time_range() == (T0, T0 + 29_001)  # the last heartbeat
        first = records[0]
        assert first.feed == "avl" and first.recv_ms == T0
        assert first.frames == avl_frames(1, T0)
        msg = protocol.decode(first.frames)
        assert list(msg.payload["id"]) == [1, 2, 3]
        assert next(x.recv_ms for x in r.seek(T0 + 28_000)) == T0 + 28_000
        assert all(T0 + 5000 <= x.recv_ms <= T0 + 6000 for x in r.records(T0 + 5000, T0 + 6000))
        assert r.stats.corrupt_records == r.stats.torn_bytes == 0


def test_frames_of_inverts_decode() -> None:
    for frames in (avl_frames(3, T0), inc_frames(4, T0, "I9", "dispatched", [1, 2]), hb_frames(5, T0),
                   [b"cctv.cam1", protocol.encode_envelope(Kind.CCTV_FRAME, "cam", "k", 1, T0), b"\x00jpeg"]):
        msg = protocol.decode(frames)
        assert frames_of(msg) == [bytes(f) for f in frames]
        again = protocol.decode(frames_of(msg))
        assert again.env == msg.env and again.topic == msg.topic


def test_segments_rotate_and_retention_deletes_oldest(tmp_path: Path) -> None:
    d = tmp_path / "j"
    w = JournalWriter(d, segment_bytes=4096, retention_bytes=20_000, flush_ms=10)
    rng = random.Random(5)  # incompressible, so the sizes are those of the payloads
    for i in range(300):
        w.append("f", [b"sens.a", i.to_bytes(4, "little"), rng.randbytes(400)], T0 + i)
        if i % 20 == 0:
            w.flush()
    w.close()
    segs = list_segments(d)
    total = sum(p.stat().st_size for _, p in segs)
    assert w._files.deleted > 0
    assert total <= 20_000 + 4096 + 500
    with JournalReader(d) as r:
        seqs = [int.from_bytes(x.frames[1], "little") for x in r]
    assert seqs == list(range(seqs[0], 300))  # the newest records, without a hole
    assert seqs[0] > 0

    # By age: a segment last written 8 days ago goes at the next rotation.
    old = segs[0][1]
    os.utime(old, (time.time() - 8 * 86400,) * 2)
    w = JournalWriter(d, segment_bytes=4096, retention_bytes=None, retention_days=7, flush_ms=10)
    w.close()
    assert not old.exists()
    assert len(list_segments(d)) == len(segs) - 1


def test_torn_tail_is_ignored_then_cut_off_on_start(tmp_path: Path) -> None:
    d = tmp_path / "j"
    with synthetic(d, 20) as w:
        pass
    (_, last), = list_segments(d)[-1:]
    size = last.stat().st_size
    with open(last, "ab") as f:  # half of a record, as a kill in the middle of a write leaves it
        f.write(b"".join(avl_frames(99, T0))[:30])
    with JournalReader(d) as r:
        assert len(r) == w.appended
        assert r.stats.torn_bytes == 30 and r.stats.corrupt_records == 0
    rec = recover(d)
    assert rec.truncated_bytes == 30 and last.stat().st_size == size
    # A writer reopening the directory does the same by itself and continues in a new segment.
    with open(last, "ab") as f:
        f.write(b"\xd5SRr\x10\x00")
    w2 = JournalWriter(d, flush_ms=10)
    assert w2.recovery.truncated_bytes == 6
    w2.append("avl", avl_frames(500, T0 + 500_000), T0 + 500_000)
    w2.close()
    with JournalReader(d) as r:
        assert len(r) == w.appended + 1 and r.stats.torn_bytes == 0


def test_corruption_in_the_middle_is_skipped_and_counted_format_1(tmp_path: Path) -> None:
    d = tmp_path / "j"
    w = JournalWriter(d, segment_bytes=8192, flush_ms=10, version=1)
    for i in range(200):
        w.append("f", [b"sens.a", i.to_bytes(4, "little"), bytes([i % 251]) * 300], T0 + i)
    w.close()
    segs = list_segments(d)
    assert len(segs) > 3
    with JournalReader(d) as r:
        seg0 = r.segments[0]
        body_flip = int(seg0.offsets[3]) + 20 + 40  # inside record 3's payload
        header_flip = int(r.segments[1].offsets[2])  # record magic of another record
    with open(segs[0][1], "r+b") as f:
        f.seek(body_flip)
        f.write(b"\xff\xee")
    with open(segs[1][1], "r+b") as f:
        f.seek(header_flip)
        f.write(b"XXXX")
    with JournalReader(d) as r:
        assert r.stats.corrupt_records == 1  # the broken header, found on open
        seqs = [int.from_bytes(x.frames[1], "little") for x in r]
        assert r.stats.corrupt_records == 2  # the flipped payload, found by its CRC when read
    # Only the two damaged records are missing; everything else is intact and in order.
    assert len(seqs) == 198 and 3 not in seqs and seqs == sorted(seqs)


def test_corruption_in_the_middle_is_skipped_and_counted(tmp_path: Path) -> None:
    d = tmp_path / "j"
    w = JournalWriter(d, segment_bytes=8192, flush_ms=10)
    rng = random.Random(3)
    for i in range(200):
        w.append("f", [b"sens.a", i.to_bytes(4, "little"), rng.randbytes(300)], T0 + i)
        if i % 10 == 9:
            w.flush()  # blocks of 10 records
    w.close()
    segs = list_segments(d)
    assert len(segs) > 3
    with JournalReader(d) as r:
        seg0, seg1 = r.segments[0], r.segments[1]
        lost_body = int(np.sum(seg0.block == 1))  # a byte flipped inside block 1's compressed body
        body_flip = int(seg0.block_offsets[1]) + 28 + 100
        lost_header = int(np.sum(seg1.block == 0))  # the magic of another block
        header_flip = int(seg1.block_offsets[0])
    with open(segs[0][1], "r+b") as f:
        f.seek(body_flip)
        f.write(bytes([f.read(1)[0] ^ 0x01]))
    with open(segs[1][1], "r+b") as f:
        f.seek(header_flip)
        f.write(b"XXXX")
    with JournalReader(d) as r:
        assert r.stats.corrupt_records == 1  # the broken header, found on open
        seqs = [int.from_bytes(x.frames[1], "little") for x in r]
        assert r.stats.corrupt_records == 1 + lost_body  # the flipped byte, found by the block's CRC when read
    # Only the two damaged blocks are missing; everything else is intact and in order.
    assert len(seqs) == 200 - lost_body - lost_header and seqs == sorted(seqs)


_KILL_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from sitroom.services.journal.writer import JournalWriter
    w = JournalWriter(Path(sys.argv[1]), flush_ms=int(sys.argv[3]), segment_bytes=2 * 1024 * 1024)
    payload = os.urandom(20_000)
    i = 0
    while True:
        w.append("avl", [b"avl", i.to_bytes(8, "little"), payload], time.time_ns() // 1_000_000)
        i += 1
        if i % 20 == 0:
            print(w.appended, w.written, flush=True)
        time.sleep(0.001)
""")


@pytest.mark.parametrize("attempt", range(3))
def test_kill_9_mid_stream_keeps_every_record_before_the_tear(tmp_path: Path, attempt: int) -> None:
    d = tmp_path / "j"
    flush_ms = 100
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(d), str(ROOT), str(flush_ms)],
                            stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # it is writing
        assert first
        time.sleep(random.uniform(0.8, 1.6))
        kill_ms = time.time_ns() // 1_000_000
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    reported = [tuple(map(int, line.split())) for line in [first, *proc.stdout.read().splitlines()] if line]
    proc.stdout.close()
    _appended, written = reported[-1]
    with JournalReader(d) as r:
        records = list(r)
        seqs = [int.from_bytes(x.frames[1], "little") for x in records]
        payload = records[0].frames[2]
        # Intact: consecutive from 0, each record whole (the payload is the same bytes every time).
        assert seqs == list(range(len(seqs)))
        assert all(x.frames[2] == payload for x in records)
        # Everything the writer had reported written survived the kill.
        assert len(records) >= written
        # Loss bound: what was lost was appended within the last flush interval (+ scheduling slack).
        assert records[-1].recv_ms >= kill_ms - flush_ms - 600
    # The next start cuts any torn tail off and the journal reads clean.
    JournalWriter(d).close()
    with JournalReader(d, verify_all=True) as r:
        assert len(r) == len(records) and r.stats.torn_bytes == 0 and r.stats.corrupt_records == 0


_FULL_DISK_SCRIPT = textwrap.dedent("""
    import json, os, resource, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from sitroom.services.journal.writer import JournalWriter
    w = JournalWriter(Path(sys.argv[1]), flush_ms=10, retry_s=0.05)
    resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))  # no file may grow past 150 kB
    for i in range(400):  # incompressible, so that the disk fills
        w.append("avl", [b"avl", i.to_bytes(4, "little"), os.urandom(1000)], 1_750_000_000_000 + i)
        if i % 25 == 0:
            w.flush()
    w.close()
    print(json.dumps({**w.stats(), "since": w.status.since_ms}))
""")


def test_full_disk_keeps_what_fits_and_says_so(tmp_path: Path) -> None:
    d = tmp_path / "j"
    out = subprocess.run([sys.executable, "-c", _FULL_DISK_SCRIPT, str(d), str(ROOT)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["status"] == "disk-full" and "File too large" in stats["message"] and stats["since"]
    assert stats["written"] + stats["dropped_disk"] == stats["appended"] == 400
    assert stats["dropped_disk"] > 0
    with JournalReader(d, verify_all=True) as r:
        seqs = [int.from_bytes(x.frames[1], "little") for x in r]
        assert r.stats.torn_bytes == 0 and r.stats.corrupt_records == 0
    assert seqs == list(range(stats["written"]))  # every record that fitted, whole and in order
    assert sum(p.stat().st_size for _, p in list_segments(d)) <= 150_000


def test_disk_full_then_space_again_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = writer_mod._write_all
    full = {"on": False}

    def write_all(fd: int, data: bytes, offset: int) -> None:
        if full["on"] and len(data) > SEGMENT_HEADER.size:
            n = len(data) // 2
            real(fd, data[:n], offset)  # half gets there, then the disk is full
            err = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            err.bytes_written = n
            raise err
        real(fd, data, offset)

    monkeypatch.setattr(writer_mod, "_write_all", write_all)
    d = tmp_path / "j"
    w = JournalWriter(d, flush_ms=10, retry_s=0.1)
    for i in range(10):
        w.append("f", [b"sens.a", i.to_bytes(4, "little"), b"y" * 100], T0 + i)
    w.flush()
    full["on"] = True
    for i in range(10, 20):
        w.append("f", [b"sens.a", i.to_bytes(4, "little"), b"y" * 100], T0 + i)
    w.flush()
    assert w.status.state == "disk-full" and "No space left" in w.status.message
    kept = w.written
    assert 10 <= kept < 20 and w.dropped_disk == 20 - kept  # the whole records of the half write stay
    full["on"] = False
    time.sleep(0.15)
    for i in range(20, 30):
        w.append("f", [b"sens.a", i.to_bytes(4, "little"), b"y" * 100], T0 + i)
    w.flush()
    assert w.status.ok
    w.close()
    with JournalReader(d, verify_all=True) as r:
        seqs = [int.from_bytes(x.frames[1], "little") for x in r]
        assert r.stats.corrupt_records == r.stats.torn_bytes == 0
    assert seqs == list(range(kept)) + list(range(20, 30))


def test_append_never_blocks_and_a_full_queue_drops(tmp_path: Path) -> None:
    w = JournalWriter(tmp_path / "j", flush_ms=60_000, queue_bytes=10_000)
    t = time.perf_counter()
    results = [w.append("f", [b"sens.a", b"e", b"z" * 1000], T0 + i) for i in range(50)]
    assert time.perf_counter() - t < 0.05
    assert results.count(False) == w.dropped_queue > 0
    w.close()
    assert w.written == results.count(True)


def test_export_slice_starts_from_the_state_at_its_start(tmp_path: Path) -> None:
    src, dst = tmp_path / "j", tmp_path / "slice"
    synthetic(src, 120).close()
    report = export(src, dst, T0 + 60_000, T0 + 80_000)
    assert report.records > 0 and report.state_records > 0
    with JournalReader(src) as a, JournalReader(dst) as b:
        in_range = [x for x in a.records(T0 + 60_000, T0 + 80_000)]
        sliced = [x for x in b if x.recv_ms >= T0 + 60_000]
        assert [(x.recv_ms, x.feed, x.frames) for x in sliced] == [(x.recv_ms, x.feed, x.frames) for x in in_range]
        assert sum(p.stat().st_size for _, p in list_segments(dst)) < sum(
            p.stat().st_size for _, p in list_segments(src))
        assert b.meta["slice"] == {"from_ms": T0 + 60_000, "to_ms": T0 + 80_000} and b.meta["kit"] == {"name": "grid"}
    # Replaying the slice from its start shows what the whole journal shows at that moment.
    whole, part = JournalPlayer(src, clock=FakeClock()), JournalPlayer(dst, clock=FakeClock())
    assert (part.start_ms, part.end_ms) == (T0 + 60_000, T0 + 80_000)
    whole.seek(T0 + 60_000)
    assert model_state(whole) == model_state(part)
    with pytest.raises(FileExistsError):
        export(src, dst, T0, T0 + 1000)


# ---------------------------------------------------------------- player


def model_state(player: JournalPlayer) -> dict:
    """What a session would hold after applying everything the player handed out so far."""
    vehicles: dict[int, tuple] = {}
    links: dict[int, float] = {}
    incidents: dict[str, str] = {}
    cctv: dict[bytes, bytes] = {}
    for d in player.drain():
        m = d.message
        if m.env.kind == Kind.AVL_BATCH:
            for r in m.payload:
                old = vehicles.get(int(r["id"]))
                if old is None or r["ts"] >= old[0]:
                    vehicles[int(r["id"])] = (int(r["ts"]), float(r["lon"]), d.feed, d.recv_ms)
        elif m.env.kind == Kind.LINK_SPEEDS:
            for r in m.payload:
                if np.isfinite(r["kmh"]):
                    links[int(r["link"])] = float(r["kmh"])
        elif m.env.kind == Kind.INCIDENT:
            order = INCIDENT_STATUSES
            cur = incidents.get(m.payload["id"])
            if cur is None or order.index(m.payload["status"]) > order.index(cur):
                incidents[m.payload["id"]] = m.payload["status"]
        elif m.env.kind == Kind.CCTV_FRAME:
            cctv[m.topic] = m.payload
    return {"vehicles": vehicles, "links": links, "incidents": incidents, "cctv": cctv}


def accumulate(player: JournalPlayer, state: dict) -> dict:
    new = model_state(player)
    for key in ("links", "cctv"):
        state[key].update(new[key])
    for vid, v in new["vehicles"].items():
        if vid not in state["vehicles"] or v[0] >= state["vehicles"][vid][0]:
            state["vehicles"][vid] = v
    order = INCIDENT_STATUSES
    for i, s in new["incidents"].items():
        if i not in state["incidents"] or order.index(s) > order.index(state["incidents"][i]):
            state["incidents"][i] = s
    return state


def test_player_clock_order_and_speeds(tmp_path: Path) -> None:
    synthetic(tmp_path / "j", 60).close()
    clock = FakeClock()
    p = JournalPlayer(tmp_path / "j", clock=clock)
    assert [f.name for f in p.feeds] == ["avl", "traffic", "cctv", "cad"]  # in order of first message
    assert (p.start_ms, p.end_ms) == (T0, T0 + 59_001)
    assert not p.playing and p.position_ms == T0
    assert [d.recv_ms for d in p.drain()] == [T0]
    p.play()
    clock.t += 2.0
    assert p.position_ms == T0 + 2000
    got = p.drain()
    # The second's messages in receive order; its heartbeats went to the feed health instead.
    assert [d.recv_ms - T0 for d in got] == [3, 4, 1000, 2000]
    assert p.health[0].messages == 5 and p.health[0].last_rx == (T0 + 2000) / 1000
    p.speed = 10
    clock.t += 1.0
    assert p.position_ms == T0 + 12_000
    p.speed = 500
    assert p.speed == 60
    p.speed = 0.1
    assert p.speed == 1
    p.pause()
    clock.t += 100
    assert p.position_ms == T0 + 12_000 and not p.playing
    assert len(p.drain(limit=3)) == 3
    assert p.pending > 0
    p.drain()
    assert p.pending == 0
    p.speed = 60
    p.play()
    clock.t += 10
    assert p.position_ms == p.end_ms and not p.playing  # the end pauses
    p.play()  # from the start again
    assert p.position_ms == p.start_ms and p.playing


def test_replay_clock_makes_feeds_live_or_stale_as_they_were(tmp_path: Path) -> None:
    synthetic(tmp_path / "j", 60, gap=(20, 30)).close()
    p = JournalPlayer(tmp_path / "j", clock=FakeClock())
    p.seek(T0 + 15_000)
    p.drain()
    assert p.health[0].state(p.now()) == FeedState.LIVE
    p.seek(T0 + 25_000)  # five seconds into the AVL gap
    p.drain()
    assert p.health[0].state(p.now()) == FeedState.STALE
    assert p.health[0].age(p.now()) == pytest.approx(6.0, abs=0.01)
    p.seek(T0 + 12_000)  # back to before the gap: live again
    p.drain()
    assert p.health[0].state(p.now()) == FeedState.LIVE


def test_seek_gives_the_state_of_a_straight_play(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(player_mod, "CHECKPOINT_RECORDS", 3_000)  # a checkpoint every few seconds of journal
    synthetic(tmp_path / "j", 120, ticks=True).close()
    targets = [T0 + 5_500, T0 + 33_000, T0 + 45_000, T0 + 61_000, T0 + 95_000, T0 + 119_000]
    # Straight: the clock moves forward in steps of less than TAIL_MS, each message handed out once.
    straight = JournalPlayer(tmp_path / "j", clock=FakeClock(), precompute=False)
    state: dict = {"vehicles": {}, "links": {}, "incidents": {}, "cctv": {}}
    expected = {}
    for t in targets:
        while straight.position_ms < t:
            straight.seek(min(t, straight.position_ms + 7_000))
            accumulate(straight, state)
        expected[t] = copy.deepcopy(state)
    assert straight.resets == 0
    # Same journal, seeks in a scrambled order (back, and far forward), each rebuilding.
    p = JournalPlayer(tmp_path / "j", clock=FakeClock())
    p.start()
    resets = []
    p.on_reset.append(lambda: resets.append(p.position_ms))
    for t in (T0 + 119_000, T0 + 5_500, T0 + 95_000, T0 + 33_000, T0 + 61_000, T0 + 45_000):
        p.seek(t)
        got = model_state(p)
        want = expected[t]
        assert got["vehicles"].keys() == want["vehicles"].keys()
        for vid, v in got["vehicles"].items():
            assert v == want["vehicles"][vid]  # source time, position, feed and receive time
        assert got["incidents"] == want["incidents"]
        assert got["links"] == want["links"]
        assert got["cctv"] == want["cctv"]
    p.stop()
    assert len(resets) == 6
    assert p._checkpoints  # the index thread and the seeks left checkpoints


def test_seek_delivers_state_first_with_original_receive_times(tmp_path: Path) -> None:
    synthetic(tmp_path / "j", 120).close()
    p = JournalPlayer(tmp_path / "j", clock=FakeClock())
    p.seek(T0 + 100_000)
    out = p.drain()
    avl = [d for d in out if d.message.env.kind == Kind.AVL_BATCH]
    state = avl[0]
    # Vehicle 3 stopped at 39 s: its newest record comes with that time, so it shows as silent since then.
    rows = {int(r["id"]): d.recv_ms for d in avl for r in d.message.payload}
    assert rows[3] == T0 + 39_000
    assert state.rx == state.recv_ms / 1000
    # Then the last TAIL_MS message by message.
    tail = [d for d in avl if d.recv_ms > T0 + 100_000 - player_mod.TAIL_MS]
    assert len(tail) == player_mod.TAIL_MS // 1000
    # The incident messages replayed are the changes, not the CAD's repeats.
    inc = [d for d in out if d.message.env.kind == Kind.INCIDENT]
    before_tail = [d for d in inc if d.recv_ms <= T0 + 100_000 - player_mod.TAIL_MS]
    assert [(d.message.payload["id"], d.message.payload["status"]) for d in before_tail] == [
        ("I1", "new"), ("I1", "acknowledged"), ("I1", "dispatched"), ("I2", "new"), ("I1", "en_route"),
        ("I1", "on_scene"), ("I2", "acknowledged")]
    # Feed totals count everything before the position.
    assert p.health[0].messages == 101 + 100  # AVL at 0…100 s, heartbeats at 0.001…99.001 s


def test_a_seek_replays_incidents_without_decoding_them_again(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A day of calls is thousands of incident messages: a seek hands out the ones it keeps decoded on open,
    each time a payload of its own."""
    synthetic(tmp_path / "j", 120).close()
    p = JournalPlayer(tmp_path / "j", clock=FakeClock(), precompute=False)
    decoded: list[bytes] = []
    decode = protocol.decode
    monkeypatch.setattr(protocol, "decode", lambda frames: decoded.append(bytes(frames[0])) or decode(frames))
    got = []
    for _ in range(2):
        p.seek(T0 + 100_000)
        assert Topic.INCIDENT not in decoded
        out = [d for d in p.drain() if d.message.env.kind == Kind.INCIDENT]
        incs = [d.message.payload for d in out]
        got.append([(i["id"], i["status"], list(i["units"])) for d, i in zip(out, incs, strict=True)
                    if d.recv_ms <= T0 + 100_000 - player_mod.TAIL_MS])
        for i in incs:  # what a consumer does to its payload stays with it
            i["status"] = "closed"
            i["units"].append(99)
        p.seek(T0)
        decoded.clear()
    assert got[0] == got[1] and len(got[0]) == 7


def test_events_for_jumping(tmp_path: Path) -> None:
    synthetic(tmp_path / "j", 100).close()
    p = JournalPlayer(tmp_path / "j", clock=FakeClock())
    ev = p.events()
    assert [(e.incident, e.status, e.ms - T0) for e in ev] == [
        ("I1", "new", 10_002), ("I1", "acknowledged", 20_002), ("I1", "dispatched", 25_002), ("I2", "new", 30_002),
        ("I1", "en_route", 35_002), ("I1", "on_scene", 50_002), ("I2", "acknowledged", 70_002),
        ("I1", "closed", 90_002)]
    assert ev[0].type == "fire" and ev[0].priority == 2


def test_corrupt_record_during_replay_is_skipped(tmp_path: Path) -> None:
    synthetic(tmp_path / "j", 30, segment_bytes=4096).close()
    segs = list_segments(tmp_path / "j")
    with JournalReader(tmp_path / "j") as r:
        seg = r.segments[0]
        off = int(seg.block_offsets[0]) + 40
        lost = int(np.sum(seg.block == 0))
        assert len(seg.blocks) > 1
    with open(segs[0][1], "r+b") as f:
        f.seek(off)
        f.write(b"\x00\x00\x00")
    clock = FakeClock()
    p = JournalPlayer(tmp_path / "j", clock=clock)
    p.seek(p.end_ms)
    p.seek(p.start_ms)
    p.speed = 60
    p.play()
    clock.t += 5
    out = p.drain()
    # The damaged block is skipped (found on open: the newest segment is verified), and so are the vehicle
    # arrays after it in its chain; everything else replays.
    assert out and p.stats.corrupt_records >= 1 and lost >= 1
    assert {d.message.topic for d in out} >= {b"inc", b"cctv.cam1"}


def test_journal_imports_without_qt() -> None:
    code = textwrap.dedent("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'):
                    raise ImportError('Qt is blocked: ' + name)
        sys.meta_path.insert(0, Block())
        import sitroom.services.journal, services.journal.player, services.journal.export
        print('ok')
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_replay_refuses_impossible_positions_an_old_journal_holds(tmp_path: Path) -> None:
    d = tmp_path / "j"
    w = JournalWriter(d, meta={"kit": {"name": "grid"}}, flush_ms=10)
    frames = avl_frames(1, T0, ids=(1, 2, 3))
    rec = np.frombuffer(frames[2], dtype=AVL_DTYPE).copy()
    rec["lon"][1] = np.nan  # written before the door refused such records
    w.append("avl", [frames[0], frames[1], rec.tobytes()], T0)
    w.close()
    player = JournalPlayer(d, clock=FakeClock(), precompute=False)
    try:
        player.seek(player.end_ms)
        got = [dl for dl in player.drain() if dl.message.env.kind == Kind.AVL_BATCH]
        assert [dl.message.payload["id"].tolist() for dl in got] == [[1, 3]]
        assert player.health[0].errors["bad-position"] == 1
    finally:
        player.close()
