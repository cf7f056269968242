"""Cursor-on-Target adapter (``sitroom adapter cot``): TAK devices' units and markers in, SitRoom incidents out.

In: CoT XML events (the TAK conventions: one ``<event>`` per UDP datagram; a stream of events on TCP) from

- ``udp:HOST:PORT`` (unicast: bind there), ``udp:GROUP:PORT`` for a multicast group (TAK's SA mesh is
  ``239.2.3.1:6969``; ``--interface`` picks the network), ``tcp:HOST:PORT`` (a TAK server's or a gateway's
  streaming port, dialled again when it drops) and ``listen:HOST:PORT`` (devices connect and stream).

Events of type ``a-…`` (atoms: people, vehicles, units) become vehicles (AVL records; ``--unit-type`` maps type
prefixes to vehicle types) with their callsign on ``veh``; ``b-…`` and ``u-…`` (map points, drawings, alerts)
become markers on ``marker``; ``t-…`` (pings, tasking) are only counted as a figure. What cannot be used is
counted by reason: ``hostile-xml`` (a DTD or entity declaration: no entity is ever expanded, defusedxml refuses
them), ``bad-xml``, ``bad-event`` (missing uid, type, time or point), ``bad-position``, ``unknown-type``,
``stale`` (an event already past its stale time), ``oversized``.

Out (``--incidents ENDPOINT --cot-out udp:239.2.3.1:6969``): every incident of a SitRoom incidents feed becomes a
CoT marker event (uid ``sitroom.<incident id>``), sent when it changes and again every minute while it is open,
so TAK devices show the room's incidents; a closed one is sent once more already stale, which removes it.

``pytak`` is not used: it is an asyncio framework for TAK clients (queues, its own TLS and configuration), and
what this adapter needs of TAK is the event format and a socket; ``defusedxml`` does the parsing safely.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import logging
import math
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

import defusedxml
import defusedxml.ElementTree as SafeET

from sitroom.services.adapters.base import Adapter, Batcher, Dropped, VehicleIds, avl_record
from sitroom.services.feeds.protocol import now_ms
from sitroom.services.vocabulary import VehicleStatus

log = logging.getLogger(__name__)

ID_BASE = 0x7000_0000
MAX_EVENT_BYTES = 64 * 1024
MAX_STREAM_BUFFER = 1024 * 1024
OWN_UID_PREFIX = "sitroom."
RESEND_OPEN_S = 60.0
INCIDENT_STALE_S = 600.0
_END = b"</event>"


def iso_ms(text: str) -> int:
    """Epoch ms of a CoT time (``2024-11-22T01:46:40.123Z``); ValueError for anything else."""
    dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@dataclass
class CotEvent:
    uid: str
    type: str
    time_ms: int
    stale_ms: int | None
    lon: float
    lat: float
    callsign: str = ""
    course: float = math.nan
    speed_ms: float = math.nan
    remarks: str = ""


def parse_event(data: bytes) -> CotEvent:
    """One CoT event from its XML; raises Dropped with the reason. No DTD, no entity is ever expanded."""
    if len(data) > MAX_EVENT_BYTES:
        raise Dropped("oversized", f"an event of {len(data)} bytes")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise Dropped("hostile-xml", type(exc).__name__) from None
    except (ParseError, ValueError, UnicodeError) as exc:
        raise Dropped("bad-xml", str(exc)[:80]) from None
    if root.tag != "event":
        raise Dropped("bad-event", f"root <{root.tag[:20]}>, not <event>")
    uid, kind, when = root.get("uid"), root.get("type"), root.get("time")
    if not uid or not kind or not when:
        raise Dropped("bad-event", "uid, type and time are required")
    point = root.find("point")
    if point is None:
        raise Dropped("bad-event", f"{uid[:40]}: no <point>")
    try:
        t = iso_ms(when)
        stale = iso_ms(root.get("stale")) if root.get("stale") else None
        lat, lon = float(point.get("lat", "nan")), float(point.get("lon", "nan"))
    except (ValueError, OverflowError) as exc:
        raise Dropped("bad-event", f"{uid[:40]}: {exc}") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        raise Dropped("bad-position", f"{uid[:40]}: {lon}, {lat}")
    ev = CotEvent(uid[:128], kind[:64], t, stale, lon, lat)
    detail = root.find("detail")
    if detail is not None:
        contact = detail.find("contact")
        if contact is not None:
            ev.callsign = (contact.get("callsign") or "")[:128]
        track = detail.find("track")
        if track is not None:
            with contextlib.suppress(ValueError, TypeError):
                ev.course = float(track.get("course", "nan"))
                ev.speed_ms = float(track.get("speed", "nan"))
        remarks = detail.find("remarks")
        if remarks is not None and remarks.text:
            ev.remarks = remarks.text[:2000]
    return ev


def incident_event(inc: dict, now: int, *, closed: bool = False) -> bytes:
    """A SitRoom incident as a CoT marker event (``b-m-p-s-m``, a spot map marker) for TAK devices."""
    ev = Element("event", {"version": "2.0", "uid": f"{OWN_UID_PREFIX}{inc['id']}", "type": "b-m-p-s-m",
                           "how": "h-e", "time": iso(now), "start": iso(now),
                           "stale": iso(now if closed else now + int(INCIDENT_STALE_S * 1000))})
    SubElement(ev, "point", {"lat": f"{inc['lat']:.7f}", "lon": f"{inc['lon']:.7f}", "hae": "9999999.0",
                             "ce": "9999999.0", "le": "9999999.0"})
    detail = SubElement(ev, "detail")
    SubElement(detail, "contact", {"callsign": f"{inc['type']} P{inc['priority']} {inc['id']}"})
    # ARGB: priority 1-2 red, 3 orange, 4-5 yellow.
    colour = {1: -65536, 2: -65536, 3: -23296, 4: -256, 5: -256}.get(inc.get("priority"), -256)
    SubElement(detail, "color", {"argb": str(colour)})
    remarks = SubElement(detail, "remarks")
    remarks.text = f"{inc.get('status', '')}: {inc.get('desc', '')}".strip(": ")
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + tostring(ev, encoding="utf-8",
                                                                               xml_declaration=False)


# ---------------------------------------------------------------- inputs


def split_stream(buf: bytes) -> tuple[list[bytes], bytes]:
    """Whole events of a TCP stream (each ends with ``</event>``) and what is left of an unfinished one."""
    out = []
    while True:
        end = buf.find(_END)
        if end < 0:
            return out, buf
        out.append(buf[: end + len(_END)].strip())
        buf = buf[end + len(_END):]


class Input:
    name = ""

    def poll(self) -> list[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class UdpInput(Input):
    """Datagrams on a unicast address, or a multicast group joined on ``interface``."""

    def __init__(self, host: str, port: int, interface: str = "0.0.0.0") -> None:
        self.name = f"udp:{host}:{port}"
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        multicast = ipaddress.ip_address(host).is_multicast
        self.sock.bind(("" if multicast else host, port))
        if multicast:
            mreq = struct.pack("4s4s", socket.inet_aton(host), socket.inet_aton(interface))
            self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def poll(self) -> list[bytes]:
        out = []
        for _ in range(1024):
            try:
                data, _addr = self.sock.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                break
            out.append(data)
        return out

    def close(self) -> None:
        self.sock.close()


class _Stream:
    def __init__(self, sock: socket.socket, health) -> None:
        self.sock, self.health, self.buf = sock, health, b""

    def read(self) -> tuple[list[bytes], bool]:
        """(events, still open)."""
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return [], True
        except OSError:
            return [], False
        if not data:
            return [], False
        events, self.buf = split_stream(self.buf + data)
        if len(self.buf) > MAX_STREAM_BUFFER:
            self.health.drop("oversized", f"{len(self.buf)} bytes without </event>")
            self.buf = b""
        return events, True


class TcpInput(Input):
    """A server streaming events (a TAK server's streaming port, a gateway): dialled again when it drops."""

    def __init__(self, host: str, port: int, health) -> None:
        self.name, self.addr, self.health = f"tcp:{host}:{port}", (host, port), health
        self.stream: _Stream | None = None
        self._retry, self._backoff = 0.0, 0.5

    def poll(self) -> list[bytes]:
        if self.stream is None:
            if time.monotonic() < self._retry:
                return []
            sock = socket.socket()
            sock.setblocking(False)
            err = sock.connect_ex(self.addr)
            if err not in (0, errno.EINPROGRESS):
                sock.close()
                return self._lost(errno.errorcode.get(err, str(err)))
            self.stream = _Stream(sock, self.health)
        events, alive = self.stream.read()
        if not alive:
            return events + self._lost("closed")
        self._backoff = 0.5
        return events

    def _lost(self, why: str) -> list[bytes]:
        self.health.drop("disconnected", f"{self.name}: {why}")
        if self.stream is not None:
            self.stream.sock.close()
            self.stream = None
        self._retry = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, 10.0)
        return []

    def close(self) -> None:
        if self.stream is not None:
            self.stream.sock.close()


