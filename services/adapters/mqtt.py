"""MQTT adapter (``sitroom adapter mqtt``): facility sensors reporting over MQTT as SitRoom readings.

It subscribes to topic filters on a broker (paho-mqtt; MQTT 3.1.1, TLS and user/password optional) and maps
each message's JSON payload to sensor readings (``sens.<facility>``) or facility metadata (``fac``) with a
mapping file of ``[[topic]]`` tables, one per filter (services/adapters/mapping.py says what a table holds; a
field may also be a level of the message's topic: ``topic:1`` is the second level)::

    [[topic]]
    filter = "daejeon/+/sensors/#"
    kind = "sensor"
    [topic.fields]
    facility = "topic:1"
    id = "sensor_id"
    value = "reading.value"
    ts = "ts"

A payload may hold one object or a list of them. What cannot be used is counted: ``bad-json`` (not JSON: a
device sending plain numbers or binary), ``oversized``, ``unmapped-topic``, and the mapping's reasons
(``missing-field``, ``bad-field``, ``bad-time``); lost connections as ``disconnected``, refused ones as
``broker-refused``. The adapter dials the broker again itself, backing off to 10 s.
"""

from __future__ import annotations

import json
import logging
import ssl
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import paho.mqtt.client as mqtt

from sitroom.services.adapters.base import Adapter, Dropped
from sitroom.services.adapters.mapping import TOPIC_LEVELS, Mapping, MappingError
from sitroom.services.feeds.protocol import now_ms

log = logging.getLogger(__name__)

MAX_PAYLOAD = 256 * 1024
RETRY_MIN_S, RETRY_MAX_S = 0.5, 10.0


@dataclass
class Route:
    filter: str
    qos: int
    mapping: Mapping


def load_routes(data: dict) -> list[Route]:
    """The ``[[topic]]`` tables of a mapping file."""
    tables = data.get("topic")
    if not isinstance(tables, list) or not tables:
        raise MappingError("an MQTT mapping needs [[topic]] tables (filter, kind, fields)")
    routes = []
    for i, table in enumerate(tables):
        if not isinstance(table, dict) or not isinstance(table.get("filter"), str) or not table["filter"]:
            raise MappingError(f"[[topic]] {i + 1}: give its filter, e.g. filter = \"city/+/sensors\"")
        qos = table.get("qos", 1)
        if qos not in (0, 1, 2):
            raise MappingError(f"[[topic]] {table['filter']}: qos is 0, 1 or 2")
        body = {k: v for k, v in table.items() if k not in ("filter", "qos")}
        try:
            mapping = Mapping.from_dict(body)
        except MappingError as exc:
            raise MappingError(f"[[topic]] {table['filter']}: {exc}") from None
        if mapping.kind not in ("sensor", "facility"):
            raise MappingError(f"[[topic]] {table['filter']}: kind is sensor or facility")
        routes.append(Route(table["filter"], qos, mapping))
    return routes


@dataclass
class BrokerOptions:
    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None  # None with tls: the system's CAs
    cert_file: str | None = None
    key_file: str | None = None
    client_id: str = ""
    keepalive: int = 30


