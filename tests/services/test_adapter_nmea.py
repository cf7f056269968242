"""The NMEA 0183 adapter on logs written here from the standard: GGA, RMC and VTG with their checksums, bad
checksums, truncated sentences, no fix; from a file, a TCP gateway and a serial port (a pseudo-terminal)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from sitroom.services.adapters import nmea
from sitroom.services.adapters.base import Adapter, Dropped, VehicleIds, hashed_id
from sitroom.services.adapters.nmea import sentence
from sitroom.services.feeds.protocol import Kind
from sitroom.services.vocabulary import VehicleType
from tests.adapters_util import Receiver, connected


def _dm(value: float, lat: bool) -> tuple[str, str]:
    """Degrees as NMEA writes them: ddmm.mmmm / dddmm.mmmm and a hemisphere."""
    hemi = ("N" if value >= 0 else "S") if lat else ("E" if value >= 0 else "W")
    value = abs(value)
    deg = int(value)
    minutes = (value - deg) * 60
    return (f"{deg:02d}{minutes:07.4f}" if lat else f"{deg:03d}{minutes:07.4f}"), hemi


def gga(t: str, lon: float, lat: float, quality: int = 1) -> str:
    la, ns = _dm(lat, True)
    lo, ew = _dm(lon, False)
    return sentence(f"GPGGA,{t},{la},{ns},{lo},{ew},{quality},08,0.9,545.4,M,46.9,M,,")


def rmc(t: str, d: str, lon: float, lat: float, knots: float = 10.0, course: float = 90.0, status: str = "A") -> str:
    la, ns = _dm(lat, True)
    lo, ew = _dm(lon, False)
    return sentence(f"GPRMC,{t},{status},{la},{ns},{lo},{ew},{knots:05.1f},{course:05.1f},{d},003.1,W")


def vtg(course: float, kmh: float) -> str:
    return sentence(f"GPVTG,{course:05.1f},T,,M,{kmh / 1.852:05.1f},N,{kmh:05.1f},K")


def tag(source: str, line: str) -> str:
    body = f"s:{source},c:1732240000"
    return f"\\{body}*{nmea.checksum(body)}\\{line}"


def _setup(tmp_path):
    adapter = Adapter("nmea", f"ipc://{tmp_path}/nmea.sock")
    decoder = nmea.NmeaDecoder(adapter, VehicleIds(nmea.ID_BASE), vtype=int(VehicleType.BUS))
    return adapter, decoder


def test_sentences_from_the_standard_make_fixes_and_the_rest_is_counted(tmp_path) -> None:
    adapter, dec = _setup(tmp_path)
    now = 1_732_240_000_000  # 2024-11-22 01:46:40 UTC
    try:
        good = rmc("014640.00", "221124", 127.3845, 36.3504, knots=20.0, course=84.4)
        rec = dec.line(good, "1042", now)
        assert rec is not None and int(rec["id"][0]) == 1042 and int(rec["type"][0]) == VehicleType.BUS
        assert rec["lon"][0] == pytest.approx(127.3845, abs=1e-6) and rec["lat"][0] == pytest.approx(36.3504, abs=1e-6)
        assert rec["speed"][0] == pytest.approx(37.04, abs=0.01) and rec["heading"][0] == pytest.approx(84.4)
        assert int(rec["ts"][0]) == now
        assert dec.line(vtg(270.0, 50.0), "1042", now) is None  # speed and course for the next fix
        rec = dec.line(gga("014641.50", 127.3850, 36.3504), "1042", now)
        assert int(rec["ts"][0]) == now + 1500  # the date comes from the RMC before
        assert rec["speed"][0] == pytest.approx(50.0) and rec["heading"][0] == pytest.approx(270.0)

        bad = {
            "bad-checksum": good[:-2] + ("00" if good[-2:] != "00" else "11"),
            "truncated": good[:30],
            "no-checksum": good.rsplit("*", 1)[0],
            "unsupported": sentence("GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00"),
            "unparseable": "garbage \x00\xff line",
        }
        for reason, line in bad.items():
            with pytest.raises(Dropped) as exc:
                dec.line(line, "1042", now)
            assert exc.value.reason == reason, line
        for no_fix in (gga("014642.00", 127.0, 36.0, quality=0), rmc("014642.00", "221124", 127.0, 36.0, status="V"),
                       sentence("GPGGA,014642.00,,,,,0,00,99.9,,M,,M,,")):
            with pytest.raises(Dropped, match="no-fix"):
                dec.line(no_fix, "1042", now)
        with pytest.raises(Dropped, match="unknown-device"):
            dec.line(good, None, now)  # a multiplexed stream's line must say whose it is
    finally:
        adapter.close()


def test_multiplexed_devices_by_tag_block_or_prefix(tmp_path) -> None:
    adapter, dec = _setup(tmp_path)
    now = 1_732_240_000_000
    try:
        a = dec.line(tag("bus-12", rmc("014640", "221124", 127.38, 36.35)), None, now)
        b = dec.line("bus-13," + rmc("014640", "221124", 127.39, 36.36), None, now)
        c = dec.line("77 " + gga("014640", 127.40, 36.37), None, now)
        assert [int(r["id"][0]) for r in (a, b, c)] == [hashed_id("bus-12", nmea.ID_BASE),
                                                         hashed_id("bus-13", nmea.ID_BASE), 77]
        body = "s:bus-12"
        with pytest.raises(Dropped, match="bad-checksum"):  # the TAG block's own checksum is checked too
            dec.line(f"\\{body}*00\\{rmc('014640', '221124', 127.38, 36.35)}", None, now)
        assert len(dec.devices) == 3
    finally:
        adapter.close()


LOG = [
    rmc("014640.00", "221124", 127.3845, 36.3504),
    gga("014640.00", 127.3845, 36.3504),
    rmc("014641.00", "221124", 127.3850, 36.3504)[:-2] + "00",  # bad checksum
    "$GPGGA,014641.00,3621.0",  # truncated by a dropped connection
    gga("014641.00", 127.0, 36.0, quality=0),  # no fix
    rmc("014642.00", "221124", 127.3855, 36.3504),
    vtg(90.0, 36.0),
    rmc("014643.00", "221124", 127.3860, 36.3504),
]


def _run_until(run: nmea.NmeaAdapter, predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        run.step(0.05)
        assert time.monotonic() < deadline, "timed out"


def test_a_recorded_file_is_replayed_at_its_own_pace_onto_a_real_receiver(tmp_path) -> None:
    path = tmp_path / "track.nmea"
    path.write_text("\r\n".join(LOG) + "\r\n", encoding="ascii")
    adapter, dec = _setup(tmp_path)
    rx = Receiver(adapter.pub.endpoint)
    try:
        connected(rx, adapter)
        source = nmea.parse_input(f"file:{path}=9001", adapter.health, speed=10)
        run = nmea.NmeaAdapter(adapter, [source], dec)
        sent: list[float] = []
        original = adapter.vehicles

        def timed(recs: np.ndarray) -> None:
            sent.append(time.monotonic())
            original(recs)

        adapter.vehicles = timed  # type: ignore[method-assign]
        _run_until(run, lambda: source.finished)
        rx.wait(lambda: len(rx.records(Kind.AVL_BATCH)) >= 3)
        recs = rx.records(Kind.AVL_BATCH)
        assert set(recs["id"].tolist()) == {9001}
        assert np.all(np.diff(recs["lon"]) > 0)  # in order along the road
        assert 0.2 <= sent[-1] - sent[0] <= 1.0  # 3 s of recording at ten times: 0.3 s
        assert dict(adapter.health.dropped) == {"bad-checksum": 1, "truncated": 1, "no-fix": 1}
        assert adapter.health.received == len(LOG)
    finally:
        rx.close()
        adapter.close()


def test_a_tcp_gateway_multiplexing_devices_and_dialled_again_after_it_drops(tmp_path) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    adapter, dec = _setup(tmp_path)
    source = nmea.parse_input(f"tcp:127.0.0.1:{port}", adapter.health)
    nmea.TcpSource.RETRY_MIN_S = 0.05
    run = nmea.NmeaAdapter(adapter, [source], dec)
    got: list[int] = []
    adapter.vehicles = lambda recs: got.extend(int(i) for i in recs["id"])  # type: ignore[method-assign]

    def serve(lines: list[str]) -> None:
        conn, _ = server.accept()
        conn.sendall("".join(line + "\r\n" for line in lines).encode("ascii"))
        conn.close()

    try:
        t = threading.Thread(target=serve, args=([tag("unit-1", LOG[0]), "unit-2," + LOG[5], LOG[2]],))
        t.start()
        _run_until(run, lambda: len(got) >= 2)
        t.join()
        _run_until(run, lambda: adapter.health.dropped["disconnected"] >= 1)
        t = threading.Thread(target=serve, args=(["unit-3," + LOG[7]],))  # the gateway is back
        t.start()
        _run_until(run, lambda: len(got) >= 3)
        t.join()
        assert set(got) == {hashed_id(f"unit-{i}", nmea.ID_BASE) for i in (1, 2, 3)}
        assert adapter.health.dropped["unknown-device"] == 1  # LOG[2] names no device (and has a bad checksum)
    finally:
        run.close()
        server.close()
        adapter.close()


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_serial_port(tmp_path) -> None:
    master, slave = os.openpty()
    adapter, dec = _setup(tmp_path)
    source = nmea.parse_input(f"serial:{os.ttyname(slave)}@4800=bus-7", adapter.health)
    run = nmea.NmeaAdapter(adapter, [source], dec)
    got: list[np.ndarray] = []
    adapter.vehicles = got.append  # type: ignore[method-assign]
    try:
        run.step(0.05)  # the port opens (pyserial flushes what was waiting)
        assert not adapter.health.dropped, adapter.health.last_error
        os.write(master, ("\r\n".join(LOG) + "\r\n").encode("ascii"))
        _run_until(run, lambda: adapter.health.received >= len(LOG))
        run.step(0.05)
        recs = np.concatenate(got)
        assert set(recs["id"].tolist()) == {hashed_id("bus-7", nmea.ID_BASE)}
        assert adapter.health.dropped["bad-checksum"] == 1
    finally:
        run.close()
        os.close(master)
        os.close(slave)
        adapter.close()


def test_the_command_replays_a_log_and_never_dies_of_its_input(tmp_path) -> None:
    path = tmp_path / "track.nmea"
    junk = [os.urandom(40).hex(), "$" * 2000, "\\s:x*ZZ\\$GPRMC", "$GPRMC,,,,,,,,,,,*00", "$GP*4C"]
    path.write_text("\n".join(LOG + junk) + "\n", encoding="ascii")
    out = subprocess.run([sys.executable, "-m", "sitroom", "adapter", "nmea", "--input", f"file:{path}=5",
                          "--speed", "0", "--endpoint", f"ipc://{tmp_path}/n.sock", "--duration", "1.5"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stderr.strip().splitlines()[-1])
    assert figures["published"] >= 1 and figures["received"] == len(LOG) + len(junk)
    assert sum(figures["dropped"].values()) == len(LOG) + len(junk) - 5  # four fixes and a VTG were usable
