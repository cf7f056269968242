"""Two TAK units driving and a rally point, as Cursor-on-Target events every second over UDP, with now and then an
event of a type nobody knows and one with an entity declaration (refused). ``python send_cot.py [HOST:PORT] [SECONDS]``
(default 127.0.0.1:4242; a multicast group such as 239.2.3.1:6969 works too)."""

from __future__ import annotations

import math
import socket
import sys
import time
from datetime import UTC, datetime, timedelta

host, _, port = (sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:4242").partition(":")
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3600.0


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def event(uid: str, kind: str, lon: float, lat: float, callsign: str, course: float = 0.0, speed: float = 0.0) -> bytes:
    now = datetime.now(UTC)
    return (f'<?xml version="1.0" encoding="UTF-8"?><event version="2.0" uid="{uid}" type="{kind}" how="m-g" '
            f'time="{iso(now)}" start="{iso(now)}" stale="{iso(now + timedelta(minutes=2))}">'
            f'<point lat="{lat:.6f}" lon="{lon:.6f}" hae="60" ce="10" le="9999999"/><detail>'
            f'<contact callsign="{callsign}"/><track course="{course:.1f}" speed="{speed:.1f}"/></detail>'
            "</event>").encode()


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
start = time.time()
while time.time() - start < seconds:
    t = time.time() - start
    a = t / 60.0
    sock.sendto(event("ANDROID-engine-21", "a-f-G-U-C-F", 127.405 + 0.004 * math.cos(a), 36.345 + 0.003 * math.sin(a),
                      "Engine 21", (90 - math.degrees(a) - 90) % 360, 12.0), (host, int(port)))
    sock.sendto(event("ANDROID-medic-4", "a-f-G-U-C-I", 127.395 - 0.0001 * t % 0.01, 36.360, "Medic 4", 270, 9.0),
                (host, int(port)))
    if int(t) % 10 == 0:
        sock.sendto(event("rally-1", "b-m-p-s-m", 127.41, 36.355, "집결지 / rally point"), (host, int(port)))
        sock.sendto(event("odd-1", "x-y-z", 127.41, 36.355, "unknown type"), (host, int(port)))
        sock.sendto(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><event uid="&a;"/>', (host, int(port)))
    time.sleep(1.0)
