"""The demo CAD: incident generation, the dispatch rules, and exactly-once delivery across kill -9.

The end-to-end tests run the CAD (and the AVL backend) as the demo does, ``python -m sitroom sim …`` processes on
ipc endpoints, and drive them through the app's own outbox and DispatchLink.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import msgpack
import numpy as np
import pytest
import zmq

from sitroom.services.dispatch import commands
from sitroom.services.dispatch.link import Acked, DispatchLink, LinkEvent, Rejected
from sitroom.services.dispatch.outbox import Outbox
from sitroom.services.feeds import protocol
from sitroom.services.feeds.client import FeedClient, FeedConfig
from sitroom.services.feeds.protocol import Topic
from sitroom.services.geo import Projector
from sitroom.services.sim.cad import Cad, CadState
from sitroom.services.sim.fleet import station_units
from sitroom.services.sim.incidents import TYPES, IncidentGenerator, incident_id, type_rates
from sitroom.services.store.kit import Kit, Poi, save_kit
from sitroom.services.store.snap import EdgeSnapper
from sitroom.services.vocabulary import VehicleStatus, VehicleType
from tests import waiting
from tests.kits import grid_kit

pytestmark = pytest.mark.timeout(120)

REPO = Path(__file__).resolve().parents[2]
T0 = 1_750_000_000.0  # a fixed instant for the in-process tests


def station_kit() -> Kit:
    """The 8×8 test grid with four fire stations, two EMS and two police posts: 18 units."""
    kit = grid_kit(8)
    xy = kit.roads.node_xy
    places = [("fire", 0), ("fire", 7), ("fire", 56), ("fire", 63), ("ems", 27), ("ems", 36), ("police", 9),
              ("police", 54)]
    pois = tuple(Poi(kind, f"{kind} {n}", float(xy[n, 0]), float(xy[n, 1]), n) for kind, n in places)
    return dataclasses.replace(kit, pois=pois)


def wait_for(predicate: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> None:
    waiting.wait_for(predicate, timeout, what)


def dispatch(cmd_id: str, unit: int, inc: dict, cmd: str = "dispatch", **where: float) -> dict:
    return {"cmd_id": cmd_id, "cmd": cmd, "incident": inc["id"], "unit": unit, "lon": where.get("lon", inc["lon"]),
            "lat": where.get("lat", inc["lat"]), "ts": protocol.now_ms(), "by": "kim"}


def seeded_cad(kit: Kit, path: Path, n_incidents: int = 6, *, use_avl: bool = False,
               now: float = T0) -> tuple[Cad, list[dict]]:
    """A CAD on a fresh state file that already knows a few incidents (reported in the 5 s before ``now``)."""
    gen = IncidentGenerator(kit, per_hour=36_000, seed=1, start_s=now - 5)
    cad = Cad(kit, CadState(path), use_avl=use_avl, generator=gen, now_s=now)
    cad.tick(now)
    cad.generator = None
    incidents = list(cad.incidents.values())[:n_incidents]
    assert len(incidents) == n_incidents
    cad.take_incidents()
    cad.take_assignments()
    return cad, incidents


def avl_records(units: dict[int, VehicleStatus]) -> np.ndarray:
    rec = protocol.new_records(len(units))
    rec["id"] = list(units)
    rec["type"] = VehicleType.FIRE
    rec["status"] = [int(s) for s in units.values()]
    return rec


def ack(raw: bytes | None) -> tuple[bool, str]:
    assert raw is not None
    a = commands.decode_ack(raw)
    return a["ok"], a["reason"]


# ---------------------------------------------------------------- the incident generator


def test_incidents_are_deterministic_valid_and_on_the_roads() -> None:
    kit = station_kit()
    one = IncidentGenerator(kit, per_hour=600, seed=42, start_s=T0).advance(T0 + 3600)
    chunked = IncidentGenerator(kit, per_hour=600, seed=42, start_s=T0)
    pieces = [inc for t in np.arange(T0, T0 + 3600 + 1, 7.3) for inc in chunked.advance(float(t))]
    assert one == pieces and len(one) > 300  # the same stream however time is cut
    assert one != IncidentGenerator(kit, per_hour=600, seed=43, start_s=T0).advance(T0 + 3600)
    for inc in one:
        protocol.validate_incident(inc)
        assert inc["status"] == "new" and inc["units"] == [] and T0 * 1000 <= inc["reported"] <= (T0 + 3600) * 1000
        assert re.fullmatch(r"INC-\d{8}-\d+", inc["id"]) and " / " in inc["desc"]
    assert [inc["id"] for inc in one[:2]] == [incident_id(one[0]["reported"] / 1000, 1),
                                               incident_id(one[1]["reported"] / 1000, 2)]
    x, y = Projector(kit.crs)(np.array([i["lon"] for i in one]), np.array([i["lat"] for i in one]))
    assert EdgeSnapper(kit.roads).snap(x, y).distance.max() < 0.05  # on a road, to the centimetre


def test_incident_rates_by_type_and_time_of_day() -> None:
    kit = station_kit()
    start = T0 - (T0 + 9 * 3600) % 86400  # local midnight in Korea
    incidents = IncidentGenerator(kit, per_hour=120, seed=7, start_s=start).advance(start + 2 * 86400)
    expected = 120 * 48
    assert abs(len(incidents) - expected) < 5 * expected**0.5  # Poisson: sd = sqrt(mean)
    by_type = Counter(i["type"] for i in incidents)
    for name, spec in TYPES.items():
        assert abs(by_type[name] / len(incidents) - spec.share) < 0.03, name
    hour = np.array([((i["reported"] / 1000 - start) / 3600) % 24 for i in incidents])
    traffic = np.array([i["type"] == "traffic" for i in incidents])
    rush, night = traffic & (hour >= 7) & (hour < 9), traffic & (hour >= 2) & (hour < 4)
    assert rush.sum() > 4 * night.sum()  # commutes, not the small hours
    assert type_rates(120, 8.0)["traffic"] > type_rates(120, 3.0)["traffic"]
    fire = Counter(i["priority"] for i in incidents if i["type"] == "fire")
    assert fire[1] + fire[2] > fire[4] + fire[5]  # fires are urgent


# ---------------------------------------------------------------- the CAD's rules, in process


def test_cad_follows_the_avl_feed_through_a_unit_lifecycle(tmp_path: Path) -> None:
    kit = station_kit()
    cad, incs = seeded_cad(kit, tmp_path / "cad.sqlite", use_avl=True)
    units = {u.id: VehicleStatus.AVAILABLE for u in station_units(kit)}
    assert not cad.ready(T0 + 1)  # waits for the AVL feed
    cad.on_avl(avl_records(units), T0 + 1)
    assert not cad.ready(T0 + 1.5) and cad.ready(T0 + 3)

    first = dispatch("c1", 10000, incs[0])
    raw = commands.encode_command(first)
    assert ack(cad.handle_command(raw, T0 + 3)) == (True, "")
    assert cad.take_assignments() == [raw]  # on its way to the fleet
    assert [(i["id"], i["status"], i["units"]) for i in cad.take_incidents()] == [(incs[0]["id"], "dispatched",
                                                                                   [10000])]
    busy = ack(cad.handle_command(commands.encode_command(dispatch("c2", 10000, incs[1])), T0 + 3))
    assert busy == (False, f"unit 10000 is busy (dispatched to {incs[0]['id']})")

    units[10000] = VehicleStatus.EN_ROUTE
    units[10001] = VehicleStatus.EN_ROUTE  # out on something this CAD did not send it to
    cad.on_avl(avl_records(units), T0 + 4)
    assert cad.take_incidents()[-1]["status"] == "en_route"
    assert ack(cad.handle_command(commands.encode_command(dispatch("c3", 10001, incs[1])), T0 + 4)) == (
        False, "unit 10001 is busy (en route)")
    units[10000] = VehicleStatus.ON_SCENE
    cad.on_avl(avl_records(units), T0 + 60)
    assert cad.take_incidents()[-1]["status"] == "on_scene"
    units[10000] = VehicleStatus.BUSY  # leaving the scene, back to its station
    cad.on_avl(avl_records(units), T0 + 120)
    assert cad.take_incidents()[-1]["status"] == "closed"
    assert ack(cad.handle_command(commands.encode_command(dispatch("c4", 10000, incs[1])), T0 + 121)) == (
        False, "unit 10000 is busy (returning to station)")
    assert ack(cad.handle_command(commands.encode_command(dispatch("c5", 10002, incs[0])), T0 + 121)) == (
        False, f"incident {incs[0]['id']} is closed")
    units[10000] = VehicleStatus.AVAILABLE
    cad.on_avl(avl_records(units), T0 + 180)
    assert ack(cad.handle_command(commands.encode_command(dispatch("c6", 10000, incs[1])), T0 + 181))[0]

    # A repeated cmd_id gets its first answer and changes nothing, also from a restarted CAD.
    assert ack(cad.handle_command(raw, T0 + 200)) == (True, "")
    cad.state.close()
    again = Cad(kit, CadState(tmp_path / "cad.sqlite"), use_avl=True, now_s=T0 + 300)
    assert ack(again.handle_command(raw, T0 + 300)) == (True, "")
    assert ack(again.handle_command(commands.encode_command(dispatch("c2", 10000, incs[1])), T0 + 300))[1] == busy[1]
    assert again.assignments[10000].incident == incs[1]["id"]
    assert [e[0] for e in again.state.executions()] == ["c1", "c6"]
    assert again.duplicates == 2 and again.executed == 0


def test_cad_refusals_recall_and_malformed_commands(tmp_path: Path) -> None:
    kit = station_kit()
    cad, incs = seeded_cad(kit, tmp_path / "cad.sqlite")  # no AVL: busy means assigned here
    refuse = {
        "c1": (dispatch("c1", 99999, incs[0]), "unit 99999 is not an emergency unit of this CAD"),
        "c2": ({**dispatch("c2", 10000, incs[0]), "incident": "INC-19990101-1"},
               "incident INC-19990101-1 is unknown to the CAD"),
        "c3": (dispatch("c3", 10000, incs[0], lon=126.0, lat=37.0), "no road within 500 m of the target"),
        "c4": (dispatch("c4", 10000, incs[0], cmd="recall"), f"unit 10000 is not assigned to {incs[0]['id']}"),
    }
    for cmd, reason in refuse.values():
        assert ack(cad.handle_command(commands.encode_command(cmd))) == (False, reason)
    assert cad.take_assignments() == [] and cad.state.executions() == []

    assert ack(cad.handle_command(commands.encode_command(dispatch("d1", 20000, incs[1]))))[0]
    assert not ack(cad.handle_command(commands.encode_command(dispatch("d2", 20000, incs[2]))))[0]
    recall = commands.encode_command(dispatch("r1", 20000, incs[1], cmd="recall"))
    assert ack(cad.handle_command(recall)) == (True, "")
    assert cad.take_assignments()[-1] == recall  # the fleet hears it
    assert cad.incidents[incs[1]["id"]]["units"] == []  # it never got there
    assert ack(cad.handle_command(commands.encode_command(dispatch("d3", 20000, incs[2]))))[0]  # free again

    assert cad.handle_command(b"\x93garbage") is None  # no cmd_id: nobody to answer
    assert cad.handle_command(b"\xa5hello") is None
    half = ack(cad.handle_command(msgpack.packb({**dispatch("m1", 1, incs[0]), "unit": "ten"})))
    assert half[0] is False and "malformed command" in half[1] and "'unit'" in half[1]
    assert sum(cad.malformed.values()) == 3
    assert [e[0] for e in cad.state.executions()] == ["d1", "r1", "d3"]


def test_a_call_taken_at_the_desk_comes_with_its_first_dispatch(tmp_path: Path) -> None:
    kit = station_kit()
    cad, incs = seeded_cad(kit, tmp_path / "cad.sqlite")
    call = {"type": "fire", "priority": 1, "reported": int(T0 * 1000), "desc": "smoke from a roof"}
    local = {"id": "LOC-20260101-1", "lon": incs[0]["lon"], "lat": incs[0]["lat"]}
    assert ack(cad.handle_command(commands.encode_command(dispatch("l1", 10000, local)))) == (
        False, "incident LOC-20260101-1 is unknown to the CAD")  # without the call: refused, nothing taken
    assert cad.take_incidents() == []
    assert ack(cad.handle_command(commands.encode_command({**dispatch("l2", 10000, local), "call": call})))[0]
    taken = cad.incidents[local["id"]]
    assert (taken["type"], taken["priority"], taken["desc"], taken["units"]) == ("fire", 1, call["desc"], [10000])
    published = cad.take_incidents()
    assert published and published[0]["id"] == local["id"] and published[-1]["units"] == [10000]
    assert cad.assignments[10000].incident == local["id"]
    # A second unit to the same call, with the call again, does not take it twice.
    assert ack(cad.handle_command(commands.encode_command({**dispatch("l3", 20000, local), "call": call})))[0]
    assert cad.incidents[local["id"]]["units"] == [10000, 20000]
    # It survives a CAD restart like any incident the CAD raised itself.
    cad.state.close()
    again = Cad(kit, CadState(tmp_path / "cad.sqlite"), use_avl=False, now_s=T0 + 10)
    assert again.incidents[local["id"]]["type"] == "fire"


def test_cad_cancels_unattended_incidents_and_drops_lost_assignments(tmp_path: Path) -> None:
    kit = station_kit()
    cad, incs = seeded_cad(kit, tmp_path / "cad.sqlite", use_avl=True)
    cad.on_avl(avl_records({u.id: VehicleStatus.AVAILABLE for u in station_units(kit)}), T0)
    assert ack(cad.handle_command(commands.encode_command(dispatch("c1", 10000, incs[0])), T0 + 2))[0]
    cad.take_incidents()
    cad.tick(T0 + 2.5)
    assert cad.take_assignments()  # repeated until the fleet shows it took it
    cad.on_avl(avl_records({10000: VehicleStatus.AVAILABLE}), T0 + 40)
    cad.tick(T0 + 40)
    assert 10000 not in cad.assignments  # never taken: the unit is not blocked forever
    cad.tick(T0 + 2000)
    statuses = {i["id"]: i["status"] for i in cad.take_incidents()}
    assert statuses[incs[1]["id"]] == "cancelled" and statuses[incs[0]["id"]] == "cancelled"


# ---------------------------------------------------------------- the processes


@dataclasses.dataclass
class Env:
    tmp: Path
    kit_path: Path
    state: Path
    incidents: list[dict]
    procs: list[subprocess.Popen]

    def ep(self, name: str) -> str:
        return f"ipc://{self.tmp}/{name}.sock"

    def start(self, backend: str, *extra: str) -> subprocess.Popen:
        cmd = [sys.executable, "-m", "sitroom", "-v", "sim", backend, "--kit", str(self.kit_path), "--parent-pid",
               str(os.getpid())]
        if backend == "cad":
            cmd += ["--endpoint", self.ep("cad"), "--incidents", self.ep("incidents"), "--state", str(self.state),
                    "--incident-rate", "0"]
        else:
            cmd += ["--endpoint", self.ep("avl"), "--vehicles", "60"]
        proc = subprocess.Popen([*cmd, *extra], cwd=REPO, stdin=subprocess.DEVNULL)
        self.procs.append(proc)
        return proc


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    kit = station_kit()
    save_kit(kit, tmp_path / "kit")
    cad, incidents = seeded_cad(kit, tmp_path / "cad-state.sqlite", now=time.time())  # the CAD runs on wall time
    cad.state.close()
    e = Env(tmp_path, tmp_path / "kit", tmp_path / "cad-state.sqlite", incidents, [])
    yield e
    for p in e.procs:
        if p.poll() is None:
            p.kill()
        p.wait(10)


def kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(10) == -signal.SIGKILL


def executions(state: Path) -> Counter[str]:
    s = CadState(state)
    try:
        return Counter(cmd_id for cmd_id, *_ in s.executions())
    finally:
        s.close()


def test_exactly_once_across_cad_outage_and_kill_9(env: Env) -> None:
    box = Outbox(env.tmp / "outbox.sqlite")
    link = DispatchLink(env.ep("cad"), box, resend_after_s=0.5, max_resend_s=2.0)
    link.start()
    incs = env.incidents
    events: list[LinkEvent] = []

    def settled() -> int:
        events.extend(link.drain())
        return sum(isinstance(e, Acked | Rejected) for e in events)

    try:
        # Submitted while the CAD is down: kept, not lost, not answered.
        first = [dispatch(f"a{i}", 10000 + i, incs[i]) for i in range(4)]
        for c in first:
            link.submit(c)
        time.sleep(0.5)
        assert box.counts()["pending"] == 4 and link.drain() == [] and not link.state.connected
        cad = env.start("cad")
        wait_for(lambda: settled() == 4, what="the first four answers")
        assert sorted(e.entry.cmd_id for e in events if isinstance(e, Acked)) == [f"a{i}" for i in range(4)]

        # Killed mid-stream: some answered, the rest waits for the restarted CAD.
        units = [10004, 10005, 10006, 10007, 20000, 20001, 20002, 20003, 30000, 30001, 30002, 30003]
        second = [dispatch(f"b{i}", u, incs[i % len(incs)]) for i, u in enumerate(units)]
        for c in second[:6]:
            link.submit(c)
        wait_for(lambda: settled() >= 6, what="some answers")
        kill9(cad)
        for c in second[6:]:
            link.submit(c)
        link.submit(dispatch("busy", 10000, incs[5]))  # 10000 went to incs[0] in the first batch
        wait_for(lambda: not link.state.connected, what="the link to notice")
        cad = env.start("cad")
        wait_for(lambda: settled() == 17, what="every answer")
        assert box.counts() == {"pending": 0, "acked": 16, "rejected": 1}
        assert box.get("busy").reason == f"unit 10000 is busy (dispatched to {incs[0]['id']})"
        assert any(isinstance(e, Rejected) and e.entry.cmd_id == "busy" and e.entry.reason == box.get("busy").reason
                   for e in events)
        assert link.state.pending == 0 and link.state.unknown_acks == 0

        # Everything sent again to the restarted CAD: the same answers, nothing carried out twice.
        dealer = zmq.Context.instance().socket(zmq.DEALER)
        dealer.setsockopt(zmq.LINGER, 0)
        dealer.connect(env.ep("cad"))
        try:
            for c in [*first, *second, *second, dispatch("busy", 10000, incs[5])]:
                dealer.send(box.get(c["cmd_id"]).body)
            answers = []
            while len(answers) < 29:
                assert dealer.poll(5000), "the CAD stopped answering"
                answers.append(commands.decode_ack(dealer.recv()))
            for a in answers:
                entry = box.get(a["cmd_id"])
                assert (a["ok"], a["reason"]) == (entry.state == "acked", entry.reason)
            dealer.send(b"\x00not a command")
            assert not dealer.poll(500)  # malformed: counted by the CAD, never answered
        finally:
            dealer.close(0)
        done = executions(env.state)
        assert set(done) == {c["cmd_id"] for c in [*first, *second]} and set(done.values()) == {1}
    finally:
        link.stop()


_APP = """
import json, sys, time
from sitroom.services.dispatch.link import Acked, DispatchLink
from sitroom.services.dispatch.outbox import Outbox

