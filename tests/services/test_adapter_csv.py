"""The adapter base and the CSV/JSON adapter: real files replayed onto a real feed client, bad rows counted."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from sitroom.services.adapters import csvjson, mapping
from sitroom.services.adapters.base import Adapter, AdapterHealth, VehicleIds, hashed_id
from sitroom.services.feeds.protocol import Kind
from sitroom.services.vocabulary import VehicleStatus, VehicleType
from tests.adapters_util import Receiver, connected

AVL_MAP = """
kind = "avl"
time = "%Y-%m-%d %H:%M:%S"
[fields]
id = "bus"
lon = "x"
lat = "y"
ts = "time"
speed = "speed_ms"
status = "state"
[scale]
speed = 3.6
[values.status]
"운행" = "available"
"회차" = "out_of_service"
[const]
type = "bus"
"""

ROWS = """time,bus,x,y,speed_ms,state
2024-11-22 10:00:00,1042,127.3845,36.3504,10,운행
2024-11-22 10:00:01,1043,127.3846,36.3505,11,회차
2024-11-22 10:00:01,1044,abc,36.3505,11,운행
2024-11-22 10:00:02,1045
2024-11-22 10:00:02,,127.1,36.1,1,운행
not a time,1046,127.1,36.1,1,운행
2024-11-22 10:00:03,1047,127.1,95.0,1,운행
2024-11-22 10:00:03,bus-7,127.2,36.2,1,flying
2024-11-22 10:00:03,bus-8,127.2,36.2,1,운행
"""


def _adapter(tmp_path, name="a") -> Adapter:
    return Adapter("csv", f"ipc://{tmp_path / name}.sock")


def _replay_all(replay, receiver, expect_published: int) -> None:
    receiver.wait(lambda: replay.finished and replay.adapter.health.published >= expect_published,
                  step=lambda: replay.step(0.05), what="the replay")


def test_csv_rows_become_vehicles_and_bad_rows_are_counted(tmp_path) -> None:
    (tmp_path / "map.toml").write_text(AVL_MAP, encoding="utf-8")
    (tmp_path / "rows.csv").write_text(ROWS, encoding="utf-8")
    m = mapping.Mapping.from_dict(mapping.load(tmp_path / "map.toml"))
    adapter = _adapter(tmp_path)
    rx = Receiver(adapter.pub.endpoint)
    try:
        connected(rx, adapter)
        replay = csvjson.Replay(adapter, m, tmp_path / "rows.csv", speed=0, keep_times=True)
        _replay_all(replay, rx, 3)
        rx.wait(lambda: len(rx.records(Kind.AVL_BATCH)) >= 3)
        recs = rx.records(Kind.AVL_BATCH)
        by_id = {int(r["id"]): r for r in recs}
        assert set(by_id) == {1042, 1043, hashed_id("bus-8", csvjson.ID_BASE)}
        bus = by_id[1042]
        assert bus["type"] == VehicleType.BUS and bus["status"] == VehicleStatus.AVAILABLE
        assert by_id[1043]["status"] == VehicleStatus.OUT_OF_SERVICE
        assert bus["speed"] == pytest.approx(36.0)
        assert bus["lon"] == pytest.approx(127.3845) and bus["lat"] == pytest.approx(36.3504)
        assert bus["ts"] == 1732237200000  # 10:00 in Seoul (the mapping's default zone) is 01:00 UTC
        h = adapter.health
        assert h.received == 9 and h.published == 3
        assert dict(h.dropped) == {"bad-field": 2, "missing-field": 2, "bad-time": 1, "bad-position": 1}
        # The counts ride in the heartbeats, and the receiver keeps them per publisher.
        adapter.pub.heartbeat(force=True)
        rx.wait(lambda: rx.health.sources.get("adapter-csv", {}).get("published") == 3)
        own = rx.health.sources["adapter-csv"]
        assert own["kind"] == "adapter csv" and own["dropped"]["bad-field"] == 2
    finally:
        rx.close()
        adapter.close()


def test_replay_keeps_the_recorded_pace_scaled_by_speed(tmp_path) -> None:
    lines = ["ts,id,lon,lat"] + [f"{1_700_000_000 + 2 * i},{7},{127.0 + i * 1e-4},36.0" for i in range(4)]
    (tmp_path / "rows.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    m = mapping.Mapping("avl", {"id": "id", "lon": "lon", "lat": "lat", "ts": "ts"}, time="epoch_s")
    adapter = _adapter(tmp_path)
    try:
        sent: list[float] = []
        adapter.vehicles = lambda recs: sent.append(time.monotonic())  # type: ignore[method-assign]
        replay = csvjson.Replay(adapter, m, tmp_path / "rows.csv", speed=10)  # 6 s of recording in 0.6 s
        t0 = time.monotonic()
        while not replay.finished and time.monotonic() - t0 < 5:
            replay.step(0.05)
        assert len(sent) == 4
        gaps = np.diff(np.array(sent))
        assert np.all(gaps > 0.12) and np.all(gaps < 0.6)  # 0.2 s apart, as recorded over ten
    finally:
        adapter.close()


def test_json_lines_incidents_and_sensor_readings(tmp_path) -> None:
    inc = mapping.Mapping("incident", {"id": "no", "type": "kind", "lon": "where.lon", "lat": "where.lat",
                                       "priority": "p", "desc": "text"})
    (tmp_path / "calls.jsonl").write_text("\n".join([
        json.dumps({"no": "C-1", "kind": "fire", "where": {"lon": 127.38, "lat": 36.35}, "p": 1, "text": "연기"}),
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"no": "C-2", "kind": "alien", "where": {"lon": 127.38, "lat": 36.35}}),
        json.dumps({"no": "C-3", "kind": "medical", "where": {"lon": 127.38}}),
    ]) + "\n", encoding="utf-8")
    adapter = _adapter(tmp_path)
    rx = Receiver(adapter.pub.endpoint)
    try:
        connected(rx, adapter)
        replay = csvjson.Replay(adapter, inc, tmp_path / "calls.jsonl", speed=0)
        _replay_all(replay, rx, 1)
        rx.wait(lambda: rx.maps(Kind.INCIDENT))
        (call,) = rx.maps(Kind.INCIDENT)
        assert call["id"] == "C-1" and call["type"] == "fire" and call["priority"] == 1 and call["desc"] == "연기"
        assert dict(adapter.health.dropped) == {"bad-json": 2, "bad-field": 1, "missing-field": 1}
    finally:
        rx.close()
        adapter.close()


def test_sensor_readings_go_to_their_facility_topic(tmp_path) -> None:
    m = mapping.Mapping("sensor", {"id": "sensor", "value": "v", "facility": "site", "ts": "t"})
    (tmp_path / "r.csv").write_text("t,site,sensor,v\n1700000000000,F-1,11,0.2\n1700000001000,F-1,11,x\n"
                                    "1700000001000,F-1,1.5,3\n1700000002000,,12,0.3\n", encoding="utf-8")
    adapter = _adapter(tmp_path)
    got: list[tuple[str, np.ndarray]] = []
    adapter.readings = lambda fac, recs: got.append((fac, recs))  # type: ignore[method-assign]
    try:
        replay = csvjson.Replay(adapter, m, tmp_path / "r.csv", speed=0, keep_times=True, facility="yard")
        while not replay.finished:
            replay.step(0.05)
        assert sorted((f, int(r["id"][0])) for f, r in got) == [("F-1", 11), ("yard", 12)]
        assert dict(adapter.health.dropped) == {"bad-field": 2}
    finally:
        adapter.close()


def test_a_broken_csv_line_costs_that_line_only(tmp_path) -> None:
    m = mapping.Mapping("avl", {"id": "id", "lon": "lon", "lat": "lat"})
    (tmp_path / "r.csv").write_bytes(b"id,lon,lat\n1,127.0,36.0\n2,127\x00.0,36.0\n3,127.0,36.0\n")
    adapter = _adapter(tmp_path)
    got = []
    adapter.vehicles = lambda recs: got.extend(int(i) for i in recs["id"])  # type: ignore[method-assign]
    try:
        replay = csvjson.Replay(adapter, m, tmp_path / "r.csv", speed=0)
        while not replay.finished:
            replay.step(0.05)
        assert sorted(got) == [1, 3]
        assert adapter.health.total_dropped() == 1
    finally:
        adapter.close()


def test_mapping_errors_are_told_before_any_row() -> None:
    with pytest.raises(mapping.MappingError, match="lacks lat"):
        mapping.Mapping("avl", {"id": "a", "lon": "b"})
    with pytest.raises(mapping.MappingError, match="no field 'colour'"):
        mapping.Mapping("avl", {"id": "a", "lon": "b", "lat": "c", "colour": "d"})
    with pytest.raises(mapping.MappingError, match="kind"):
        mapping.Mapping.from_dict({"kind": "weather", "fields": {}})


def test_vehicle_ids_are_stable_and_apart_from_the_demo_fleet() -> None:
    ids = VehicleIds(csvjson.ID_BASE, {"unit-9": 10_009})
    assert ids("unit-9") == 10_009 and ids("42") == 42
    assert ids("bus-8") == ids("bus-8") == hashed_id("bus-8", csvjson.ID_BASE) >= 1_000_000
    health = AdapterHealth("x")
    for i in range(100):
        health.drop(f"reason-{i}")
    assert len(health.as_map()["dropped"]) <= 24  # a heartbeat stays small whatever the input does


def test_the_command_runs_and_tells_its_figures(tmp_path) -> None:
    (tmp_path / "map.toml").write_text(AVL_MAP, encoding="utf-8")
    (tmp_path / "rows.csv").write_text(ROWS, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "sitroom", "adapter", "csv", str(tmp_path / "rows.csv"),
                          "--mapping", str(tmp_path / "map.toml"), "--endpoint", f"ipc://{tmp_path}/c.sock",
                          "--speed", "0", "--duration", "1.5"], capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stderr.strip().splitlines()[-1])
    assert figures["received"] == 9 and figures["published"] == 3
    bad = subprocess.run([sys.executable, "-m", "sitroom", "adapter", "csv", str(tmp_path / "rows.csv"),
                          "--mapping", str(tmp_path / "rows.csv"), "--endpoint", f"ipc://{tmp_path}/d.sock"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2 and "sitroom adapter:" in bad.stderr
