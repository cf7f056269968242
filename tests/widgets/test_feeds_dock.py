"""The Feeds dock: every reason a feed counted is visible, in the cells or in the row's tooltip."""

from __future__ import annotations

from sitroom.services.feeds import protocol as p
from sitroom.services.feeds.health import FeedHealth
from sitroom.services.feeds.protocol import Kind, Topic
from sitroom.widgets.feeds_dock import FeedsWidget


def _troubled() -> FeedHealth:
    """A feed that has seen a bit of everything: five decode reasons, a restart under an old session id, ..."""
    h = FeedHealth("avl", "tcp://10.0.0.5:5556")
    for reason, n in (("bad-envelope", 5), ("bad-position", 4), ("unknown-topic", 3), ("oversized", 2),
                      ("bad-kind", 1)):
        h.record_error(reason, "detail", n)
    assert h.accept(Topic.HEARTBEAT, p.Envelope(1, Kind.HEARTBEAT, "s", "a", 9, 0), 1.0, 50, 1)
    assert h.accept(Topic.HEARTBEAT, p.Envelope(1, Kind.HEARTBEAT, "s", "a", 1, 0), 1.5, 50, 1)  # started over
    h.out_of_order, h.snapshot_skipped, h.dropped_overflow, h.seq_gaps = 6, 7, 8, 9
    h.handshake_failures, h.redials = 10, 11
    return h


def test_feed_health_counts_every_reason():
    h = _troubled()
    assert h.reason_counts() == {  # most frequent first
        "silent-redial": 11, "handshake-failed": 10, "seq-gap": 9, "dropped-overflow": 8, "snapshot-skipped": 7,
        "out-of-order": 6, "bad-envelope": 5, "bad-position": 4, "unknown-topic": 3, "oversized": 2, "bad-kind": 1,
        "restart:seq-went-back": 1}
    assert list(h.reason_counts())[:3] == ["silent-redial", "handshake-failed", "seq-gap"]
    assert FeedHealth("quiet", "ipc:///x").reason_counts() == {}


def test_every_reason_is_in_the_row_and_the_restart_fault_in_its_cell(qtbot):
    widget = FeedsWidget()
    qtbot.addWidget(widget)
    h = _troubled()
    widget.show_health([h], now=2.0)
    assert widget.item(0, 6).text() == "15 (bad-envelope 5, bad-position 4, unknown-topic 3, …)"
    assert widget.item(0, 5).text() == "1 (seq-went-back 1)"
    tip = widget.item(0, 6).toolTip()
    assert all(widget.item(0, col).toolTip() == tip for col in range(widget.columnCount()))
    for reason, n in h.reason_counts().items():
        assert f"{reason}: {n}" in tip.splitlines()
    assert h.last_restart in tip and "started over in session a" in tip
