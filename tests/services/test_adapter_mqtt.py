"""The MQTT adapter through a real broker (Debian's mosquitto, started here): readings and facility metadata from
JSON payloads, payloads that are not JSON counted, user/password and TLS."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from sitroom.services.adapters import mqtt as mqtt_adapter
from sitroom.services.adapters.base import Adapter
from sitroom.services.adapters.mapping import MappingError, load
from sitroom.services.facilities import wire
from sitroom.services.feeds.protocol import Kind
from tests.adapters_util import Receiver, connected

MOSQUITTO = shutil.which("mosquitto") or next((p for p in ("/usr/sbin/mosquitto",) if Path(p).exists()), None)
pytestmark = pytest.mark.skipif(MOSQUITTO is None, reason="needs Debian's mosquitto (./dev setup installs it)")

MAPPING = """
[[topic]]
filter = "daejeon/+/sensors"
kind = "sensor"
[topic.fields]
facility = "topic:1"
id = "sensor_id"
value = "reading.value"
quality = "reading.q"
ts = "ts"

[[topic]]
filter = "daejeon/+/meta"
kind = "facility"
[topic.fields]
id = "site"
kind = "type"
name = "name"
lon = "pos.lon"
lat = "pos.lat"
sensors = "sensors"
"""

FACILITY = {"site": "BR-1", "type": "bridge", "name": "갑천대교", "pos": {"lon": 127.38, "lat": 36.36},
            "sensors": [{"id": 501, "kind": "crack", "unit": "mm", "warn_hi": 0.3, "alarm_hi": 0.5, "vendor": "x"},
                        {"id": 502, "kind": "tilt", "unit": "°"}]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """A mosquitto of the test's own, on a free loopback port, stopped at the end."""

    def __init__(self, tmp: Path, extra: str = "allow_anonymous true\n", *, tls: tuple | None = None) -> None:
        self.port = _free_port()
        conf = tmp / f"mosquitto-{self.port}.conf"
        text = f"listener {self.port} 127.0.0.1\n{extra}persistence false\n"
        if os.geteuid() == 0:  # as root it would become the "mosquitto" user, who cannot read the test's files
            text += "user root\n"
        if tls:
            text += "cafile {}\ncertfile {}\nkeyfile {}\n".format(*tls)
        conf.write_text(text, encoding="utf-8")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"mosquitto did not start: {self.proc.stderr.read().decode()[-500:]}") from None
                time.sleep(0.05)

    def publish(self, items: list[tuple[str, bytes | str]], **tls) -> None:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        if "username" in tls:
            client.username_pw_set(tls.pop("username"), tls.pop("password"))
        if tls:
            client.tls_set(**tls)
        client.connect("127.0.0.1", self.port)
        client.loop_start()
        for topic, payload in items:
            client.publish(topic, payload, qos=1).wait_for_publish(5)
        client.loop_stop()
        client.disconnect()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)


