"""Demo CAD backend: takes dispatch commands, publishes incidents, and keeps both in step with the fleet.

Sockets (``python -m sitroom sim cad --endpoint ROUTER --incidents PUB [--assignments PUB] [--avl SUB]
--state FILE``):

- ``--endpoint``, a ROUTER: dispatch commands in (one msgpack frame from a DEALER, or after an empty
  delimiter frame from a REQ), one acknowledgement frame out, addressed back to the sender.
- ``--incidents``, a v1 publisher (topic ``inc``, heartbeats): generated incidents (``incidents.py``) and
  every change the CAD makes to them, with a snapshot socket beside it (``protocol.snapshot_endpoint``) for
  receivers that join late or lost messages. The open ones (and those finished in the last minute) are also
  sent again every 10 s, for receivers without snapshot support; older finished ones leave the snapshot.
- ``--assignments``, a plain PUB for the demo's AVL backend only, not a feed of the protocol: topic ``asg``
  and the accepted command's msgpack bytes (``commands.decode_command`` reads it), two frames. The AVL
  backend owns the fleet and carries the command out. An assignment is sent again every second until the
  AVL feed shows the unit moving, so a lost message costs a second, not a unit.
- ``--avl``, a SUB on the AVL feed: the CAD learns the units' statuses from it, as a real CAD follows its
  AVL. A dispatch needs the unit AVAILABLE there; the incident moves along with its units (dispatched,
  en route, on scene, closed once every unit that reached the scene has left it). Without ``--avl``, a unit
  counts as busy exactly while the CAD has it assigned.

With ``SITROOM_KEY`` set (``Security.from_env``), every one of these sockets uses CURVE: the ROUTER and both
publishers as servers with the ZAP allowlist, the AVL subscription as a client of the AVL backend's key.

So the two processes share nothing but messages, and either can be killed and restarted on its own (an AVL
backend restarted mid-mission puts its units back at their stations; the CAD, seeing them available, ends
those assignments). Incidents nobody was sent to are cancelled after 30 minutes; a CAD starting on an
empty state file opens with the calls of the last five minutes.

Exactly once: every command's result is committed to the state file (SQLite, WAL, ``synchronous=FULL``)
in the same transaction as its effects, before the acknowledgement leaves. A ``cmd_id`` seen before is
answered with its recorded result and nothing else happens, also after a kill -9 and restart. The
``executions`` table logs each command carried out, once.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import msgpack
import numpy as np
import zmq

from sitroom.services.dispatch import commands
from sitroom.services.dispatch.outbox import open_private_db
from sitroom.services.feeds import protocol
from sitroom.services.feeds.protocol import Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.feeds.security import Security, ZapLease, check_plaintext
from sitroom.services.feeds.sockets import configure
from sitroom.services.geo import Projector
from sitroom.services.sim.fleet import station_units
from sitroom.services.sim.incidents import DEFAULT_PER_HOUR, IncidentGenerator
from sitroom.services.store.kit import Kit
from sitroom.services.store.snap import EdgeSnapper
from sitroom.services.vocabulary import INCIDENT_STATUSES, VehicleStatus

log = logging.getLogger(__name__)

# Demo-internal topic on the --assignments socket (never on a feed the app subscribes to).
ASSIGN_TOPIC = b"asg"
MAX_TARGET_FROM_ROAD_M = 500.0
ASSIGN_RESEND_S = 1.0
# An assignment the AVL feed still shows as available after this long was lost (say, an AVL restart that
# missed it): the CAD drops it, so the unit is not blocked forever.
ASSIGN_TIMEOUT_S = 30.0
SNAPSHOT_EVERY_S = 10.0
SNAPSHOT_FINISHED_S = 60.0
# An incident that has had no unit for this long is cancelled (the demo stream never stops; the map must not
# fill up with calls nobody answered).
UNATTENDED_S = 1800.0
# With --avl, commands wait until the feed has shown every unit (it reports each second), or this long.
AVL_SETTLE_S = 1.5
STARTUP_GRACE_S = 5.0
OPENING_QUEUE_S = 300.0
MAX_HELD = 10_000

_RANK = {s: i for i, s in enumerate(INCIDENT_STATUSES)}
_FINISHED = ("closed", "cancelled")
_BUSY_LABEL = {VehicleStatus.EN_ROUTE: "en route", VehicleStatus.ON_SCENE: "on scene",
               VehicleStatus.BUSY: "returning to station", VehicleStatus.OUT_OF_SERVICE: "out of service",
               VehicleStatus.UNKNOWN: "status unknown"}
_PHASE_LABEL = {"sent": "dispatched to", "taken": "en route to", "on_scene": "on scene at",
                "recalling": "recalled from"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS processed (
    cmd_id TEXT PRIMARY KEY, ok INTEGER NOT NULL, reason TEXT NOT NULL, cmd TEXT NOT NULL,
    unit INTEGER NOT NULL, incident TEXT NOT NULL, ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS executions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, cmd_id TEXT NOT NULL, cmd TEXT NOT NULL, unit INTEGER NOT NULL,
    incident TEXT NOT NULL, ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS assignments (
    unit INTEGER PRIMARY KEY, cmd_id TEXT NOT NULL, incident TEXT NOT NULL, body BLOB NOT NULL,
    phase TEXT NOT NULL, since_ms INTEGER NOT NULL, on_scene INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY, body BLOB NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


@dataclass
class Assignment:
    unit: int
    cmd_id: str
    incident: str
    body: bytes  # the command to (re)send to the fleet: the dispatch, or the recall once recalled
    phase: str  # "sent" (fleet not seen moving yet) | "taken" | "on_scene" | "recalling"
    since_ms: int
    on_scene: bool = False


class CadState:
    """The CAD's memory: processed commands and their results, executions, assignments, incidents."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = open_private_db(self.path)
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def result(self, cmd_id: str) -> tuple[bool, str] | None:
        row = self.db.execute("SELECT ok, reason FROM processed WHERE cmd_id = ?", (cmd_id,)).fetchone()
        return None if row is None else (bool(row[0]), row[1])

    def executions(self) -> list[tuple[str, str, int, str]]:
        """(cmd_id, cmd, unit, incident) of every command carried out, in order."""
        return self.db.execute("SELECT cmd_id, cmd, unit, incident FROM executions ORDER BY seq").fetchall()

    def processed_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM processed").fetchone()[0]

    def assignments(self) -> list[Assignment]:
        rows = self.db.execute("SELECT unit, cmd_id, incident, body, phase, since_ms, on_scene FROM assignments")
        return [Assignment(u, c, i, b, p, s, bool(o)) for u, c, i, b, p, s, o in rows.fetchall()]

    def incidents(self) -> list[tuple[dict, int]]:
        rows = self.db.execute("SELECT body, updated_ms FROM incidents ORDER BY rowid").fetchall()
        return [(msgpack.unpackb(b, raw=False), ms) for b, ms in rows]

    def next_incident_n(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'next_incident'").fetchone()
        return 1 if row is None else int(row[0])

    # Writers; the caller holds a transaction.
    def put_assignment(self, a: Assignment) -> None:
        self.db.execute("INSERT OR REPLACE INTO assignments VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (a.unit, a.cmd_id, a.incident, a.body, a.phase, a.since_ms, int(a.on_scene)))

    def drop_assignment(self, unit: int) -> None:
        self.db.execute("DELETE FROM assignments WHERE unit = ?", (unit,))

    def put_incident(self, inc: dict, ms: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO incidents VALUES (?, ?, ?)",
                        (inc["id"], msgpack.packb(inc, use_bin_type=True), ms))

    def set_next_incident_n(self, n: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('next_incident', ?)", (n,))


def _salvage_cmd_id(raw: bytes) -> str | None:
    """The ``cmd_id`` of a command that is otherwise invalid, so the sender can be told why."""
    if len(raw) > commands.MAX_COMMAND_BYTES:
        return None
    try:
        value = msgpack.unpackb(raw, raw=False, max_bin_len=0, max_ext_len=0)
    except Exception:
        return None
    cmd_id = value.get("cmd_id") if isinstance(value, dict) else None
    return cmd_id if isinstance(cmd_id, str) and 0 < len(cmd_id) <= protocol.MAX_ID_CHARS else None


class Cad:
    """The CAD without its sockets: commands in, acknowledgements back; AVL records in; what to publish
    waits in ``out_incidents`` (incident maps) and ``out_assignments`` (command bytes for the fleet)."""

    def __init__(self, kit: Kit, state: CadState, *, use_avl: bool, generator: IncidentGenerator | None = None,
                 now_s: float | None = None) -> None:
        self.kit = kit
        self.state = state
        self.use_avl = use_avl
        self.generator = generator
        self.roster = {u.id: u for u in station_units(kit)}
        self._roster_ids = np.array(sorted(self.roster), dtype=np.uint32)
        self.units: dict[int, int] = {}  # unit id -> latest AVL status
        self.assignments = {a.unit: a for a in state.assignments()}
        self.incidents: dict[str, dict] = {}
        self._updated: dict[str, int] = {}
        for inc, ms in state.incidents():
            self.incidents[inc["id"]] = inc
            self._updated[inc["id"]] = ms
        if generator is not None:
            generator.next_n = max(generator.next_n, state.next_incident_n())
        self.out_incidents: list[dict] = []
        self.out_assignments: list[bytes] = []
        self.malformed: Counter[str] = Counter()
        self.duplicates = 0
        self.executed = 0
        self.rejected = 0
        self._project = Projector(kit.crs)
        self._snapper = EdgeSnapper(kit.roads)
        now = time.time() if now_s is None else now_s
        self._started = now
        self._first_avl: float | None = None
        self._next_resend = now
        self._next_snapshot = now  # the first tick re-announces what a restart left open

    # ------------------------------------------------------------ readiness

    def ready(self, now_s: float) -> bool:
        """Whether commands can be decided: with --avl, once the feed has shown the units (or after a grace
        period, so a dead AVL backend does not hold every command forever)."""
        if not self.use_avl or now_s - self._started >= STARTUP_GRACE_S:
            return True
        return self._first_avl is not None and now_s - self._first_avl >= AVL_SETTLE_S

    # ------------------------------------------------------------ commands

    def handle_command(self, raw: bytes, now_s: float | None = None) -> bytes | None:
        """The acknowledgement to send back, or None for a frame without a usable ``cmd_id``."""
        now_ms = int((time.time() if now_s is None else now_s) * 1000)
        try:
            cmd = commands.decode_command(raw)
        except protocol.DecodeError as err:
            if not self.malformed:
                log.warning("CAD: dropping malformed command: %s (further ones are only counted)", err)
            self.malformed[err.detail or err.reason] += 1
            cmd_id = _salvage_cmd_id(raw)
            return None if cmd_id is None else commands.encode_ack(cmd_id, False, f"malformed command: {err}")
        cmd_id = cmd["cmd_id"]
        with self.state.tx() as db:  # the check and the effects in one transaction: nothing can come between
            previous = self.state.result(cmd_id)
            if previous is not None:
                self.duplicates += 1
                return commands.encode_ack(cmd_id, *previous)
            if cmd["cmd"] == "dispatch" and cmd["incident"] not in self.incidents and cmd.get("call"):
                self._take_call(cmd, now_ms)
            reason = self._refusal(cmd)
            ok = reason is None
            db.execute("INSERT INTO processed VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (cmd_id, int(ok), reason or "", cmd["cmd"], cmd["unit"], cmd["incident"], now_ms))
            if ok:
                db.execute("INSERT INTO executions (cmd_id, cmd, unit, incident, ms) VALUES (?, ?, ?, ?, ?)",
                           (cmd_id, cmd["cmd"], cmd["unit"], cmd["incident"], now_ms))
                if cmd["cmd"] == "dispatch":
                    self._dispatch(cmd, raw, now_ms)
                else:
                    self._recall(cmd, raw, now_ms)
        if ok:
            self.executed += 1
            log.info("CAD: %s unit %d %s %s (%s)", cmd["cmd"], cmd["unit"],
                     "to" if cmd["cmd"] == "dispatch" else "from", cmd["incident"], cmd_id)
        else:
            self.rejected += 1
            log.info("CAD: refused %s (%s): %s", cmd["cmd"], cmd_id, reason)
        return commands.encode_ack(cmd_id, ok, reason or "")

    def _refusal(self, cmd: dict) -> str | None:
        unit, inc_id = int(cmd["unit"]), cmd["incident"]
        inc = self.incidents.get(inc_id)
        if inc is None:
            return f"incident {inc_id} is unknown to the CAD"
        a = self.assignments.get(unit)
        if cmd["cmd"] == "recall":
            if a is None or a.incident != inc_id or a.phase == "recalling":
                return f"unit {unit} is not assigned to {inc_id}"
            return None
        if inc["status"] in _FINISHED:
            return f"incident {inc_id} is {inc['status']}"
        if unit not in self.roster:
            return f"unit {unit} is not an emergency unit of this CAD"
        if a is not None:
            return f"unit {unit} is busy ({_PHASE_LABEL[a.phase]} {a.incident})"
        if self.use_avl:
            status = self.units.get(unit)
            if status is None:
                return f"unit {unit} has not reported its position (no AVL)"
            if status != VehicleStatus.AVAILABLE:
                return f"unit {unit} is busy ({_BUSY_LABEL.get(status, 'not available')})"
        x, y = self._project(np.array([cmd["lon"]]), np.array([cmd["lat"]]))
        if self._snapper.snap(x, y, MAX_TARGET_FROM_ROAD_M).edge[0] < 0:
            return f"no road within {MAX_TARGET_FROM_ROAD_M:.0f} m of the target"
        return None

    def _dispatch(self, cmd: dict, raw: bytes, now_ms: int) -> None:
        unit = int(cmd["unit"])
        a = Assignment(unit, cmd["cmd_id"], cmd["incident"], raw, "sent", now_ms)
        self.assignments[unit] = a
        self.state.put_assignment(a)
        inc = self.incidents[a.incident]
        if unit not in inc.setdefault("units", []):
            inc["units"].append(unit)
        self._advance(inc, "dispatched", now_ms)
        self.out_assignments.append(raw)

    def _recall(self, cmd: dict, raw: bytes, now_ms: int) -> None:
        a = self.assignments[int(cmd["unit"])]
        self.out_assignments.append(raw)
        if self.use_avl:  # finished when the feed shows the unit leaving
            a.phase, a.body, a.since_ms = "recalling", raw, now_ms
            self.state.put_assignment(a)
        else:
            self._finish(a, now_ms)

    # ------------------------------------------------------------ incidents

    def _take_call(self, cmd: dict, now_ms: int) -> None:
        """A call taken at a control room arrives with its first dispatch: it becomes a CAD incident like any
        other (published on ``inc``), whether or not the dispatch itself is then refused."""
        call = cmd["call"]
        inc = {"id": cmd["incident"], "type": call["type"], "priority": call["priority"], "lon": cmd["lon"],
               "lat": cmd["lat"], "status": "acknowledged", "reported": call["reported"],
               "desc": call.get("desc") or "", "units": []}
        try:
            self._save(inc, now_ms)
        except protocol.DecodeError as err:  # e.g. lon/lat the protocol refuses: the dispatch is refused below
            log.warning("CAD: call %s not taken: %s", cmd["incident"], err)
            return
        self.incidents[inc["id"]] = inc
        log.info("CAD: call %s taken from %s", inc["id"], cmd.get("by") or "a control room")

    def _save(self, inc: dict, now_ms: int) -> None:
        protocol.validate_incident(inc)
        self.state.put_incident(inc, now_ms)
        self._updated[inc["id"]] = now_ms
        self.out_incidents.append(dict(inc, units=list(inc.get("units") or [])))

    def _advance(self, inc: dict, status: str, now_ms: int) -> None:
        """Move an incident forward (never back: subscribers apply forward moves only); saves and publishes."""
        if _RANK[status] > _RANK[inc["status"]]:
            inc["status"] = status
        self._save(inc, now_ms)

    def _finish(self, a: Assignment, now_ms: int) -> None:
        """The unit left the incident: closed once every unit that went has left the scene."""
        self.assignments.pop(a.unit, None)
        self.state.drop_assignment(a.unit)
        inc = self.incidents.get(a.incident)
        if inc is None:
            return
        if not a.on_scene and a.unit in (inc.get("units") or []):
            inc["units"].remove(a.unit)  # never got there: it was not part of the response
        others = any(o.incident == a.incident for o in self.assignments.values())
        if a.on_scene and not others and inc["status"] not in _FINISHED:
            self._advance(inc, "closed", now_ms)
        else:
            self._save(inc, now_ms)

    # ------------------------------------------------------------ AVL

    def on_avl(self, records: np.ndarray, now_s: float | None = None) -> None:
        now = time.time() if now_s is None else now_s
        if self._first_avl is None:
            self._first_avl = now
        mine = records[np.isin(records["id"], self._roster_ids)]
        if not len(mine):
            return
        now_ms = int(now * 1000)
        changed = []
        for uid, status in zip(mine["id"].tolist(), mine["status"].tolist(), strict=True):
            self.units[uid] = status
            a = self.assignments.get(uid)
            if a is not None:
                changed.append((a, status))
        if changed:
            with self.state.tx():
                for a, status in changed:
                    self._progress(a, status, now_ms)

    def _progress(self, a: Assignment, status: int, now_ms: int) -> None:
        if a.phase == "sent" and status not in (VehicleStatus.EN_ROUTE, VehicleStatus.ON_SCENE):
            return  # the fleet has not taken it yet
        if status in (VehicleStatus.BUSY, VehicleStatus.AVAILABLE):
            self._finish(a, now_ms)
            return
        phase, on_scene = a.phase, a.on_scene or status == VehicleStatus.ON_SCENE
        if phase != "recalling":
            phase = "on_scene" if status == VehicleStatus.ON_SCENE else "taken"
        if (phase, on_scene) == (a.phase, a.on_scene):
            return
        a.phase, a.on_scene = phase, on_scene
        self.state.put_assignment(a)
        inc = self.incidents.get(a.incident)
        if inc is not None and phase != "recalling":
            target = "on_scene" if phase == "on_scene" else "en_route"
            if _RANK[target] > _RANK[inc["status"]]:
                self._advance(inc, target, now_ms)

    # ------------------------------------------------------------ time

    def tick(self, now_s: float | None = None) -> None:
        now = time.time() if now_s is None else now_s
        now_ms = int(now * 1000)
        if self.generator is not None:
            fresh = self.generator.advance(now)
            if fresh:
                with self.state.tx():
                    for inc in fresh:
                        self.incidents[inc["id"]] = inc
                        self._save(inc, inc["reported"])
                    self.state.set_next_incident_n(self.generator.next_n)
        if now >= self._next_resend:
            self._next_resend = now + ASSIGN_RESEND_S
            for a in self.assignments.values():
                if a.phase in ("sent", "recalling"):
                    self.out_assignments.append(a.body)
        self._expire(now_ms)
        if now >= self._next_snapshot:
            self._next_snapshot = now + SNAPSHOT_EVERY_S
            self.out_incidents.extend(dict(inc, units=list(inc.get("units") or []))
                                      for inc_id, inc in self.incidents.items()
                                      if inc["status"] not in _FINISHED
                                      or now_ms - self._updated[inc_id] <= SNAPSHOT_FINISHED_S * 1000)

    def _expire(self, now_ms: int) -> None:
        lost = [a for a in self.assignments.values()
                if self.use_avl and a.phase == "sent" and now_ms - a.since_ms > ASSIGN_TIMEOUT_S * 1000
                and self.units.get(a.unit) == VehicleStatus.AVAILABLE]
        busy = {a.incident for a in self.assignments.values()}
        unattended = [inc for inc_id, inc in self.incidents.items()
                      if inc["status"] not in _FINISHED and inc_id not in busy
                      and now_ms - self._updated[inc_id] > UNATTENDED_S * 1000]
        if not lost and not unattended:
            return
        with self.state.tx():
            for a in lost:
                log.warning("CAD: unit %d never took %s; dropping the assignment", a.unit, a.cmd_id)
                self._finish(a, now_ms)
            for inc in unattended:
                self._advance(inc, "cancelled", now_ms)

    def take_incidents(self) -> list[dict]:
        out, self.out_incidents = self.out_incidents, []
        return out

    def take_assignments(self) -> list[bytes]:
        out, self.out_assignments = self.out_assignments, []
        return out

    def long_finished(self, now_ms: int) -> list[str]:
        """Incidents finished longer ago than the periodic re-announcement covers: out of snapshots too."""
        return [inc_id for inc_id, inc in self.incidents.items()
                if inc["status"] in _FINISHED and now_ms - self._updated[inc_id] > SNAPSHOT_FINISHED_S * 1000]


# ---------------------------------------------------------------- the process


def run(kit: Kit, endpoint: str, *, incidents_endpoint: str, state_path: Path,
        assignments_endpoint: str | None = None, avl_endpoint: str | None = None,
        per_hour: float = DEFAULT_PER_HOUR, seed: int | None = None, parent_pid: int | None = None,
        duration_s: float | None = None, src: str = "sim-cad", security: Security | None = None,
        opening_queue_s: float = OPENING_QUEUE_S) -> None:
    security = security if security is not None else Security.from_env()
    ctx = zmq.Context.instance()
    state = CadState(state_path)
    generator = None
    if per_hour > 0:
        # A CAD starting afresh opens with the calls of the last few minutes in its queue, as a control room
        # taking over a shift would, instead of a blank map until the first call.
        fresh = state.next_incident_n() == 1
        generator = IncidentGenerator(kit, per_hour=per_hour, seed=seed,
                                      start_s=time.time() - opening_queue_s if fresh else None)
    cad = Cad(kit, state, use_avl=avl_endpoint is not None, generator=generator)
    pub = Publisher(incidents_endpoint, src, snapshot=protocol.snapshot_endpoint(incidents_endpoint),
                    security=security)
    leases: list[ZapLease] = []
    router = ctx.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    router.setsockopt(zmq.MAXMSGSIZE, commands.MAX_COMMAND_BYTES * 4)
    if security is not None:
        leases.append(security.apply_server(router))
    elif warning := check_plaintext(endpoint, None):
        log.warning("CAD: %s", warning)
    router.bind(endpoint)
    sockets: list[zmq.Socket] = [router]
    asg = avl = None
    if assignments_endpoint:
        asg = ctx.socket(zmq.PUB)
        asg.setsockopt(zmq.LINGER, 0)
        if security is not None:
            leases.append(security.apply_server(asg))
        asg.bind(assignments_endpoint)
        sockets.append(asg)
    poller = zmq.Poller()
    poller.register(router, zmq.POLLIN)
    if avl_endpoint:
        avl = configure(ctx.socket(zmq.SUB))
        if security is not None:
            security.apply_client(avl)
        avl.setsockopt(zmq.SUBSCRIBE, Topic.AVL)
        avl.connect(avl_endpoint)
        poller.register(avl, zmq.POLLIN)
        sockets.append(avl)
    log.info("CAD: commands on %s, incidents on %s, %d units, %d incidents known, state %s", endpoint,
             incidents_endpoint, len(cad.roster), len(cad.incidents), state_path)

    stop = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    held: list[list[bytes]] = []  # commands that came before the AVL feed did
    avl_errors: Counter[str] = Counter()

    def answer(frames: list[bytes], now: float) -> None:
        if len(frames) not in (2, 3) or (len(frames) == 3 and frames[1]):
            cad.malformed["bad-frames"] += 1
            return
        reply = cad.handle_command(frames[-1], now)
        if reply is not None:
            router.send_multipart([*frames[:-1], reply])

    def flush() -> None:
        for inc in cad.take_incidents():
            pub.send_map(Topic.INCIDENT, Kind.INCIDENT, inc)
        for body in cad.take_assignments():
            if asg is not None:
                asg.send_multipart([ASSIGN_TOPIC, body])

    start = time.monotonic()
    next_tick = 0.0
    next_forget = time.monotonic() + SNAPSHOT_EVERY_S
    try:
        while not stop:
            if duration_s is not None and time.monotonic() - start >= duration_s:
                break
            if parent_pid is not None and os.getppid() != parent_pid:
                log.info("parent %d gone; stopping", parent_pid)
                break
            events = dict(poller.poll(100))
            now = time.time()
            if avl is not None and avl in events:
                for _ in range(256):
                    try:
                        frames = avl.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    try:
                        msg = protocol.decode(frames)
                    except protocol.DecodeError as err:
                        if not avl_errors[err.reason]:
                            log.warning("CAD: bad AVL message: %s", err)
                        avl_errors[err.reason] += 1
                        continue
                    if msg.env.kind == Kind.AVL_BATCH:
                        cad.on_avl(msg.payload, now)
            if router in events:
                for _ in range(256):
                    try:
                        frames = router.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    if cad.ready(now):
                        answer(frames, now)
                    elif len(held) < MAX_HELD:
                        held.append(frames)
            if held and cad.ready(now):
                for frames in held:
                    answer(frames, now)
                held.clear()
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + 0.25
                cad.tick(now)
            if time.monotonic() >= next_forget:
                next_forget = time.monotonic() + SNAPSHOT_EVERY_S
                pub.forget(Topic.INCIDENT, cad.long_finished(int(now * 1000)))
            flush()
            pub.heartbeat()
    finally:
        log.info("CAD: %d executed, %d refused, %d repeats answered, malformed %s", cad.executed, cad.rejected,
                 cad.duplicates, dict(cad.malformed) or "none")
        for s in sockets:
            s.close(0)
        pub.close()
        for lease in leases:
            lease.release()
        state.close()
