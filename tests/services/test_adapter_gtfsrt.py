"""The GTFS-realtime adapter on messages built with the official bindings (and one that does not parse), from a
URL polled over HTTP and from a file; static GTFS stops and routes as a kit's user layer."""

from __future__ import annotations

import http.server
import threading
import time
import zipfile
from typing import ClassVar

import pytest
from google.transit import gtfs_realtime_pb2

from sitroom.services.adapters import gtfsrt
from sitroom.services.adapters.base import Adapter, VehicleIds, hashed_id
from sitroom.services.feeds.protocol import Kind
from sitroom.services.store import gtfs
from sitroom.services.store.vector import read_points
from sitroom.services.vocabulary import VehicleType
from tests.adapters_util import Receiver, connected

T0 = 1_732_240_000


def feed(stamp: int = T0, *, alert: bool = True) -> bytes:
    msg = gtfs_realtime_pb2.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.incrementality = gtfs_realtime_pb2.FeedHeader.FULL_DATASET
    msg.header.timestamp = stamp
    for i, (lon, lat) in enumerate(((127.3845, 36.3504), (127.40, 36.36))):
        e = msg.entity.add(id=f"e{i}")
        v = e.vehicle
        v.vehicle.id, v.vehicle.label = f"bus-{1207 + i}", f"{1207 + i}"
        v.trip.trip_id, v.trip.route_id = f"T{i}", "R102"
        v.position.longitude, v.position.latitude = lon, lat
        v.position.bearing, v.position.speed = 90.0, 10.0
        v.timestamp = stamp - 5
    e = msg.entity.add(id="e-nopos")
    e.vehicle.vehicle.id = "bus-9"
    e = msg.entity.add(id="e-null-island")
    e.vehicle.vehicle.id = "bus-10"
    e.vehicle.position.longitude, e.vehicle.position.latitude = 0.0, 0.0
    tu = msg.entity.add(id="tu0").trip_update
    tu.trip.trip_id = "T0"
    stu = tu.stop_time_update.add(stop_sequence=3)
    stu.arrival.delay = 120
    if alert:
        a = msg.entity.add(id="alert-1").alert
        a.header_text.translation.add(text="detour", language="en")
    return msg.SerializeToString()


def _adapter(tmp_path) -> Adapter:
    return Adapter("gtfsrt", f"ipc://{tmp_path}/g.sock")


def test_vehicle_positions_and_trip_delays_from_a_file(tmp_path) -> None:
    path = tmp_path / "vp.pb"
    path.write_bytes(feed())
    adapter = _adapter(tmp_path)
    rx = Receiver(adapter.pub.endpoint)
    run = gtfsrt.GtfsRtAdapter(adapter, path=path, interval_s=0.1, routes={"R102": "102"})
    try:
        connected(rx, adapter)
        rx.wait(lambda: len(rx.records(Kind.AVL_BATCH)) >= 2 and len(rx.maps(Kind.VEHICLE_INFO)) >= 2,
                step=lambda: run.step(0.05))
        recs = rx.records(Kind.AVL_BATCH)
        ids = VehicleIds(gtfsrt.ID_BASE, numeric=False)
        assert sorted(recs["id"].tolist()) == sorted([ids("bus-1207"), ids("bus-1208")])
        r = recs[recs["id"] == ids("bus-1207")][0]
        assert r["type"] == VehicleType.BUS and r["speed"] == pytest.approx(36.0) and r["heading"] == 90.0
        assert r["ts"] == (T0 - 5) * 1000
        infos = {i["ref"]: i for i in rx.maps(Kind.VEHICLE_INFO)}
        assert infos["bus-1207"] == {"id": ids("bus-1207"), "ref": "bus-1207", "label": "1207", "route": "102",
                                     "trip": "T0", "delay_s": 120, "src_kind": "gtfsrt"}
        assert "delay_s" not in infos["bus-1208"]
        assert dict(adapter.health.dropped) == {"no-position": 1, "bad-position": 1, "unsupported": 1}
        # The same file again is not sent again; a changed one is.
        n = len(rx.messages)
        for _ in range(5):
            run.step(0.05)
        assert run.unchanged >= 1 and len([m for m in rx.messages[n:] if m.env.kind == Kind.AVL_BATCH]) == 0
        path.write_bytes(b"\x0a\xff\xff garbage, not a FeedMessage")
        rx.wait(lambda: adapter.health.dropped["bad-protobuf"] == 1, step=lambda: run.step(0.05))
        path.write_bytes(gtfs_realtime_pb2.FeedMessage().SerializePartialToString())  # parses; no header
        rx.wait(lambda: adapter.health.dropped["bad-protobuf"] == 2, step=lambda: run.step(0.05))
        path.unlink()
        rx.wait(lambda: adapter.health.dropped["fetch-failed"] >= 1, step=lambda: run.step(0.05))
    finally:
        run.close()
        rx.close()
        adapter.close()


