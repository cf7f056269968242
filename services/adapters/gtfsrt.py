"""GTFS-realtime adapter (``sitroom adapter gtfsrt``): a transit agency's vehicle positions as vehicles.

It reads a ``FeedMessage`` (the official ``gtfs-realtime-bindings``) from a URL polled every ``interval`` seconds
or from a file (read again whenever it changes), and publishes:

- each ``VehiclePosition`` with a position as an AVL record (type bus unless told, speed m/s → km/h, bearing);
- each vehicle's description on ``veh``: the outside vehicle id, its label, route (the static feed's short name
  with ``--static``), trip, and the delay in seconds that the ``TripUpdate`` of its trip gives, when there is one.

The fetch runs on a thread of its own, so a slow server never holds up the heartbeats. What cannot be used is
counted: ``fetch-failed`` (HTTP errors, time-outs, a missing file), ``bad-protobuf`` (not a FeedMessage, or one
missing required fields), ``no-position``, ``bad-position``, ``unsupported`` (alerts and other entities).
A feed whose header timestamp has not moved is not sent again (``unchanged`` polls are only a figure).
"""

from __future__ import annotations

import logging
import math
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from google.protobuf.message import DecodeError as ProtobufDecodeError
from google.transit import gtfs_realtime_pb2

from sitroom.services.adapters.base import Adapter, VehicleIds, avl_record
from sitroom.services.feeds.protocol import now_ms
from sitroom.services.vocabulary import VehicleStatus, VehicleType

log = logging.getLogger(__name__)

ID_BASE = 0x6000_0000
MAX_FEED_BYTES = 64 * 1024 * 1024
FETCH_TIMEOUT_S = 15.0
USER_AGENT = "SitRoom GTFS-realtime adapter"


def parse_feed(data: bytes) -> gtfs_realtime_pb2.FeedMessage:
    """A FeedMessage, or ValueError when the bytes are not one."""
    feed = gtfs_realtime_pb2.FeedMessage()
    try:
        feed.ParseFromString(data)
    except (ProtobufDecodeError, RuntimeError, ValueError) as exc:
        raise ValueError(f"not a GTFS-realtime FeedMessage: {exc}") from None
    if not feed.IsInitialized():
        raise ValueError("a FeedMessage missing required fields: " + ", ".join(feed.FindInitializationErrors()[:5]))
    return feed


