"""A facility gateway on MQTT: an underground car park's description, then its readings every second (and now
and then a payload that is not JSON, as real devices send). ``python send_mqtt.py [HOST[:PORT]] [SECONDS]``."""

from __future__ import annotations

import json
import math
import random
import sys
import time

import paho.mqtt.client as mqtt

FACILITY = {"id": "MQ-PARK-1", "kind": "underground_mall", "name": "둔산 지하주차장 (MQTT)", "lon": 127.3790,
            "lat": 36.3520, "sensors": [
                {"id": 910001, "kind": "co", "unit": "ppm", "label": "B1 ramp", "floor": -1, "warn_hi": 30,
                 "alarm_hi": 70},
                {"id": 910002, "kind": "temperature", "unit": "°C", "label": "B2 east", "floor": -2},
                {"id": 910003, "kind": "smoke", "unit": "%/m", "label": "B2 west", "floor": -2, "warn_hi": 1.0,
                 "alarm_hi": 3.0}]}

host, _, port = (sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:1883").partition(":")
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3600.0
client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
client.connect(host, int(port or 1883))
client.loop_start()
client.publish("daejeon/MQ-PARK-1/meta", json.dumps(FACILITY), qos=1, retain=True)
start = time.time()
while time.time() - start < seconds:
    t = time.time() - start
    readings = [{"sensor": 910001, "value": round(12 + 25 * max(0.0, math.sin(t / 40)) + random.gauss(0, 1), 2),
                 "ts": int(time.time() * 1000)},
                {"sensor": 910002, "value": round(18.5 + random.gauss(0, 0.1), 2), "ts": int(time.time() * 1000)},
                {"sensor": 910003, "value": round(abs(random.gauss(0.05, 0.02)), 3), "ts": int(time.time() * 1000)}]
    client.publish("daejeon/MQ-PARK-1/readings", json.dumps(readings), qos=0)
    if int(t) % 30 == 29:
        client.publish("daejeon/MQ-PARK-1/readings", b"CO=31ppm", qos=0)  # not JSON: counted by the adapter
    time.sleep(1.0)
client.loop_stop()
client.disconnect()
