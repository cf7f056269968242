"""What every adapter shares: its publisher, its health counters and its loop.

An adapter is a process of its own (``sitroom adapter KIND``) that reads equipment nobody here wrote (NMEA
receivers, MQTT sensors, GTFS-realtime feeds, TAK devices, CSV exports) and publishes SitRoom feeds. It publishes
through the demo backends' plumbing: :class:`~services.feeds.publisher.Publisher` (heartbeats, per-topic
sequence numbers, a snapshot socket beside the feed for late joiners, CURVE from ``SITROOM_KEY`` …) and
:func:`~services.sim.runner.run_loop` (heartbeats every second, a clean stop on SIGTERM/SIGINT, on its parent's
death or after ``--duration``).

Everything an adapter reads is outside input: whatever it cannot use is **counted by reason** and never ends
the process. The counts ride in every heartbeat's payload as ``"health"`` (docs/protocol.md §7), so the control
room's Feeds dock shows them in the feed's tooltip, and the adapter logs each reason the first time it occurs.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from sitroom.services.facilities import wire
from sitroom.services.feeds import protocol
from sitroom.services.feeds.protocol import AVL_DTYPE, SENSOR_DTYPE, DecodeError, Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.feeds.security import Security
from sitroom.services.sim.runner import run_loop

log = logging.getLogger(__name__)

# Reasons kept in a heartbeat (the commonest): the map stays small whatever the input does.
MAX_REASONS = 24
# Vehicle ids that come as text (a TAK uid, a GTFS vehicle id, an NMEA talker's device name) are hashed into a
# range of their own per adapter, far above the demo fleet's (< 1,000,000), so they never clash with it.
HASHED_ID_SPAN = 1 << 28


class Dropped(ValueError):
    """An input item the adapter cannot use: ``reason`` is counted in the adapter's health."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class AdapterHealth:
    """Received, published and dropped-by-reason counts of one adapter; any thread may count."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.received = 0  # input items read (sentences, rows, MQTT messages, CoT events, GTFS entities)
        self.published = 0  # records and maps sent on the feed
        self.dropped: Counter[str] = Counter()
        self.last_error = ""
        self.extra: dict[str, int | float | str] = {}  # adapter-specific figures (e.g. "connected": 1)
        self._logged: set[str] = set()
        self._lock = threading.Lock()

    def drop(self, reason: str, detail: str = "", n: int = 1) -> None:
        with self._lock:
            self.dropped[reason] += n
            self.last_error = f"{reason}: {detail}" if detail else reason
            first = reason not in self._logged
            self._logged.add(reason)
        if first:  # once per reason: a broken device cannot flood the log
            log.warning("adapter %s: dropping input: %s (further ones are only counted)", self.kind,
                        self.last_error[:300])

    def as_map(self) -> dict[str, Any]:
        """The heartbeat's ``health`` map: bounded whatever the input does."""
        with self._lock:
            dropped = dict(self.dropped.most_common(MAX_REASONS))
            out: dict[str, Any] = {"kind": f"adapter {self.kind}", "received": self.received,
                                   "published": self.published, "dropped": dropped}
            out.update(self.extra)
            if self.last_error:
                out["last_error"] = self.last_error[:200]
        return out

    def total_dropped(self) -> int:
        return sum(self.dropped.values())


def hashed_id(text: str, base: int) -> int:
    """A stable vehicle id for a textual one: the same on every run and every machine (CRC-32, not ``hash``)."""
    return base + zlib.crc32(text.encode("utf-8")) % HASHED_ID_SPAN


class VehicleIds:
    """Vehicle ids for outside identifiers: a mapping given by the user first, then the identifier itself when it
    is a number that fits (``numeric``), else :func:`hashed_id` in the adapter's own range."""

    def __init__(self, base: int, mapping: dict[str, int] | None = None, *, numeric: bool = True) -> None:
        self.base = base
        self.mapping = dict(mapping or {})
        self.numeric = numeric
        self.refs: dict[int, str] = {}  # vehicle id -> outside identifier (for descriptions)

    def __call__(self, ref: str) -> int:
        vid = self.mapping.get(ref)
        if vid is None:
            numeric = self.numeric and ref.isdigit() and int(ref) < 2**32
            vid = int(ref) if numeric else hashed_id(ref, self.base)
        self.refs[vid] = ref
        return vid


def load_id_map(path: str | None) -> dict[str, int]:
    """``DEVICE,VEHICLE_ID`` per line (CSV, ``#`` comments): outside identifiers to the ids the room knows."""
    if not path:
        return {}
    out: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            ref, _, vid = line.partition(",")
            if not vid.strip().isdigit() or int(vid) >= 2**32:
                raise ValueError(f"{path} line {n}: expected DEVICE,VEHICLE_ID (an integer below 2^32)")
            out[ref.strip()] = int(vid)
    return out


def load_facilities(path: str | None) -> list[dict]:
    """A JSON list of facility maps (docs/protocol.md §6.4), each checked as the receiver will."""
    if not path:
        return []
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of facilities")
    for i, fac in enumerate(data):
        try:
            wire.validate_facility(fac)
        except DecodeError as exc:
            raise ValueError(f"{path}: facility {i}: {exc}") from None
    return data


