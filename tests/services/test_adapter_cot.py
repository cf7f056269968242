"""The Cursor-on-Target adapter on events following the published event schema (and unknown types, hostile and
broken XML), over UDP unicast and multicast and TCP; SitRoom incidents out as CoT events."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import defusedxml.ElementTree as SafeET
import pytest

from sitroom.services.adapters import cot
from sitroom.services.adapters.base import Adapter, hashed_id
from sitroom.services.feeds.client import FeedClient, FeedConfig
from sitroom.services.feeds.protocol import Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.vocabulary import VehicleType
from tests.adapters_util import Receiver, connected


def minutes_from_now(minutes: float) -> str:
    # At the moment of sending, never of collecting: the suite may reach a test long after it was imported.
    return cot.iso(cot.now_ms() + int(minutes * 60_000))


def event(uid: str, kind: str, lat: float = 36.3504, lon: float = 127.3845, *, callsign: str = "",
          stale: str | None = None, track: str = '<track course="45.0" speed="10.0"/>', remarks: str = "") -> bytes:
    now, stale = minutes_from_now(0), stale or minutes_from_now(5)
    detail = f'<contact callsign="{callsign}"/>' if callsign else ""
    detail += track + (f"<remarks>{remarks}</remarks>" if remarks else "")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" uid="{uid}" '
            f'type="{kind}" how="m-g" time="{now}" start="{now}" stale="{stale}"><point lat="{lat}" lon="{lon}" '
            f'hae="80.0" ce="9.9" le="9999999.0"/><detail>{detail}</detail></event>').encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<event version="2.0" uid="&lol3;" type="a-f-G" time="2024-01-01T00:00:00Z"><point lat="1" lon="1"/></event>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<event version="2.0" uid="&x;" type="a-f-G" time="2024-01-01T00:00:00Z"><point lat="1" lon="1"/></event>"""


def _adapter(tmp_path, inputs, **kw) -> tuple[Adapter, cot.CotAdapter]:
    adapter = Adapter("cot", f"ipc://{tmp_path}/cot.sock")
    return adapter, cot.CotAdapter(adapter, inputs, **kw)


