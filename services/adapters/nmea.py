"""NMEA 0183 adapter (``sitroom adapter nmea``): on-board GPS receivers as vehicles.

Inputs, any number of them, each one stream per vehicle or several vehicles multiplexed:

- ``serial:/dev/ttyUSB0@4800`` (pyserial; any pyserial URL works too, e.g. ``rfc2217://host:port``),
- ``tcp:HOST:PORT`` (a gateway or a receiver serving NMEA over TCP; dialled again when it drops),
- ``file:PATH`` (a recorded log, replayed at its own pace: the time between two fixes as recorded, over
  ``speed``).

An input named ``…=ID`` is one vehicle's stream (``serial:/dev/ttyUSB0=bus-12``). Without it each sentence says
whose it is: an NMEA 4 TAG block's source (``\\s:bus-12*hh\\$GPRMC,…``, its own checksum checked) or a device id
before the sentence (``bus-12,$GPRMC,…``). Ids that are numbers are used as vehicle ids; others go through
``--id-map`` or are hashed into the adapter's range (base.hashed_id).

Sentences: GGA and RMC give fixes (RMC also the date, speed and course), VTG speed and course. Every sentence's
checksum is checked. What cannot be used is counted (``bad-checksum``, ``no-checksum``, ``truncated``,
``unparseable``, ``no-fix``, ``unknown-device``, ``unsupported`` for other sentence types, which are
normal on a receiver and only counted; ``serial-error``, ``disconnected`` for the links).

Why pynmea2 and not Qt's ``QNmeaPositionInfoSource``: see README "NMEA 0183". In short: an adapter is a Qt-free
process (tests/test_house.py), and QtPositioning's source handles one device per source, gives no count of the
sentences it rejects (a bad checksum is silently skipped), and needs an event loop and a QIODevice per stream.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import re
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pynmea2

from sitroom.services.adapters.base import Adapter, Batcher, Dropped, VehicleIds, avl_record
from sitroom.services.feeds.protocol import now_ms
from sitroom.services.vocabulary import VehicleStatus

log = logging.getLogger(__name__)

ID_BASE = 0x5000_0000
KNOTS_TO_KMH = 1.852
MAX_LINE = 1024  # NMEA allows 82 characters; a TAG block and a device id make it longer, garbage much longer
# Fields (after the sentence type) a sentence must have to be read at all: shorter is a truncated sentence.
MIN_FIELDS = {"GGA": 9, "RMC": 9, "VTG": 7}
_TAG_RE = re.compile(r"^\\([^\\]*)\\(.*)$")
_DEVICE_RE = re.compile(r"^([A-Za-z0-9._:-]{1,64})[,;: \t]+(\$.*)$")
_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_TIME_RE = re.compile(r"^\$..(?:GGA|RMC),(\d{2})(\d{2})(\d{2}(?:\.\d+)?)")


def checksum(body: str) -> str:
    """The two hex digits of an NMEA checksum: XOR of the characters between ``$`` (or ``\\``) and ``*``."""
    c = 0
    for ch in body:
        c ^= ord(ch)
    return f"{c:02X}"


def sentence(body: str) -> str:
    """``$BODY*hh``: a sentence with its checksum (tests and tools write logs with it)."""
    return f"${body}*{checksum(body)}"


def split_device(line: str) -> tuple[str | None, str]:
    """(device id or None, the sentence): a TAG block's ``s:`` source or an id before ``$``; raises Dropped."""
    m = _TAG_RE.match(line)
    if m:
        tag, rest = m.groups()
        content, star, cs = tag.rpartition("*")
        if not star or len(cs) != 2:
            raise Dropped("no-checksum", f"TAG block {tag[:40]!r}")
        if checksum(content) != cs.upper():
            raise Dropped("bad-checksum", f"TAG block {tag[:40]!r}")
        params = dict(p.split(":", 1) for p in content.split(",") if ":" in p)
        return params.get("s") or None, rest
    if line.startswith("$") or line.startswith("!"):
        return None, line
    m = _DEVICE_RE.match(line)
    if m:
        return m.group(1), m.group(2)
    raise Dropped("unparseable", line[:40])