class MqttAdapter:
    """The broker connection and the mapping: ``step`` runs paho's network loop in the adapter loop's thread, so
    messages are published on the feed from that one thread."""

    def __init__(self, adapter: Adapter, routes: list[Route], options: BrokerOptions, *,
                 default_facility: str = "mqtt") -> None:
        self.adapter, self.routes, self.options = adapter, routes, options
        self.default_facility = default_facility
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=options.client_id,
                                  protocol=mqtt.MQTTv311)
        if options.username is not None:
            self.client.username_pw_set(options.username, options.password)
        if options.tls:
            self.client.tls_set(ca_certs=options.ca_file, certfile=options.cert_file, keyfile=options.key_file,
                                cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.connected = False
        self._socket_open = False
        self._retry, self._backoff = 0.0, RETRY_MIN_S
        self._dialled = False
        self.readings: dict[str, list[np.ndarray]] = defaultdict(list)
        self.messages = 0

    # ------------------------------------------------------------ paho's callbacks (in step's thread)

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            self.adapter.health.drop("broker-refused", str(reason_code))
            return
        self.connected = True
        self._backoff = RETRY_MIN_S
        client.subscribe([(r.filter, r.qos) for r in self.routes])
        log.info("mqtt: connected to %s:%d, subscribed to %s", self.options.host, self.options.port,
                 ", ".join(r.filter for r in self.routes))

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties) -> None:
        if self.connected:
            self.adapter.health.drop("disconnected", f"{self.options.host}:{self.options.port}: {reason_code}")
        self.connected = False
        self._socket_open = False
        self._retry = time.monotonic() + self._backoff

    def _on_message(self, _client, _userdata, msg) -> None:
        health = self.adapter.health
        self.messages += 1
        try:
            route = next((r for r in self.routes if mqtt.topic_matches_sub(r.filter, msg.topic)), None)
            if route is None:
                raise Dropped("unmapped-topic", msg.topic[:80])
            if len(msg.payload) > MAX_PAYLOAD:
                raise Dropped("oversized", f"{msg.topic}: {len(msg.payload)} bytes")
            try:
                data = json.loads(msg.payload)
            except (ValueError, UnicodeDecodeError):
                raise Dropped("bad-json", f"{msg.topic}: {bytes(msg.payload[:40])!r}") from None
        except Dropped as exc:
            health.received += 1
            health.drop(exc.reason, exc.detail)
            return
        items = data if isinstance(data, list) else [data]
        levels = msg.topic.split("/")
        stamp = now_ms()
        for item in items:
            health.received += 1
            if not isinstance(item, dict):
                health.drop("bad-json", f"{msg.topic}: {type(item).__name__}, not an object")
                continue
            item = {**item, TOPIC_LEVELS: levels}
            try:
                if route.mapping.kind == "sensor":
                    facility, rec = route.mapping.reading(item, stamp)
                    self.readings[facility or self.default_facility].append(rec)
                else:
                    self.adapter.facility(route.mapping.facility(item))
            except Dropped as exc:
                health.drop(exc.reason, f"{msg.topic}: {exc.detail}")

    # ------------------------------------------------------------ the loop

    def step(self, timeout: float) -> None:
        if not self._socket_open:
            if time.monotonic() < self._retry:
                time.sleep(min(timeout, self._retry - time.monotonic()))
                return
            try:
                if self._dialled:
                    self.client.reconnect()
                else:
                    self._dialled = True
                    self.client.connect(self.options.host, self.options.port, self.options.keepalive)
                self._socket_open = True
            except (OSError, ssl.SSLError, ValueError) as exc:
                self.adapter.health.drop("broker-unreachable", f"{self.options.host}:{self.options.port}: {exc}")
                self._retry = time.monotonic() + self._backoff
                self._backoff = min(self._backoff * 2, RETRY_MAX_S)
                return
        rc = self.client.loop(timeout=timeout)
        if rc != mqtt.MQTT_ERR_SUCCESS and self._socket_open:
            if self.connected:
                self.adapter.health.drop("disconnected", f"{self.options.host}:{self.options.port}: "
                                                         f"{mqtt.error_string(rc)}")
            self.connected = False
            self._socket_open = False
            self._retry = time.monotonic() + self._backoff
            self._backoff = min(self._backoff * 2, RETRY_MAX_S)
        self.flush()
        self.adapter.health.extra["connected"] = int(self.connected)

    def flush(self) -> None:
        for facility, recs in self.readings.items():
            self.adapter.readings(facility, np.concatenate(recs))
        self.readings.clear()

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:  # closing whatever state the connection is in
            log.debug("mqtt: disconnect failed", exc_info=True)


def parse_broker(text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    if not colon:
        return text, 1883
    if not port.isdigit():
        raise ValueError(f"broker {text!r}: expected HOST[:PORT]")
    return host.strip("[]"), int(port)


def routes_from_file(path) -> list[Route]:
    from sitroom.services.adapters.mapping import load

    return load_routes(load(path))