class GtfsRtAdapter:
    def __init__(self, adapter: Adapter, *, url: str | None = None, path: Path | None = None,
                 interval_s: float = 15.0, ids: VehicleIds | None = None, vtype: int = int(VehicleType.BUS),
                 routes: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> None:
        if (url is None) == (path is None):
            raise ValueError("give a URL or a file")
        self.adapter, self.url, self.path = adapter, url, Path(path) if path is not None else None
        self.interval_s = max(interval_s, 0.1)
        self.ids = ids or VehicleIds(ID_BASE, numeric=False)
        self.vtype, self.routes, self.headers = vtype, routes or {}, headers or {}
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="gtfsrt-fetch")
        self._pending: Future | None = None
        self._next = 0.0
        self._stamp: object = None  # the last feed's header timestamp (or the file's mtime)
        self.delays: dict[str, int] = {}  # trip id -> seconds late (negative: early)
        self.polls = self.unchanged = 0

    # ------------------------------------------------------------ fetching (on the pool's thread)

    def _fetch(self) -> tuple[bytes | None, object]:
        if self.path is not None:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
            if stamp == self._stamp:
                return None, stamp
            return self.path.read_bytes()[: MAX_FEED_BYTES + 1], stamp
        req = urllib.request.Request(self.url, headers={"User-Agent": USER_AGENT, **self.headers})
        with urllib.request.urlopen(req, timeout=FETCH_TIMEOUT_S) as resp:
            return resp.read(MAX_FEED_BYTES + 1), None

    # ------------------------------------------------------------ the loop

    def step(self, timeout: float) -> None:
        now = time.monotonic()
        if self._pending is None and now >= self._next:
            self._pending = self._pool.submit(self._fetch)
            self._next = now + self.interval_s
        if self._pending is not None:
            try:
                data, stamp = self._pending.result(timeout=timeout)
            except TimeoutError:
                return
            except (OSError, urllib.error.URLError, ValueError) as exc:
                self._pending = None
                self.adapter.health.drop("fetch-failed", f"{self.url or self.path}: {exc}")
                return
            self._pending = None
            self.polls += 1
            if data is None:
                self.unchanged += 1
            else:
                if stamp is not None:
                    self._stamp = stamp
                self.take(data)
            self.adapter.health.extra.update({"polls": self.polls, "unchanged": self.unchanged})
        else:
            time.sleep(min(timeout, max(0.0, self._next - now)))

    def take(self, data: bytes) -> None:
        """One fetched feed: vehicles and their descriptions published, what cannot be used counted."""
        health = self.adapter.health
        if len(data) > MAX_FEED_BYTES:
            health.received += 1
            health.drop("oversized", f"a feed over {MAX_FEED_BYTES} bytes")
            return
        try:
            feed = parse_feed(data)
        except ValueError as exc:
            health.received += 1
            health.drop("bad-protobuf", str(exc))
            return
        if self.url is not None:
            stamp = feed.header.timestamp or None
            if stamp is not None and stamp == self._stamp:
                self.unchanged += 1
                return
            self._stamp = stamp
        header_ms = feed.header.timestamp * 1000 if feed.header.timestamp else now_ms()
        positions = []
        for entity in feed.entity:
            if entity.HasField("trip_update"):
                self._trip_update(entity.trip_update)
        for entity in feed.entity:
            health.received += 1
            if entity.is_deleted:
                continue
            if entity.HasField("vehicle"):
                rec = self._vehicle(entity, header_ms)
                if rec is not None:
                    positions.append(rec)
            elif not entity.HasField("trip_update"):
                health.drop("unsupported", f"entity {entity.id[:40]} (alerts and others are not shown)")
        if positions:
            self.adapter.vehicles(np.concatenate(positions))

    def _trip_update(self, tu) -> None:
        delay = tu.delay if tu.HasField("delay") else None
        if delay is None:
            for stu in tu.stop_time_update:
                for event in (stu.arrival, stu.departure):
                    if event.HasField("delay"):
                        delay = event.delay
                        break
                if delay is not None:
                    break
        if delay is not None and tu.trip.trip_id:
            self.delays[tu.trip.trip_id] = int(delay)

    def _vehicle(self, entity, header_ms: int) -> np.ndarray | None:
        health = self.adapter.health
        vp = entity.vehicle
        if not vp.HasField("position"):
            health.drop("no-position", f"entity {entity.id[:40]}")
            return None
        pos = vp.position
        lon, lat = float(pos.longitude), float(pos.latitude)
        if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90) or (
                lon == 0 and lat == 0):
            health.drop("bad-position", f"entity {entity.id[:40]}: {lon}, {lat}")
            return None
        ref = vp.vehicle.id or entity.id
        if not ref:
            health.drop("missing-field", "a vehicle with neither vehicle.id nor entity id")
            return None
        vid = self.ids(ref)
        ts = vp.timestamp * 1000 if vp.timestamp else header_ms
        rec = avl_record(vid, ts, lon, lat, vtype=self.vtype, status=int(VehicleStatus.AVAILABLE),
                         speed_kmh=pos.speed * 3.6 if pos.HasField("speed") else math.nan,
                         heading=pos.bearing if pos.HasField("bearing") else math.nan)
        route = vp.trip.route_id
        info: dict = {"id": vid, "ref": ref[:128], "src_kind": "gtfsrt"}
        if vp.vehicle.label:
            info["label"] = vp.vehicle.label[:128]
        if route:
            info["route"] = self.routes.get(route, route)[:128]
        if vp.trip.trip_id:
            info["trip"] = vp.trip.trip_id[:128]
            if vp.trip.trip_id in self.delays:
                info["delay_s"] = self.delays[vp.trip.trip_id]
        self.adapter.describe(info)
        return rec

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
