"""The facility kinds on the wire: readings as packed records, facility metadata and device alarms as maps, and
what is refused as a wire problem (counted per feed) rather than shown as a sensor's fault."""

from __future__ import annotations

import math

import msgpack
import numpy as np
import pytest
import zmq
from hypothesis import given, settings
from hypothesis import strategies as st

from sitroom.services.facilities import wire
from sitroom.services.feeds import protocol as p
from sitroom.services.feeds.client import FeedClient, FeedConfig
from sitroom.services.feeds.protocol import DecodeError, Kind
from sitroom.services.feeds.publisher import Publisher
from tests import waiting

SESS = "0123456789ab"


def facility(**over) -> dict:
    sensors = [{"id": 101, "kind": "crack", "unit": "mm", "label": "pier 3", "warn_hi": 1.0, "alarm_hi": 2.0,
                "deadband": 0.05, "rate_s": 1.0, "on_delay_s": 2.0, "floor": 0},
               {"id": 102, "kind": "pm10", "unit": "µg/m³", "warn_hi": 80, "alarm_hi": 150, "lon": 127.39,
                "lat": 36.35, "priority": 3}]
    return {"id": "F-1", "kind": "bridge", "name": "갑천교", "lon": 127.39, "lat": 36.35, "sensors": sensors,
            **over}


def frames_of(topic: bytes, kind: str, payload: dict) -> list[bytes]:
    return p.encode_map(topic, kind, payload, src="fac", sess=SESS, seq=1, ts=1)


def test_a_reading_is_24_bytes_little_endian_in_the_documented_order() -> None:
    rec = np.zeros(1, dtype=p.SENSOR_DTYPE)
    rec["id"], rec["quality"], rec["ts"], rec["value"] = 0x01020304, p.QUALITY_UNCERTAIN, 1_700_000_000_123, 1.25
    raw = rec.tobytes()
    assert len(raw) == 24
    assert raw[:4] == bytes([4, 3, 2, 1])
    assert raw[4:6] == bytes([2, 0])
    assert int.from_bytes(raw[8:16], "little") == 1_700_000_000_123
    assert np.frombuffer(raw[16:24], "<f8")[0] == 1.25


def test_readings_round_trip_on_any_facility_topic() -> None:
    rec = np.zeros(3, dtype=p.SENSOR_DTYPE)
    rec["id"], rec["value"] = [1, 2, 3], [0.5, np.nan, np.inf]  # the wire carries them; the model judges them
    msg = p.decode(p.encode_array(wire.readings_topic("F-1"), Kind.SENSOR, rec, src="s", sess=SESS, seq=1))
    assert msg.topic == b"sens.F-1"
    assert msg.payload.tobytes() == rec.tobytes()


def test_a_readings_topic_for_any_facility_id_is_a_valid_topic() -> None:
    for fid in ("F-1", "송파구청", "a b", "x" * 64, "x" * 65):
        topic = wire.readings_topic(fid)
        assert p.topic_kind(topic) == Kind.SENSOR
        p._check_topic(topic)


def test_readings_of_a_broken_length_are_a_bad_payload() -> None:
    with pytest.raises(DecodeError) as err:
        p.decode([b"sens.F-1", p.encode_envelope(Kind.SENSOR, "s", SESS, 1), bytes(25)])
    assert err.value.reason == "bad-payload"


def test_a_sound_facility_is_taken_even_with_a_sensor_badly_configured() -> None:
    bad = facility()
    bad["sensors"][0].update(warn_hi=3.0, alarm_hi=2.0)  # limits in the wrong order: the sensor's fault
    bad["sensors"][1]["unit"] = "mg/m³"  # not its kind's unit: the sensor's fault too
    for payload in (facility(), bad):
        msg = p.decode(frames_of(wire.FACILITY_TOPIC, wire.FACILITY_KIND, payload))
        assert msg.payload == payload