def _utc(day: date, t) -> datetime:
    return datetime(day.year, day.month, day.day, t.hour, t.minute, t.second, t.microsecond, tzinfo=UTC)


@dataclass
class _Device:
    vid: int
    day: date | None = None  # from RMC
    speed: float = math.nan  # km/h, from RMC or VTG
    heading: float = math.nan


@dataclass
class NmeaDecoder:
    """Sentences in, AVL records out; all state per device. No I/O: the sources feed it lines."""

    adapter: Adapter
    ids: VehicleIds
    vtype: int = 0
    status: int = int(VehicleStatus.AVAILABLE)
    multiplexed_only: bool = False  # every line must name its device
    devices: dict[str, _Device] = field(default_factory=dict)

    def line(self, raw: str | bytes, stream: str | None = None, now: int | None = None) -> np.ndarray | None:
        """One line of a stream whose own vehicle is ``stream`` (None: multiplexed); an AVL record for a fix.
        Raises Dropped for whatever cannot be used."""
        now = now_ms() if now is None else now
        if isinstance(raw, bytes):
            raw = raw.decode("ascii", errors="replace")
        text = raw.strip()
        if not text:
            return None
        self.adapter.health.received += 1
        if len(text) > MAX_LINE:
            raise Dropped("unparseable", f"a line of {len(text)} characters")
        device, text = split_device(text)
        device = device or stream
        if device is None:
            raise Dropped("unknown-device", "a multiplexed stream's sentence names no device")
        if "*" not in text:
            kind = text[3:6] if len(text) >= 6 else ""
            fields = text.count(",")
            if kind in MIN_FIELDS and fields < MIN_FIELDS[kind]:
                raise Dropped("truncated", text[:40])
            raise Dropped("no-checksum", text[:40])
        try:
            msg = pynmea2.parse(text, check=True)
        except pynmea2.ChecksumError as exc:
            raise Dropped("bad-checksum", f"{text[:40]}: {exc.args[0][0] if exc.args else ''}") from None
        except pynmea2.SentenceTypeError:
            raise Dropped("unsupported", text[:8]) from None
        except (pynmea2.ParseError, ValueError) as exc:
            raise Dropped("unparseable", f"{text[:40]}: {exc}") from None
        kind = getattr(msg, "sentence_type", "")
        if kind not in MIN_FIELDS:
            raise Dropped("unsupported", text[:8])
        if len(msg.data) < MIN_FIELDS[kind]:
            raise Dropped("truncated", text[:40])
        dev = self.devices.get(device)
        if dev is None:
            dev = self.devices[device] = _Device(self.ids(device))
        try:
            return getattr(self, f"_{kind.lower()}")(msg, dev, now)
        except Dropped:
            raise
        except (ValueError, TypeError, AttributeError) as exc:  # a field pynmea2 could not read
            raise Dropped("unparseable", f"{text[:40]}: {exc}") from None

    def _when(self, dev: _Device, t, now: int) -> int:
        if t is None:
            return now
        today = datetime.fromtimestamp(now / 1000, UTC).date()
        when = _utc(dev.day or today, t)
        if dev.day is None and when.timestamp() * 1000 > now + 12 * 3600_000:  # a fix just before midnight UTC
            when -= timedelta(days=1)
        return int(when.timestamp() * 1000)

    def _gga(self, msg, dev: _Device, now: int) -> np.ndarray:
        if not msg.gps_qual or int(msg.gps_qual) == 0 or not msg.lat or not msg.lon:
            raise Dropped("no-fix", f"GGA quality {msg.gps_qual!r}")
        return avl_record(dev.vid, self._when(dev, msg.timestamp, now), msg.longitude, msg.latitude,
                          vtype=self.vtype, status=self.status, speed_kmh=dev.speed, heading=dev.heading)

    def _rmc(self, msg, dev: _Device, now: int) -> np.ndarray:
        if msg.datestamp:
            dev.day = msg.datestamp
        if msg.status != "A" or not msg.lat or not msg.lon:
            raise Dropped("no-fix", f"RMC status {msg.status!r}")
        if msg.spd_over_grnd not in (None, ""):
            dev.speed = float(msg.spd_over_grnd) * KNOTS_TO_KMH
        if msg.true_course not in (None, ""):
            dev.heading = float(msg.true_course)
        return avl_record(dev.vid, self._when(dev, msg.timestamp, now), msg.longitude, msg.latitude,
                          vtype=self.vtype, status=self.status, speed_kmh=dev.speed, heading=dev.heading)

    def _vtg(self, msg, dev: _Device, _now: int) -> None:
        if msg.spd_over_grnd_kmph not in (None, ""):
            dev.speed = float(msg.spd_over_grnd_kmph)
        if msg.true_track not in (None, ""):
            dev.heading = float(msg.true_track)
        return None