class ListenInput(Input):
    """Devices that connect and stream their events (at most ``max_clients`` at once)."""

    def __init__(self, host: str, port: int, health, max_clients: int = 256) -> None:
        self.name, self.health, self.max_clients = f"listen:{host}:{port}", health, max_clients
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind((host, port))
        self.server.listen(64)
        self.server.setblocking(False)
        self.port = self.server.getsockname()[1]
        self.clients: list[_Stream] = []

    def poll(self) -> list[bytes]:
        while True:
            try:
                conn, _ = self.server.accept()
            except (BlockingIOError, InterruptedError):
                break
            if len(self.clients) >= self.max_clients:
                conn.close()
                self.health.drop("too-many-clients", self.name)
                continue
            conn.setblocking(False)
            self.clients.append(_Stream(conn, self.health))
        out: list[bytes] = []
        for client in list(self.clients):
            events, alive = client.read()
            out += events
            if not alive:
                client.sock.close()
                self.clients.remove(client)
        return out

    def close(self) -> None:
        for c in self.clients:
            c.sock.close()
        self.server.close()


def parse_input(spec: str, health, interface: str = "0.0.0.0") -> Input:
    scheme, _, rest = spec.partition(":")
    host, colon, port = rest.rpartition(":")
    if not colon or not port.isdigit() or not host:
        raise ValueError(f"input {spec!r}: expected udp:HOST:PORT, tcp:HOST:PORT or listen:HOST:PORT")
    if scheme == "udp":
        return UdpInput(host, int(port), interface)
    if scheme == "tcp":
        return TcpInput(host, int(port), health)
    if scheme == "listen":
        return ListenInput(host, int(port), health)
    raise ValueError(f"input {spec!r}: unknown kind {scheme!r} (udp, tcp, listen)")