link = DispatchLink(sys.argv[1], Outbox(sys.argv[2]), resend_after_s=0.3)
link.start()
first, second = json.loads(sys.argv[3]), json.loads(sys.argv[4])
for c in first:
    link.submit(c)
acked = 0
while acked < len(first):
    acked += sum(1 for e in link.drain() if isinstance(e, Acked))
    time.sleep(0.01)
print("half", flush=True)
sys.stdin.readline()
for c in second:
    link.submit(c)
print("submitted", flush=True)
time.sleep(120)
"""


def test_exactly_once_across_app_kill_9(env: Env) -> None:
    incs = env.incidents
    units = [10000, 10001, 10002, 20000, 20001, 30000, 30001, 30002]
    cmds = [dispatch(f"x{i}", u, incs[i % len(incs)]) for i, u in enumerate(units)]
    outbox = env.tmp / "outbox.sqlite"
    cad = env.start("cad")
    args = [env.ep("cad"), str(outbox), json.dumps(cmds[:4]), json.dumps(cmds[4:])]
    app = subprocess.Popen([sys.executable, "-c", _APP, *args], cwd=REPO, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True)
    env.procs.append(app)
    assert app.stdout.readline().strip() == "half"  # four carried out and answered
    kill9(cad)
    app.stdin.write("go\n")
    app.stdin.flush()
    assert app.stdout.readline().strip() == "submitted"  # four more on disk, the CAD down: no answer can come
    kill9(app)

    box = Outbox(outbox)
    assert box.counts() == {"pending": 4, "acked": 4, "rejected": 0}
    assert [e.cmd_id for e in box.pending()] == ["x4", "x5", "x6", "x7"]
    env.start("cad")
    link = DispatchLink(env.ep("cad"), box, resend_after_s=0.5)
    link.start()
    try:
        events: list[LinkEvent] = []
        wait_for(lambda: events.extend(link.drain()) or len(events) >= 4, what="the restarted app's answers")
        assert sorted(e.entry.cmd_id for e in events if isinstance(e, Acked)) == [f"x{i}" for i in range(4, 8)]
        assert box.counts()["acked"] == 8
    finally:
        link.stop()
    done = executions(env.state)
    assert set(done) == {c["cmd_id"] for c in cmds} and set(done.values()) == {1}


@pytest.mark.slow
def test_dispatched_unit_moves_on_the_avl_feed_and_the_incident_follows(env: Env) -> None:
    """CAD and AVL backends together: the assignment reaches the fleet, the CAD reads the unit's progress."""
    kit = station_kit()
    env.start("avl", "--assignments", env.ep("assignments"))
    env.start("cad", "--assignments", env.ep("assignments"), "--avl", env.ep("avl"))
    client = FeedClient([FeedConfig("avl", env.ep("avl"), (Topic.AVL,)),
                         FeedConfig("incidents", env.ep("incidents"), (Topic.INCIDENT,))])
    box = Outbox(env.tmp / "outbox.sqlite")
    link = DispatchLink(env.ep("cad"), box, resend_after_s=0.5)
    unit_status: dict[int, int] = {}
    incident_status: dict[str, str] = {}

    def pump() -> None:
        for d in client.drain():
            m = d.message
            if m.env.kind == protocol.Kind.AVL_BATCH:
                unit_status.update(zip(m.payload["id"].tolist(), m.payload["status"].tolist(), strict=True))
            else:
                incident_status[m.payload["id"]] = m.payload["status"]

    client.start()
    link.start()
    try:
        # A call 60 m up the street from the first fire station.
        x0, y0 = kit.roads.node_xy[0]
        lon, lat = Projector(kit.crs).inverse(float(x0), float(y0) + 60.0)
        inc = env.incidents[0]
        wait_for(lambda: pump() or unit_status.get(10000) == VehicleStatus.AVAILABLE, what="the unit on the feed")
        link.submit(dispatch("go", 10000, inc, lon=float(lon), lat=float(lat)))
        wait_for(lambda: pump() or unit_status.get(10000) == VehicleStatus.EN_ROUTE, what="the unit en route")
        wait_for(lambda: pump() or incident_status.get(inc["id"]) == "en_route", what="the incident en route")
        link.submit(dispatch("again", 10000, env.incidents[1]))
        wait_for(lambda: box.get("again").state == "rejected", what="the second dispatch refused")
        assert re.fullmatch(rf"unit 10000 is busy \((en route to|on scene at) {inc['id']}\)", box.get("again").reason)
        # Rush-hour congestion can slow the street to a walk; usually this takes seconds.
        wait_for(lambda: pump() or unit_status.get(10000) == VehicleStatus.ON_SCENE, 90, "the unit on scene")
        wait_for(lambda: pump() or incident_status.get(inc["id"]) == "on_scene", what="the incident on scene")
        assert executions(env.state) == Counter({"go": 1})
    finally:
        link.stop()
        client.stop()