def _adapter(tmp_path, broker: Broker, **options) -> tuple[Adapter, mqtt_adapter.MqttAdapter]:
    (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
    adapter = Adapter("mqtt", f"ipc://{tmp_path}/mqtt.sock")
    run = mqtt_adapter.MqttAdapter(adapter, mqtt_adapter.routes_from_file(tmp_path / "map.toml"),
                                   mqtt_adapter.BrokerOptions("127.0.0.1", broker.port, **options))
    return adapter, run


def _until(run, predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        run.step(0.05)
        assert time.monotonic() < deadline, f"timed out; health {run.adapter.health.as_map()}"


def test_readings_and_facilities_through_a_real_broker_and_bad_payloads_counted(tmp_path) -> None:
    broker = Broker(tmp_path)
    adapter, run = _adapter(tmp_path, broker)
    rx = Receiver(adapter.pub.endpoint)
    try:
        connected(rx, adapter)
        _until(run, lambda: run.connected)
        run.step(0.2)  # the subscription reaches the broker
        broker.publish([
            ("daejeon/BR-1/meta", json.dumps(FACILITY)),
            ("daejeon/BR-1/sensors", json.dumps({"sensor_id": 501, "reading": {"value": 0.21, "q": 0},
                                                 "ts": 1_732_240_000_000})),
            ("daejeon/BR-1/sensors", json.dumps([{"sensor_id": 502, "reading": {"value": 0.1}, "ts": 1_732_240_000},
                                                 {"sensor_id": 502, "reading": {}}, "text"])),
            ("daejeon/BR-1/sensors", b"23.5 degrees"),  # not JSON
            ("daejeon/BR-1/sensors", bytes(range(256))),  # binary
            ("daejeon/BR-1/sensors", "42"),  # JSON, but not an object
            ("daejeon/BR-1/meta", json.dumps({**FACILITY, "type": "volcano"})),  # refused as the receiver would
        ])
        _until(run, lambda: adapter.health.received >= 9)
        rx.wait(lambda: rx.maps(wire.FACILITY_KIND) and len(rx.records(Kind.SENSOR)) >= 2)
        (fac,) = rx.maps(wire.FACILITY_KIND)
        assert fac["id"] == "BR-1" and fac["kind"] == "bridge" and fac["lon"] == 127.38
        assert [s["id"] for s in fac["sensors"]] == [501, 502] and "vendor" not in fac["sensors"][0]
        recs = rx.records(Kind.SENSOR)
        assert sorted(recs["id"].tolist()) == [501, 502]
        assert sorted(recs["ts"].tolist()) == [1_732_240_000_000, 1_732_240_000_000]
        assert {m.topic for m in rx.messages if m.env.kind == Kind.SENSOR} == {b"sens.BR-1"}
        assert dict(adapter.health.dropped) == {"bad-json": 4, "missing-field": 1, "bad-facility": 1}
        assert adapter.health.as_map()["connected"] == 1
    finally:
        rx.close()
        run.close()
        adapter.close()
        broker.stop()


def test_user_and_password_refused_then_accepted(tmp_path) -> None:
    passwords = tmp_path / "passwords"
    passwords.write_text("", encoding="utf-8")
    subprocess.run(["mosquitto_passwd", "-b", str(passwords), "sitroom", "s3cret"], check=True, timeout=10)
    passwords.chmod(0o600)
    broker = Broker(tmp_path, f"allow_anonymous false\npassword_file {passwords}\n")
    try:
        adapter, run = _adapter(tmp_path, broker, username="sitroom", password="wrong")
        _until(run, lambda: adapter.health.dropped["broker-refused"] >= 1)
        assert not run.connected
        run.close()
        adapter.close()
        adapter, run = _adapter(tmp_path, broker, username="sitroom", password="s3cret")
        _until(run, lambda: run.connected)
        run.step(0.2)
        broker.publish([("daejeon/F-2/sensors", json.dumps({"sensor_id": 9, "reading": {"value": 1.0}}))],
                       username="sitroom", password="s3cret")
        _until(run, lambda: adapter.health.published >= 1)
        run.close()
        adapter.close()
    finally:
        broker.stop()


def _certificates(tmp: Path) -> tuple[Path, Path, Path]:
    """A CA and a broker certificate for 127.0.0.1, made with openssl."""
    ca_key, ca, key, csr, cert = (tmp / n for n in ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt"))

    def ssl_(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    ssl_("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca), "-days", "2",
         "-subj", "/CN=SitRoom test CA")
    ssl_("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    ext = tmp / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", encoding="ascii")
    ssl_("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-out",
         str(cert), "-days", "2", "-extfile", str(ext))
    return ca, cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make certificates")
def test_tls_to_the_broker(tmp_path) -> None:
    ca, cert, key = _certificates(tmp_path)
    broker = Broker(tmp_path, tls=(ca, cert, key))
    try:
        adapter, run = _adapter(tmp_path, broker, tls=True)  # the system's CAs do not know the test CA
        _until(run, lambda: adapter.health.dropped["broker-unreachable"] >= 1)
        run.close()
        adapter.close()
        adapter, run = _adapter(tmp_path, broker, tls=True, ca_file=str(ca))
        _until(run, lambda: run.connected)
        run.step(0.2)
        broker.publish([("daejeon/F-3/sensors", json.dumps({"sensor_id": 7, "reading": {"value": 2.0}}))],
                       ca_certs=str(ca))
        _until(run, lambda: adapter.health.published >= 1)
        run.close()
        adapter.close()
    finally:
        broker.stop()


def test_the_broker_going_away_is_counted_and_survived(tmp_path) -> None:
    broker = Broker(tmp_path)
    adapter, run = _adapter(tmp_path, broker)
    try:
        _until(run, lambda: run.connected)
        broker.stop()
        _until(run, lambda: adapter.health.dropped["disconnected"] >= 1)
        assert not run.connected
        for _ in range(5):
            run.step(0.05)  # dialling a broker that is not there: counted, never raised
    finally:
        run.close()
        adapter.close()


def test_mapping_errors(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[topic]]\nkind = "sensor"\n[topic.fields]\nid = "a"\nvalue = "b"\n', encoding="utf-8")
    with pytest.raises(MappingError, match="filter"):
        mqtt_adapter.load_routes(load(bad))
    bad.write_text('[[topic]]\nfilter = "a/#"\nkind = "avl"\n[topic.fields]\nid="a"\nlon="b"\nlat="c"\n',
                   encoding="utf-8")
    with pytest.raises(MappingError, match="sensor or facility"):
        mqtt_adapter.load_routes(load(bad))