# ---------------------------------------------------------------- sources


class _Lines:
    """Bytes in, complete lines out (a line longer than MAX_LINE without an end is cut and counted)."""

    def __init__(self) -> None:
        self.buf = b""

    def feed(self, data: bytes) -> list[bytes]:
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        if len(self.buf) > 4 * MAX_LINE:
            lines.append(self.buf)  # the decoder counts it as unparseable
            self.buf = b""
        return lines


class Source:
    """One input: ``poll()`` returns the lines read since, without blocking."""

    name = ""
    stream: str | None = None  # the vehicle of a one-vehicle stream

    def poll(self) -> list[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class SerialSource(Source):
    """A serial port (or any pyserial URL), opened again after an error every few seconds."""

    RETRY_S = 2.0

    def __init__(self, port: str, baud: int, health) -> None:
        self.name, self.port, self.baud, self.health = f"serial:{port}", port, baud, health
        self.dev = None
        self.lines = _Lines()
        self._retry = 0.0

    def poll(self) -> list[bytes]:
        import serial

        if self.dev is None:
            if time.monotonic() < self._retry:
                return []
            try:
                self.dev = serial.serial_for_url(self.port, baudrate=self.baud, timeout=0)
            except (serial.SerialException, OSError, ValueError) as exc:
                self._retry = time.monotonic() + self.RETRY_S
                self.health.drop("serial-error", f"{self.port}: {exc}")
                return []
        try:
            waiting = self.dev.in_waiting
            data = self.dev.read(waiting or 1) if waiting or not hasattr(self.dev, "fileno") else self.dev.read(4096)
        except (serial.SerialException, OSError) as exc:
            self.health.drop("serial-error", f"{self.port}: {exc}")
            self.close()
            self._retry = time.monotonic() + self.RETRY_S
            return []
        return self.lines.feed(data) if data else []

    def close(self) -> None:
        if self.dev is not None:
            with contextlib.suppress(Exception):
                self.dev.close()
            self.dev = None


class TcpSource(Source):
    """A TCP server sending NMEA lines (a gateway, a receiver's network port): dialled again when it drops."""

    RETRY_MIN_S, RETRY_MAX_S = 0.5, 10.0

    def __init__(self, host: str, port: int, health) -> None:
        self.name, self.addr, self.health = f"tcp:{host}:{port}", (host, port), health
        self.sock: socket.socket | None = None
        self.lines = _Lines()
        self._retry, self._backoff = 0.0, self.RETRY_MIN_S
        self.connected = False

    def poll(self) -> list[bytes]:
        if self.sock is None:
            if time.monotonic() < self._retry:
                return []
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.setblocking(False)
            self.connected = False
            err = self.sock.connect_ex(self.addr)
            if err not in (0, errno.EINPROGRESS):
                return self._lost(f"connect: {errno.errorcode.get(err, err)}")
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return []
        except OSError as exc:
            return self._lost(str(exc))
        if not data:
            return self._lost("closed by the other end")
        if not self.connected:
            self.connected = True
            self._backoff = self.RETRY_MIN_S
            log.info("nmea: connected to %s", self.name)
        return self.lines.feed(data)

    def _lost(self, why: str) -> list[bytes]:
        if self.connected or self._backoff == self.RETRY_MIN_S:
            self.health.drop("disconnected", f"{self.name}: {why}")
        self.close()
        self._retry = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, self.RETRY_MAX_S)
        return []

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.connected = False
        self.lines = _Lines()