class _Agency(http.server.BaseHTTPRequestHandler):
    body = b""
    status = 200
    hits = 0
    keys: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits += 1
        type(self).keys.append(self.headers.get("x-api-key", ""))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


def test_a_url_polled_at_an_interval(tmp_path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Agency)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Agency.body, _Agency.hits = feed(alert=False), 0
    adapter = _adapter(tmp_path)
    url = f"http://127.0.0.1:{server.server_address[1]}/vehicle-positions"
    run = gtfsrt.GtfsRtAdapter(adapter, url=url, interval_s=0.2, headers={"x-api-key": "k"})
    got = []
    adapter.vehicles = lambda recs: got.append(recs)  # type: ignore[method-assign]
    try:
        deadline = time.monotonic() + 10
        while _Agency.hits < 3:
            run.step(0.05)
            assert time.monotonic() < deadline
        assert len(got) == 1  # the same header timestamp is not sent again
        assert _Agency.keys[0] == "k"
        _Agency.body = feed(T0 + 30, alert=False)
        while len(got) < 2:
            run.step(0.05)
            assert time.monotonic() < deadline
        _Agency.status = 503
        while not adapter.health.dropped["fetch-failed"]:
            run.step(0.05)
            assert time.monotonic() < deadline
        assert run.polls >= 3 and adapter.health.extra["unchanged"] >= 1
    finally:
        _Agency.status = 200
        run.close()
        server.shutdown()
        adapter.close()


def _static(tmp_path):
    path = tmp_path / "daejeon_bus.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("stops.txt", "stop_id,stop_name,stop_lat,stop_lon,location_type\n"
                                "S1,대전역,36.3326,127.4343,0\nS2,시청,36.3504,127.3845,\n"
                                "S3,대전역 2번 출구,36.3327,127.4344,2\n")
        z.writestr("routes.txt", "route_id,route_short_name,route_long_name,route_type\nR102,102,대전역-시청,3\n"
                                 "R601,,급행1,3\n")
        z.writestr("trips.txt", "route_id,service_id,trip_id\nR102,W,T0\nR601,W,T9\n")
        z.writestr("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                                     "T0,08:00:00,08:00:00,S1,1\nT0,08:10:00,08:10:00,S2,2\n"
                                     "T9,09:00:00,09:00:00,S2,1\n")
    return path


def test_static_stops_and_routes_become_a_user_layer(tmp_path) -> None:
    path = _static(tmp_path)
    assert gtfs.is_gtfs(path) and not gtfs.is_gtfs(tmp_path / "nothing.zip")
    assert gtfs.route_names(path) == {"R102": "102", "R601": "급행1"}
    points = read_points(path)  # what `sitroom kit build --layer daejeon_bus.zip` reads
    assert [(p.kind, p.name, p.layer) for p in points] == [("stop", "대전역 · 102", "daejeon_bus"),
                                                           ("stop", "시청 · 102, 급행1", "daejeon_bus")]
    assert points[0].lon == pytest.approx(127.4343) and points[0].lat == pytest.approx(36.3326)


def test_ids_of_gtfs_vehicles_are_hashed_even_when_numeric() -> None:
    # Agencies number buses from 1: those numbers would be the demo fleet's ids.
    assert VehicleIds(gtfsrt.ID_BASE, numeric=False)("1207") == hashed_id("1207", gtfsrt.ID_BASE)