@pytest.mark.parametrize(("change", "detail"), [
    ({"id": ""}, "'id'"),
    ({"id": 7}, "'id'"),
    ({"kind": "castle"}, "castle"),
    ({"lon": 200.0}, "lon/lat"),
    ({"sensors": {"101": {}}}, "'sensors'"),
    ({"sensors": [{"id": 1, "kind": "crack"}, {"id": 1, "kind": "tilt"}]}, "twice"),
    ({"sensors": [{"id": -1, "kind": "crack"}]}, "'id'"),
    ({"sensors": [{"id": 1, "kind": "crack", "warn_hi": "1.0"}]}, "warn_hi"),
    ({"sensors": [{"id": 1, "kind": "crack", "warn_hi": math.nan}]}, "warn_hi"),
    ({"sensors": [{"id": 1, "kind": "crack", "deadband": -0.1}]}, "deadband"),
    ({"sensors": [{"id": 1, "kind": "crack", "rate_s": 0}]}, "rate_s"),
    ({"sensors": [{"id": 1, "kind": "crack", "priority": 5}]}, "priority"),
    ({"sensors": [{"id": 1, "kind": "crack", "floor": True}]}, "floor"),
    ({"sensors": [{"id": i, "kind": "crack"} for i in range(wire.MAX_SENSORS + 1)]}, "at most"),
])
def test_a_facility_no_one_could_use_is_refused_naming_the_field(change: dict, detail: str) -> None:
    with pytest.raises(DecodeError) as err:
        p.decode(frames_of(wire.FACILITY_TOPIC, wire.FACILITY_KIND, facility(**change)))
    assert err.value.reason in ("bad-facility", "oversized")
    if err.value.reason == "bad-facility":
        assert detail in err.value.detail


def test_device_events() -> None:
    good = {"id": "F-1/7/smoke", "facility": "F-1", "type": "smoke", "active": True, "ts": 1_700_000_000_000,
            "sensor": 7, "text": "B1 corridor"}
    assert p.decode(frames_of(wire.EVENT_TOPIC, wire.EVENT_KIND, good)).payload == good
    for change in ({"type": "fire"}, {"active": 1}, {"ts": 1.5}, {"facility": ""}, {"sensor": "7"}):
        with pytest.raises(DecodeError) as err:
            p.decode(frames_of(wire.EVENT_TOPIC, wire.EVENT_KIND, {**good, **change}))
        assert err.value.reason == "bad-device-event"


values = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1) | st.floats() | st.text(max_size=8),
                      lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids,
                                                                                  max_size=4), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "kind", "name", "lon", "lat", "sensors", "x"]), values, max_size=7),
       st.lists(st.dictionaries(st.sampled_from(["id", "kind", "unit", "warn_hi", "alarm_lo", "deadband", "floor",
                                                 "lon", "lat", "rate_s", "priority"]), values), max_size=3))
def test_any_map_is_taken_or_refused_with_a_reason(top: dict, sensors: list) -> None:
    payload = {**top, "sensors": sensors} if sensors else top
    for topic, kind in ((wire.FACILITY_TOPIC, wire.FACILITY_KIND), (wire.EVENT_TOPIC, wire.EVENT_KIND)):
        try:
            p.decode(p.encode_map(topic, kind, payload, src="f", sess=SESS, seq=1))
        except DecodeError as err:
            assert err.reason in ("bad-facility", "bad-device-event", "bad-payload", "oversized")


def test_facilities_and_device_alarms_are_served_in_a_snapshot_and_bad_maps_counted(tmp_path) -> None:
    endpoint = f"ipc://{tmp_path}/fac.sock"
    ctx = zmq.Context()
    pub = Publisher(endpoint, "fac", context=ctx, snapshot=p.snapshot_endpoint(endpoint))
    event = {"id": "F-1/smoke", "facility": "F-1", "type": "smoke", "active": True, "ts": 1}
    pub.send_map(wire.FACILITY_TOPIC, wire.FACILITY_KIND, facility())
    pub.send_map(wire.EVENT_TOPIC, wire.EVENT_KIND, event)
    client = FeedClient([FeedConfig("fac", endpoint)], context=ctx)
    client.start()
    got: list = []
    try:
        def arrived() -> bool:
            pub.heartbeat()
            got.extend(client.drain())
            return {d.message.env.kind for d in got if d.snapshot} >= {wire.FACILITY_KIND, wire.EVENT_KIND}

        waiting.wait_for(arrived, 10, "the facility and the smoke alarm from the snapshot")
        raw = msgpack.packb({**facility(), "kind": "castle"})
        env = p.encode_envelope(wire.FACILITY_KIND, "fac", pub.sess, 99)
        pub.socket.send_multipart([wire.FACILITY_TOPIC, env, raw])
        waiting.wait_for(lambda: client.health[0].errors["bad-facility"] == 1, 10, "the bad facility counted")
    finally:
        client.stop()
        pub.close()
        ctx.term()