# ---------------------------------------------------------------- out: SitRoom incidents as CoT


class CotOut:
    """Where incident events go: ``udp:HOST:PORT`` (unicast or multicast) or ``tcp:HOST:PORT`` (a TAK server's
    input), dialled again when it drops; what cannot be sent is counted (``send-failed``)."""

    def __init__(self, spec: str, health, ttl: int = 1) -> None:
        scheme, _, rest = spec.partition(":")
        host, colon, port = rest.rpartition(":")
        if scheme not in ("udp", "tcp") or not colon or not port.isdigit():
            raise ValueError(f"--cot-out {spec!r}: expected udp:HOST:PORT or tcp:HOST:PORT")
        self.scheme, self.addr, self.health = scheme, (host, int(port)), health
        self.sock: socket.socket | None = None
        self.ttl = ttl
        self.sent = 0

    def send(self, data: bytes) -> None:
        try:
            if self.sock is None:
                if self.scheme == "udp":
                    self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, self.ttl)
                else:
                    self.sock = socket.create_connection(self.addr, timeout=2.0)
            if self.scheme == "udp":
                self.sock.sendto(data, self.addr)
            else:
                self.sock.sendall(data)
            self.sent += 1
        except OSError as exc:
            self.health.drop("send-failed", f"{self.scheme}:{self.addr[0]}:{self.addr[1]}: {exc}")
            if self.sock is not None:
                self.sock.close()
                self.sock = None

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()


@dataclass
class IncidentsOut:
    """Incidents of a SitRoom feed (a FeedClient) sent on as CoT: when they change, and every minute while open."""

    client: object  # services.feeds.client.FeedClient
    out: CotOut
    open: dict[str, tuple[dict, float]] = field(default_factory=dict)  # id -> (incident, last sent, monotonic)

    def step(self) -> None:
        from sitroom.services.feeds.protocol import Kind

        now, wall = time.monotonic(), now_ms()
        for d in self.client.drain():  # type: ignore[attr-defined]
            if d.message.env.kind != Kind.INCIDENT:
                continue
            inc = d.message.payload
            known = self.open.get(inc["id"])
            if known is not None and known[0] == inc:
                continue
            done = inc.get("status") in ("closed", "cancelled")
            self.out.send(incident_event(inc, wall, closed=done))
            if done:
                self.open.pop(inc["id"], None)
            else:
                self.open[inc["id"]] = (inc, now)
        for key, (inc, sent) in list(self.open.items()):
            if now - sent >= RESEND_OPEN_S:
                self.out.send(incident_event(inc, wall))
                self.open[key] = (inc, now)

    def close(self) -> None:
        self.client.stop()  # type: ignore[attr-defined]
        self.out.close()


