"""Writes the adapters' example inputs (README "Adapters and the relay"): run it again to refresh them.

- track.nmea: a GPS receiver on bus 7701 driving a loop east of Daejeon City Hall, 120 s of GGA/RMC/VTG at 1 Hz,
  with what real logs hold too: a sentence with a bad checksum, one cut short, a stretch without a fix;
- buses.csv: two buses' positions exported by an AVL system, one row a second, with a broken row;
- vehicles.pb: a GTFS-realtime FeedMessage of three buses (VehiclePositions) and their trips' delays (TripUpdates).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
CENTRE = (127.3845, 36.3504)  # 대전시청
START = datetime(2026, 11, 22, 1, 0, 0, tzinfo=UTC)


def checksum(body: str) -> str:
    c = 0
    for ch in body:
        c ^= ord(ch)
    return f"{c:02X}"


def dm(value: float, lat: bool) -> tuple[str, str]:
    hemi = ("N" if value >= 0 else "S") if lat else ("E" if value >= 0 else "W")
    value = abs(value)
    deg = int(value)
    return (f"{deg:02d}" if lat else f"{deg:03d}") + f"{(value - deg) * 60:07.4f}", hemi


def loop(t: float, radius: float = 0.006, period: float = 300.0) -> tuple[float, float, float]:
    a = 2 * math.pi * t / period
    lon = CENTRE[0] + 0.01 + radius * math.cos(a) / math.cos(math.radians(CENTRE[1]))
    lat = CENTRE[1] + radius * math.sin(a)
    return lon, lat, (90.0 - math.degrees(a) - 90.0) % 360.0  # heading along the circle (counter-clockwise)


def nmea() -> None:
    lines = []
    for s in range(120):
        when = START + timedelta(seconds=s)
        hms, dmy = when.strftime("%H%M%S.00"), when.strftime("%d%m%y")
        lon, lat, heading = loop(s)
        la, ns = dm(lat, True)
        lo, ew = dm(lon, False)
        kmh = 2 * math.pi * 0.006 * 111_000 / 300 * 3.6
        fix = 0 if 60 <= s < 64 else 1  # under a bridge: no fix
        gga = f"GPGGA,{hms},{la},{ns},{lo},{ew},{fix},08,0.9,61.2,M,25.1,M,,"
        rmc = f"GPRMC,{hms},{'A' if fix else 'V'},{la},{ns},{lo},{ew},{kmh / 1.852:05.1f},{heading:05.1f},{dmy},,,A"
        vtg = f"GPVTG,{heading:05.1f},T,,M,{kmh / 1.852:05.1f},N,{kmh:05.1f},K,A"
        for body in (rmc, gga, vtg):
            line = f"${body}*{checksum(body)}"
            if s == 30 and body is gga:
                line = line[:-2] + "00"  # a bad checksum
            if s == 45 and body is rmc:
                line = line[:25]  # a sentence cut short
            lines.append(line)
    (HERE / "track.nmea").write_text("\r\n".join(lines) + "\r\n", encoding="ascii")


def csv_export() -> None:
    rows = ["time,bus_no,x,y,speed_ms,state"]
    for s in range(120):
        when = (START + timedelta(hours=9, seconds=s)).strftime("%Y-%m-%d %H:%M:%S")  # local time (KST)
        for no, phase in ((7801, 0.0), (7802, 60.0)):
            lon, lat, _ = loop(s + phase, radius=0.004)
            rows.append(f"{when},{no},{lon - 0.03:.6f},{lat:.6f},8.5,{'운행' if s % 50 else '정차'}")
    rows.insert(40, "2026-11-22 10:00:20,7801,,36.35,8.5,운행")  # a row missing its longitude
    (HERE / "buses.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def gtfs_rt() -> None:
    from google.transit import gtfs_realtime_pb2

    msg = gtfs_realtime_pb2.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.timestamp = int(START.timestamp())
    for i, (route, dlon, dlat, delay) in enumerate((("102", -0.02, 0.01, 120), ("301", 0.015, -0.012, -30),
                                                     ("급행1", 0.0, 0.02, None))):
        e = msg.entity.add(id=f"vp-{i}")
        v = e.vehicle
        v.vehicle.id, v.vehicle.label = f"DJB-{3100 + i}", f"{3100 + i}"
        v.trip.trip_id, v.trip.route_id = f"{route}-0800-{i}", route
        v.position.longitude, v.position.latitude = CENTRE[0] + dlon, CENTRE[1] + dlat
        v.position.bearing, v.position.speed = 45.0 * i, 7.5
        v.timestamp = int(START.timestamp())
        if delay is not None:
            tu = msg.entity.add(id=f"tu-{i}").trip_update
            tu.trip.trip_id = v.trip.trip_id
            tu.stop_time_update.add(stop_sequence=5).arrival.delay = delay
    (HERE / "vehicles.pb").write_bytes(msg.SerializeToString())


if __name__ == "__main__":
    nmea()
    csv_export()
    gtfs_rt()