class Adapter:
    """One adapter's publishing side: the feed (PUB, snapshot ROUTER, heartbeats with its health), the checks
    the receiver would make (so a bad item is counted here, where it can be fixed, not dropped by every desk)."""

    def __init__(self, kind: str, endpoint: str, *, src: str | None = None, security: Security | None = None,
                 snapshot: str | None = None, publisher: Publisher | None = None) -> None:
        self.kind = kind
        self.health = AdapterHealth(kind)
        if publisher is None:
            security = security if security is not None else Security.from_env()
            snap = snapshot if snapshot is not None else protocol.snapshot_endpoint(endpoint)
            publisher = Publisher(endpoint, src or f"adapter-{kind}", snapshot=snap, security=security)
        self.pub = publisher
        self.pub.health = self.health.as_map
        self._info: dict[int, dict] = {}  # vehicle id -> the description last sent
        self._last_log = time.monotonic()

    # ------------------------------------------------------------ what adapters publish

    def vehicles(self, records: np.ndarray) -> None:
        """AVL records; those whose position the receiver would refuse are counted (``bad-position``) instead."""
        if not len(records):
            return
        good = (np.abs(records["lon"]) <= 180.0) & (np.abs(records["lat"]) <= 90.0)
        if not good.all():
            self.health.drop("bad-position", f"{int((~good).sum())} records", int((~good).sum()))
            records = records[good]
        if len(records):
            self.pub.send_records(Topic.AVL, Kind.AVL_BATCH, np.ascontiguousarray(records, dtype=AVL_DTYPE))
            self.health.published += len(records)

    def describe(self, info: dict) -> None:
        """A vehicle's label, route, trip … on ``veh``, sent only when it changed."""
        if self._info.get(info["id"]) == info:
            return
        self._send_map(Topic.VEHICLE_INFO, Kind.VEHICLE_INFO, info, protocol.validate_vehicle_info)
        self._info[info["id"]] = info

    def incident(self, payload: dict) -> None:
        self._send_map(Topic.INCIDENT, Kind.INCIDENT, payload, protocol.validate_incident)

    def marker(self, payload: dict) -> None:
        self._send_map(Topic.MARKER, Kind.MARKER, payload, protocol.validate_marker)

    def facility(self, payload: dict) -> None:
        self._send_map(wire.FACILITY_TOPIC, wire.FACILITY_KIND, payload, wire.validate_facility)

    def device_event(self, payload: dict) -> None:
        self._send_map(wire.EVENT_TOPIC, wire.EVENT_KIND, payload, wire.validate_event)

    def readings(self, facility: str, records: np.ndarray) -> None:
        if len(records):
            self.pub.send_records(wire.readings_topic(facility), Kind.SENSOR,
                                  np.ascontiguousarray(records, dtype=SENSOR_DTYPE))
            self.health.published += len(records)

    def _send_map(self, topic: bytes, kind: str, payload: dict, validate: Callable[[dict], dict]) -> None:
        try:
            validate(payload)
        except DecodeError as exc:
            self.health.drop(exc.reason, exc.detail)
            return
        try:
            self.pub.send_map(topic, kind, payload)
        except (ValueError, TypeError) as exc:  # e.g. a value msgpack cannot carry
            self.health.drop("unencodable", str(exc))
            return
        self.health.published += 1

    # ------------------------------------------------------------ the process

    def run(self, step: Callable[[float], None], *, parent_pid: int | None = None,
            duration_s: float | None = None, close: Callable[[], None] | None = None) -> None:
        """Call ``step(timeout_s)`` over and over (it waits at most that long for input) with heartbeats in between,
        until SIGTERM/SIGINT, the parent's death or ``duration_s``; then ``close`` and a last line of figures.

        A bug in ``step`` on one input is counted (``adapter-error``) and the loop goes on: the adapter outlives
        whatever its equipment sends."""

        def tick(_n: int, _wall: float) -> None:
            try:
                step(0.1)
            except Dropped as exc:
                self.health.drop(exc.reason, exc.detail)
            except Exception as exc:  # never the end of the adapter
                self.health.drop("adapter-error", f"{type(exc).__name__}: {exc}")
                log.debug("adapter %s: step failed", self.kind, exc_info=True)
            now = time.monotonic()
            if now - self._last_log >= 30.0:
                self._last_log = now
                log.info("adapter %s: %s", self.kind, self.health.as_map())

        try:
            run_loop(self.pub, tick, period_s=0.0, parent_pid=parent_pid, duration_s=duration_s)
        finally:
            if close is not None:
                close()
            print(json.dumps(self.health.as_map(), ensure_ascii=False), file=sys.stderr, flush=True)

    def close(self) -> None:
        self.pub.close()


def avl_record(vid: int, ts_ms: int, lon: float, lat: float, *, vtype: int = 0, status: int = 0,
               speed_kmh: float = float("nan"), heading: float = float("nan")) -> np.ndarray:
    rec = np.zeros(1, dtype=AVL_DTYPE)
    rec["id"], rec["type"], rec["status"], rec["ts"] = vid, vtype, status, ts_ms
    rec["lon"], rec["lat"], rec["speed"] = lon, lat, speed_kmh
    rec["heading"] = heading % 360.0 if np.isfinite(heading) else heading
    return rec


class Batcher:
    """The latest AVL record per vehicle since the last flush: a burst of sentences becomes one message."""

    def __init__(self) -> None:
        self._latest: dict[int, np.ndarray] = {}

    def add(self, rec: np.ndarray) -> None:
        self._latest[int(rec["id"][0])] = rec

    def flush(self, adapter: Adapter) -> None:
        if self._latest:
            batch = np.concatenate(list(self._latest.values()))
            self._latest.clear()
            adapter.vehicles(batch)