def _until(run, predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        run.step(0.05)
        assert time.monotonic() < deadline, f"timed out; {run.adapter.health.as_map()}"


def test_units_and_markers_over_udp_and_bad_events_counted(tmp_path) -> None:
    udp = cot.UdpInput("127.0.0.1", 0)
    adapter, run = _adapter(tmp_path, [udp], unit_types=cot.unit_type_rules(["a-f-G-U-C-F=fire", "a-f-G=police"]))
    rx = Receiver(adapter.pub.endpoint)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        connected(rx, adapter)
        datagrams = [
            event("ENGINE-7", "a-f-G-U-C-F", callsign="Engine 7"),
            event("ANDROID-1", "a-f-G-U-C", callsign="순찰 1", lat=36.36),
            event("spot-1", "b-m-p-s-m", callsign="집결지", remarks="staging area"),
            event("ping", "t-x-c-t"),
            event("weird", "z-q-x"),  # unknown type
            event("old", "a-f-G", stale=minutes_from_now(-5)),  # already stale
            event("far", "a-f-G", lat=123.0),  # off the globe
            BILLION_LAUGHS,
            EXTERNAL,
            b"<event uid='x' type='a-f-G' time='2024-01-01T00:00:00Z'><point lat='1' lon='1'>",  # truncated
            b"<event uid='y' type='a-f-G'><point lat='1' lon='1'/></event>",  # no time
            b"\x00\xff not xml at all",
            event("sitroom.INC-1", "b-m-p-s-m"),  # our own incident, heard back: not a marker
        ]
        for d in datagrams:
            tx.sendto(d, ("127.0.0.1", udp.port))
        _until(run, lambda: adapter.health.received >= len(datagrams))
        rx.wait(lambda: len(rx.records(Kind.AVL_BATCH)) >= 2 and rx.maps(Kind.MARKER))
        recs = rx.records(Kind.AVL_BATCH)
        engine = recs[recs["id"] == hashed_id("ENGINE-7", cot.ID_BASE)][0]
        assert engine["type"] == VehicleType.FIRE and engine["speed"] == pytest.approx(36.0)
        assert engine["heading"] == 45.0 and engine["lat"] == pytest.approx(36.3504)
        patrol = recs[recs["id"] == hashed_id("ANDROID-1", cot.ID_BASE)][0]
        assert patrol["type"] == VehicleType.POLICE
        (mark,) = rx.maps(Kind.MARKER)
        assert mark["id"] == "spot-1" and mark["label"] == "집결지" and mark["text"] == "staging area"
        rx.wait(lambda: len(rx.maps(Kind.VEHICLE_INFO)) >= 2)
        assert {i["label"] for i in rx.maps(Kind.VEHICLE_INFO)} == {"Engine 7", "순찰 1"}
        assert dict(adapter.health.dropped) == {"unknown-type": 1, "stale": 1, "bad-position": 1, "hostile-xml": 2,
                                                "bad-xml": 2, "bad-event": 1}
        assert run.pings == 1
    finally:
        tx.close()
        rx.close()
        run.close()
        adapter.close()


def test_a_tcp_stream_split_anywhere(tmp_path) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    adapter, run = _adapter(tmp_path, [cot.TcpInput("127.0.0.1", server.getsockname()[1], None)])
    run.inputs[0].health = adapter.health
    stream = b"".join(event(f"unit-{i}", "a-f-G-E-V", callsign=f"V{i}") for i in range(5)) + BILLION_LAUGHS
    got: list[int] = []
    adapter.vehicles = lambda recs: got.extend(int(i) for i in recs["id"])  # type: ignore[method-assign]

    def serve() -> None:
        conn, _ = server.accept()
        for i in range(0, len(stream), 37):  # events cut at every place
            conn.sendall(stream[i:i + 37])
            time.sleep(0.001)
        conn.close()

    t = threading.Thread(target=serve)
    t.start()
    try:
        _until(run, lambda: len(set(got)) == 5 and adapter.health.dropped["hostile-xml"] == 1)
        _until(run, lambda: adapter.health.dropped["disconnected"] >= 1)
    finally:
        t.join()
        run.close()
        server.close()
        adapter.close()


def test_devices_connecting_in(tmp_path) -> None:
    listen = cot.ListenInput("127.0.0.1", 0, None)
    adapter, run = _adapter(tmp_path, [listen])
    listen.health = adapter.health
    got: list[int] = []
    adapter.vehicles = lambda recs: got.extend(int(i) for i in recs["id"])  # type: ignore[method-assign]
    try:
        devices = [socket.create_connection(("127.0.0.1", listen.port)) for _ in range(3)]
        for i, d in enumerate(devices):
            d.sendall(event(f"dev-{i}", "a-f-G"))
        _until(run, lambda: len(set(got)) == 3)
        for d in devices:
            d.close()
    finally:
        run.close()
        adapter.close()


def test_multicast_on_loopback(tmp_path) -> None:
    group = "239.2.3.1"
    try:
        udp = cot.UdpInput(group, 0, "127.0.0.1")
    except OSError as exc:
        pytest.skip(f"no multicast here: {exc}")
    adapter, run = _adapter(tmp_path, [udp])
    got: list[int] = []
    adapter.vehicles = lambda recs: got.extend(int(i) for i in recs["id"])  # type: ignore[method-assign]
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        deadline = time.monotonic() + 3
        while not got and time.monotonic() < deadline:
            try:
                tx.sendto(event("sa-1", "a-f-G"), (group, udp.port))
            except OSError as exc:
                pytest.skip(f"no multicast route here: {exc}")
            run.step(0.05)
        if not got:
            pytest.skip("multicast on loopback is not delivered in this sandbox")
        assert got[0] == hashed_id("sa-1", cot.ID_BASE)
    finally:
        tx.close()
        run.close()
        adapter.close()


def test_sitroom_incidents_go_out_as_cot_events(tmp_path) -> None:
    cad = Publisher(f"ipc://{tmp_path}/inc.sock", "cad-test")
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(0.05)
    client = FeedClient([FeedConfig("incidents", cad.endpoint, (Topic.INCIDENT,), snapshot=None)])
    client.start()
    adapter = Adapter("cot", f"ipc://{tmp_path}/cot.sock")
    out = cot.IncidentsOut(client, cot.CotOut(f"udp:127.0.0.1:{listener.getsockname()[1]}", adapter.health))
    run = cot.CotAdapter(adapter, [], incidents=out)
    inc = {"id": "INC-20261205-3", "type": "fire", "priority": 1, "lon": 127.3845, "lat": 36.3504,
           "status": "dispatched", "reported": cot.now_ms(), "desc": "공장 화재 <3층>", "units": [10001]}
    received: list[bytes] = []

    def listen() -> bool:
        with contextlib.suppress(TimeoutError):
            received.append(listener.recvfrom(65536)[0])
        return bool(received)

    try:
        deadline = time.monotonic() + 10
        while not received:
            cad.heartbeat(force=True)
            cad.send_map(Topic.INCIDENT, Kind.INCIDENT, inc)
            run.step(0.05)
            listen()
            assert time.monotonic() < deadline
        ev = SafeET.fromstring(received[0])
        assert ev.get("uid") == "sitroom.INC-20261205-3" and ev.get("type") == "b-m-p-s-m"
        assert float(ev.find("point").get("lat")) == pytest.approx(36.3504)
        assert ev.find("detail/contact").get("callsign") == "fire P1 INC-20261205-3"
        assert "공장 화재 <3층>" in ev.find("detail/remarks").text
        assert cot.iso_ms(ev.get("stale")) > cot.now_ms()
        parsed = cot.parse_event(received[0])  # what another SitRoom's CoT adapter reads of it
        assert parsed.uid == "sitroom.INC-20261205-3"
        received.clear()
        cad.send_map(Topic.INCIDENT, Kind.INCIDENT, {**inc, "status": "closed"})
        while not received:
            run.step(0.05)
            listen()
            assert time.monotonic() < deadline
        closed = SafeET.fromstring(received[-1])
        assert cot.iso_ms(closed.get("stale")) <= cot.now_ms()  # already stale: TAK removes it
        assert "INC-20261205-3" not in out.open
    finally:
        run.close()
        adapter.close()
        cad.close()
        listener.close()
