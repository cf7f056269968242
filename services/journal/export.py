"""Cutting a time slice out of a journal into a smaller journal of its own.

The slice holds every record received within [from_ms, to_ms], preceded (``with_state``) by the records that
rebuild the state at ``from_ms``: each vehicle's and link's newest record, the incident messages that made
the incident book, the newest CCTV frame and sensor reading per topic. Those keep their original receive
times (before the slice); ``journal.json`` names the slice, so the player's timeline runs from ``from_ms``
to ``to_ms`` and starts from that state.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sitroom.services.feeds.protocol import now_ms
from sitroom.services.journal.player import JournalPlayer
from sitroom.services.journal.reader import list_segments
from sitroom.services.journal.writer import DEFAULT_SEGMENT_BYTES, _SegmentFiles, make_private_dir, write_meta

_CHUNK_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class ExportReport:
    records: int  # records within the slice
    state_records: int  # records before it that rebuild its starting state
    bytes: int  # written (compressed)
    from_ms: int
    to_ms: int


def export(src_dir: Path, dst_dir: Path, from_ms: int, to_ms: int, *, with_state: bool = True,
           segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> ExportReport:
    """Write the slice of ``src_dir`` to ``dst_dir`` (new or empty of segments)."""
    if to_ms < from_ms:
        raise ValueError("the slice ends before it starts")
    dst = Path(dst_dir)
    if dst.exists() and list_segments(dst):
        raise FileExistsError(f"{dst} already holds a journal")
    player = JournalPlayer(Path(src_dir), precompute=False)
    try:
        make_private_dir(dst)
        files = _SegmentFiles(dst, segment_bytes, None, None)
        chunk: list[tuple[str, list[bytes], int]] = []
        size = 0

        def put(feed: str, frames: list[bytes], recv_ms: int) -> None:
            nonlocal size
            chunk.append((feed, frames, recv_ms))
            size += sum(len(f) for f in frames)
            if size >= _CHUNK_BYTES:
                files.write(chunk)
                chunk.clear()
                size = 0

        prologue = player.state_records(from_ms) if with_state else []
        for feed, frames, recv_ms in prologue:
            put(feed, frames, recv_ms)
        a, b = player.positions_between(from_ms, to_ms)
        n = 0
        for p in range(a, b):
            rec = player.record_at(p)
            if rec is not None:
                put(rec.feed, rec.frames, rec.recv_ms)
                n += 1
        if chunk:
            files.write(chunk)
        files.close_segment()
        meta = {k: v for k, v in player.meta.items() if k not in ("slice", "created_ms")}
        meta.update({"slice": {"from_ms": int(from_ms), "to_ms": int(to_ms)}, "exported_from": str(src_dir),
                     "created_ms": now_ms(),
                     "feeds": meta.get("feeds") or [{"name": f.name, "endpoint": f.endpoint} for f in player.feeds]})
        write_meta(dst, meta)
    finally:
        player.close()
    return ExportReport(n, len(prologue), files.bytes_total, int(from_ms), int(to_ms))