class FileSource(Source):
    """A recorded log, replayed at its own pace: each GGA/RMC's time, from the first one's, over ``speed``
    (0: at once). Other lines go out with the fix before them."""

    def __init__(self, path: Path, speed: float = 1.0, loop: bool = False) -> None:
        self.name, self.path, self.speed, self.loop = f"file:{path}", Path(path), speed, loop
        self.finished = False
        self._open()

    def _open(self) -> None:
        self.f = open(self.path, "rb")  # noqa: SIM115 (closed at the end of the replay)
        self._t0: float | None = None
        self._wall0 = time.monotonic()
        self._pending: bytes | None = None
        self._last = 0.0

    def _due(self, line: bytes) -> float:
        if self.speed == 0:
            return 0.0
        dollar = line.find(b"$")
        m = _TIME_RE.match(line[dollar:].decode("ascii", "replace")) if dollar >= 0 else None
        if m is None:
            return self._last
        t = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
        if self._t0 is None:
            self._t0 = t
        offset = (t - self._t0) % 86_400  # a log across midnight goes on
        self._last = max(self._last, self._wall0 + offset / self.speed)
        return self._last

    def poll(self) -> list[bytes]:
        out: list[bytes] = []
        now = time.monotonic()
        while not self.finished and len(out) < 4096:
            line = self._pending if self._pending is not None else self.f.readline(MAX_LINE * 4)
            self._pending = None
            if not line:
                self.f.close()
                if self.loop:
                    self._open()
                    continue
                self.finished = True
                log.info("nmea: %s replayed", self.path.name)
                break
            if self._due(line) > now:
                self._pending = line
                break
            out.append(line)
        return out

    def close(self) -> None:
        self.f.close()


def parse_input(spec: str, health, *, speed: float = 1.0, loop: bool = False) -> Source:
    """``serial:PORT[@BAUD]``, ``tcp:HOST:PORT`` or ``file:PATH``, each optionally ``=ID`` (one vehicle)."""
    stream = None
    head, eq, tail = spec.rpartition("=")
    if eq and _NAME_RE.match(tail) and ":" in head:
        spec, stream = head, tail
    scheme, colon, rest = spec.partition(":")
    if not colon or not rest:
        raise ValueError(f"input {spec!r}: expected serial:PORT[@BAUD], tcp:HOST:PORT or file:PATH")
    source: Source
    if scheme == "serial":
        port, at, baud = rest.rpartition("@")
        if not at:
            port, baud = rest, "4800"
        if not baud.isdigit():
            raise ValueError(f"input {spec!r}: baud rate {baud!r}")
        source = SerialSource(port, int(baud), health)
    elif scheme == "tcp":
        host, _, port = rest.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"input {spec!r}: expected tcp:HOST:PORT")
        source = TcpSource(host, int(port), health)
    elif scheme == "file":
        if not Path(rest).is_file():
            raise ValueError(f"input {spec!r}: no such file")
        source = FileSource(Path(rest), speed, loop)
    else:
        raise ValueError(f"input {spec!r}: unknown kind {scheme!r} (serial, tcp, file)")
    source.stream = stream
    return source


class NmeaAdapter:
    """The sources, the decoder and the adapter together: ``step`` is the adapter loop's."""

    def __init__(self, adapter: Adapter, sources: list[Source], decoder: NmeaDecoder, *,
                 keep_times: bool = True) -> None:
        self.adapter, self.sources, self.decoder = adapter, sources, decoder
        self.keep_times = keep_times
        self.batch = Batcher()

    def step(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            got = False
            for src in self.sources:
                lines = src.poll()
                got = got or bool(lines)
                replayed = isinstance(src, FileSource)
                for line in lines:
                    try:
                        rec = self.decoder.line(line, src.stream)
                    except Dropped as exc:
                        self.adapter.health.drop(exc.reason, f"{src.name}: {exc.detail}")
                        continue
                    if rec is not None:
                        if replayed and not self.keep_times:
                            rec["ts"] = now_ms()
                        self.batch.add(rec)
            self.batch.flush(self.adapter)
            self.adapter.health.extra["devices"] = len(self.decoder.devices)
            if time.monotonic() >= deadline:
                return
            if not got:
                time.sleep(0.01)

    def close(self) -> None:
        for src in self.sources:
            src.close()
