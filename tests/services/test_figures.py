"""The supervisor's figures from a recorded journal, against values worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sitroom.services.feeds import protocol
from sitroom.services.feeds.protocol import Kind, Topic
from sitroom.services.figures.compute import AlarmTimes, CoverageSample, IncidentTimes, compute
from sitroom.services.figures.journal import journal_figures, read_journal
from sitroom.services.journal import JournalWriter

T0 = 1_750_000_000_000
S = 1000


def inc(seq: int, inc_id: str, type_: str, priority: int, reported: int, status: str) -> list[bytes]:
    payload = {"id": inc_id, "type": type_, "priority": priority, "lon": 127.385, "lat": 36.351, "status": status,
               "reported": reported, "units": []}
    return protocol.encode_map(Topic.INCIDENT, Kind.INCIDENT, payload, src="cad", sess="c1", seq=seq, ts=reported)


# (receive time after T0, incident, type, priority, reported after T0, status)
LIFE = [
    (1 * S, "I1", "fire", 1, 0, "new"),
    (60 * S, "I1", "fire", 1, 0, "dispatched"),
    (100 * S, "I2", "medical", 2, 100 * S, "new"),
    (120 * S, "I1", "fire", 1, 0, "dispatched"),  # a repeat: the first time counts
    (200 * S, "I2", "medical", 2, 100 * S, "dispatched"),
    (240 * S, "I1", "fire", 1, 0, "on_scene"),
    (300 * S, "I3", "traffic", 3, 300 * S, "new"),
    (400 * S, "I4", "crime", 4, 400 * S, "new"),
    (460 * S, "I2", "medical", 2, 100 * S, "on_scene"),
    (500 * S, "I4", "crime", 4, 400 * S, "cancelled"),
    (900 * S, "I3", "traffic", 3, 300 * S, "on_scene"),  # straight from new: no dispatch time
]


@pytest.fixture(scope="module")
def journal(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("journal")
    w = JournalWriter(d, flush_ms=20, meta={"kit": {"name": "grid"}})
    events = [(T0 + rx, "incidents", inc(i + 1, iid, t, p, T0 + rep, st)) for i, (rx, iid, t, p, rep, st)
              in enumerate(LIFE)]
    # The AVL feed's heartbeat every second for 10 minutes, silent from 301 s to 359 s.
    events += [(T0 + k * S, "avl", protocol.encode_heartbeat(src="avl", sess="s", seq=k, seqs={}, ts=T0 + k * S))
               for k in range(601) if not 300 < k < 360]
    for rx, feed, frames in sorted(events, key=lambda e: e[0]):
        w.append(feed, frames, rx)
    w.close()
    return d


def test_incidents_rebuilt_from_the_journal(journal: Path) -> None:
    incidents, spoke, span = read_journal(journal)
    by_id = {i.id: i for i in incidents}
    assert by_id["I1"].changed_ms == {"new": T0 + 1 * S, "dispatched": T0 + 60 * S, "on_scene": T0 + 240 * S}
    assert by_id["I3"].changed_ms == {"new": T0 + 300 * S, "on_scene": T0 + 900 * S}
    assert span == (T0, T0 + 900 * S)
    assert len(spoke["avl"]) == 601 - 59 and len(spoke["incidents"]) == len(LIFE)


def test_response_times_by_hand(journal: Path) -> None:
    f = journal_figures(journal, from_ms=T0, to_ms=T0 + 1000 * S, bin_ms=100 * S)
    r = f.response
    # Call → on scene: I1 240 s, I2 360 s, I3 600 s; within 5 minutes 1 of 3, within 7 minutes 2 of 3.
    assert r.n == 3
    assert sorted(r.call_to_scene_s.tolist()) == [240.0, 360.0, 600.0]
    assert r.within_5 == pytest.approx(1 / 3) and r.within_7 == pytest.approx(2 / 3)
    assert sorted(r.call_to_dispatch_s.tolist()) == [60.0, 100.0]
    assert sorted(r.dispatch_to_scene_s.tolist()) == [180.0, 260.0]
    assert r.histogram[4] == 1 and r.histogram[6] == 1 and r.histogram[10] == 1 and r.histogram.sum() == 3
    assert r.median("call_to_scene_s") == 360.0


def test_incidents_by_type_and_status_over_time(journal: Path) -> None:
    f = journal_figures(journal, from_ms=T0, to_ms=T0 + 1000 * S, bin_ms=100 * S)
    assert len(f.bins) == 10 and f.incidents == 4
    assert f.reported_by_type["fire"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert f.reported_by_type["medical"][1] == 1 and f.reported_by_type["traffic"][3] == 1
    assert f.reported_by_type["crime"][4] == 1
    # At 100 s: I1 dispatched (60 s), I2 new (received at 100 s). At 1000 s: three on scene, one cancelled.
    assert f.status_counts["dispatched"][0] == 1 and f.status_counts["new"][0] == 1
    assert f.status_counts["on_scene"][-1] == 3 and f.status_counts["cancelled"][-1] == 1
    # At 500 s: I1 on scene, I2 on scene (460 s), I3 new, I4 cancelled (500 s).
    assert [f.status_counts[s][4] for s in ("new", "on_scene", "cancelled")] == [1, 2, 1]


def test_feed_uptime_by_hand(journal: Path) -> None:
    f = journal_figures(journal, from_ms=T0, to_ms=T0 + 1000 * S)
    # Heartbeats 0..300 s and 360..600 s, each live for 3 s after: 303 s + 243 s = 546 s of 1000 s.
    assert f.feed_uptime["avl"] == pytest.approx(0.546)


def test_alarms_and_coverage_by_hand() -> None:
    alarms = [AlarmTimes("a", "F1", 1, T0, T0 + 30 * S), AlarmTimes("b", "F1", 2, T0 + 10 * S, T0 + 100 * S),
              AlarmTimes("c", "F2", 2, T0 + 20 * S, None), AlarmTimes("d", "F2", 3, T0 - 5 * S, T0)]
    hour = 3_600_000
    cov = [CoverageSample(T0, 0.3), CoverageSample(T0 + 60 * S, 0.5), CoverageSample(T0 + hour, 0.6)]
    f = compute([IncidentTimes("x", "fire", 1, T0, {"new": T0})], alarms, {}, cov, from_ms=T0, to_ms=T0 + 2 * hour)
    assert f.alarms.raised == 3 and f.alarms.by_priority == {1: 1, 2: 2, 3: 0, 4: 0}
    assert f.alarms.acked == 2 and sorted(f.alarms.ack_s.tolist()) == [30.0, 90.0] and f.alarms.median_ack_s == 60
    from datetime import datetime

    h0 = datetime.fromtimestamp(T0 / 1000).hour
    assert f.coverage_by_hour[h0] == pytest.approx(0.4) and f.coverage_by_hour[(h0 + 1) % 24] == pytest.approx(0.6)
    assert np.isnan(f.coverage_by_hour[(h0 + 2) % 24]) and f.coverage_samples == 3
    assert math.isnan(f.response.within_5) and f.response.n == 0