# ---------------------------------------------------------------- the adapter


class CotAdapter:
    def __init__(self, adapter: Adapter, inputs: list[Input], *, ids: VehicleIds | None = None,
                 unit_types: dict[str, int] | None = None, incidents: IncidentsOut | None = None,
                 clock: Callable[[], int] = now_ms) -> None:
        self.adapter, self.inputs, self.incidents = adapter, inputs, incidents
        self.ids = ids or VehicleIds(ID_BASE, numeric=False)
        self.unit_types = sorted((unit_types or {}).items(), key=lambda kv: -len(kv[0]))
        self.clock = clock
        self.batch = Batcher()
        self.pings = 0

    def take(self, data: bytes, where: str = "") -> None:
        health = self.adapter.health
        health.received += 1
        try:
            ev = parse_event(data)
            now = self.clock()
            if ev.uid.startswith(OWN_UID_PREFIX):
                return  # our own incidents, heard back on the multicast group we send to
            if ev.stale_ms is not None and ev.stale_ms < now:
                raise Dropped("stale", f"{ev.uid}: stale since {iso(ev.stale_ms)}")
            if ev.type.startswith("a-"):
                self._unit(ev)
            elif ev.type.startswith(("b-", "u-")):
                mark = {"id": ev.uid, "type": ev.type, "lon": ev.lon, "lat": ev.lat, "ts": ev.time_ms}
                if ev.stale_ms is not None:
                    mark["stale"] = ev.stale_ms
                if ev.callsign:
                    mark["label"] = ev.callsign
                if ev.remarks:
                    mark["text"] = ev.remarks
                self.adapter.marker(mark)
            elif ev.type.startswith("t-"):
                self.pings += 1
            else:
                raise Dropped("unknown-type", f"{ev.uid}: type {ev.type!r}")
        except Dropped as exc:
            health.drop(exc.reason, f"{where}: {exc.detail}" if where else exc.detail)

    def _unit(self, ev: CotEvent) -> None:
        vtype = next((t for prefix, t in self.unit_types if ev.type.startswith(prefix)), 0)
        vid = self.ids(ev.uid)
        speed = ev.speed_ms * 3.6 if math.isfinite(ev.speed_ms) and ev.speed_ms >= 0 else math.nan
        self.batch.add(avl_record(vid, ev.time_ms, ev.lon, ev.lat, vtype=vtype,
                                  status=int(VehicleStatus.AVAILABLE), speed_kmh=speed, heading=ev.course))
        info = {"id": vid, "ref": ev.uid, "src_kind": "cot"}
        if ev.callsign:
            info["label"] = ev.callsign
        self.adapter.describe(info)

    def step(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            got = False
            for inp in self.inputs:
                for data in inp.poll():
                    got = True
                    self.take(data, inp.name)
            self.batch.flush(self.adapter)
            if self.incidents is not None:
                self.incidents.step()
                self.adapter.health.extra["cot_out"] = self.incidents.out.sent
            self.adapter.health.extra["pings"] = self.pings
            if time.monotonic() >= deadline:
                return
            if not got:
                time.sleep(0.01)

    def close(self) -> None:
        for inp in self.inputs:
            inp.close()
        if self.incidents is not None:
            self.incidents.close()


def unit_type_rules(specs: list[str]) -> dict[str, int]:
    """``PREFIX=TYPE`` rules (``a-f-G-U-C-F=fire``): the longest matching prefix gives a unit's vehicle type."""
    from sitroom.services.vocabulary import VehicleType

    out = {}
    for spec in specs:
        prefix, eq, name = spec.partition("=")
        if not eq or not prefix.startswith("a-") or name.upper() not in VehicleType.__members__:
            raise ValueError(f"--unit-type {spec!r}: expected a-…PREFIX=TYPE (bus, taxi, fire, ambulance, police)")
        out[prefix] = int(VehicleType[name.upper()])
    return out
