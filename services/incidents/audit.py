"""The local audit log, in SQLite: every incident change (who, what, when) and the incidents' current state;
the same for facility alarms (raised, acknowledged with a note, shelved, out of service, …); and the viewing
log: every camera a person had on screen, from when to when (Korean CCTV rules ask for it).

WAL mode with ``synchronous=NORMAL``: an entry is safe from an application crash (kill -9) as soon as it is
written; a power cut can lose the last transactions since the previous WAL checkpoint. Writes are one row
each, at the pace of people and incident feeds, so they run where the change happens.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

from sitroom.services.alarms.engine import AlarmEngine
from sitroom.services.alarms.model import Alarm
from sitroom.services.incidents.model import Incident, IncidentBook

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms INTEGER NOT NULL,
    who TEXT NOT NULL,
    incident TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_incident ON events (incident);
CREATE TABLE IF NOT EXISTS incidents (id TEXT PRIMARY KEY, body TEXT NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS camera_views (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    who TEXT NOT NULL,
    camera TEXT NOT NULL,
    name TEXT NOT NULL,
    incident TEXT NOT NULL,  -- the incident the camera was opened for, or ""
    start_ms INTEGER NOT NULL,
    end_ms INTEGER,  -- NULL while shown
    seen_ms INTEGER NOT NULL,  -- the last time it was known to be shown (where a crash leaves the end)
    ended TEXT NOT NULL DEFAULT ''  -- "closed", or "app stopped" when the end is the last time seen
);
CREATE INDEX IF NOT EXISTS camera_views_start ON camera_views (start_ms);
CREATE TABLE IF NOT EXISTS alarm_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms INTEGER NOT NULL,
    who TEXT NOT NULL,
    alarm TEXT NOT NULL,
    facility TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alarm_events_alarm ON alarm_events (alarm);
CREATE TABLE IF NOT EXISTS alarms (key TEXT PRIMARY KEY, body TEXT NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS access_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms INTEGER NOT NULL,
    who TEXT NOT NULL,  -- the person (their login name), or "" for the room itself (a wall's rules)
    role TEXT NOT NULL,
    action TEXT NOT NULL,  -- login, login-failed, refused, wall, wall-command
    detail TEXT NOT NULL
);
"""
VIEW_COLUMNS = ("who", "camera", "name", "incident", "start_ms", "end_ms", "ended")


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not self.path.exists()
        self._db = sqlite3.connect(self.path, isolation_level=None)
        if fresh:
            os.chmod(self.path, 0o600)  # who did what to whom: for the room's eyes only
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        # Views the last run never closed (killed, crashed): they ended when they were last seen.
        with self._db:
            self._db.execute("UPDATE camera_views SET end_ms = seen_ms, ended = 'app stopped' WHERE end_ms IS NULL")

    def attach(self, book: IncidentBook) -> None:
        """Restore the saved incidents into ``book`` and record every later change."""
        book.restore(self.incidents())
        book.listeners.append(self.record)

    def record(self, inc: Incident, action: str, who: str, detail: str = "") -> None:
        now = int(time.time() * 1000)
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("INSERT INTO events (ts_ms, who, incident, action, detail) VALUES (?, ?, ?, ?, ?)",
                             (now, who, inc.id, action, detail))
            self._db.execute("INSERT OR REPLACE INTO incidents (id, body, updated_ms) VALUES (?, ?, ?)",
                             (inc.id, json.dumps(inc.to_dict(), ensure_ascii=False), now))

    def events(self, incident: str | None = None) -> list[tuple[int, str, str, str, str]]:
        """(ts_ms, who, incident, action, detail), oldest first."""
        sql = "SELECT ts_ms, who, incident, action, detail FROM events"
        rows = self._db.execute(sql + " WHERE incident = ? ORDER BY seq", (incident,)) if incident \
            else self._db.execute(sql + " ORDER BY seq")
        return list(rows)

    def incidents(self) -> list[Incident]:
        return [Incident.from_dict(json.loads(body)) for (body,) in
                self._db.execute("SELECT body FROM incidents ORDER BY updated_ms")]

    # ------------------------------------------------------------ the viewing log

    def camera_opened(self, who: str, camera: str, name: str, start_ms: int, incident: str = "") -> int:
        """``who`` starts seeing ``camera``; returns the entry to close."""
        with self._db:
            cur = self._db.execute("INSERT INTO camera_views (who, camera, name, incident, start_ms, seen_ms) "
                                   "VALUES (?, ?, ?, ?, ?, ?)", (who, camera, name, incident, start_ms, start_ms))
        return int(cur.lastrowid)

    def camera_closed(self, entry: int, end_ms: int) -> None:
        with self._db:
            self._db.execute("UPDATE camera_views SET end_ms = ?, seen_ms = ?, ended = 'closed' "
                             "WHERE seq = ? AND end_ms IS NULL", (end_ms, end_ms, entry))

    def cameras_seen(self, now_ms: int) -> None:
        """Every camera still shown is still shown now (called every few seconds: bounds what a crash loses)."""
        with self._db:
            self._db.execute("UPDATE camera_views SET seen_ms = ? WHERE end_ms IS NULL", (now_ms,))

    def camera_views(self, from_ms: int | None = None, to_ms: int | None = None) -> list[tuple]:
        """(who, camera, name, incident, start_ms, end_ms, ended) of the views overlapping [from_ms, to_ms],
        oldest first; ``end_ms`` None while still shown."""
        lo = -(2**62) if from_ms is None else from_ms
        hi = 2**62 if to_ms is None else to_ms
        return list(self._db.execute(
            "SELECT who, camera, name, incident, start_ms, end_ms, ended FROM camera_views "
            "WHERE start_ms <= ? AND COALESCE(end_ms, ?) >= ? ORDER BY start_ms, seq", (hi, hi, lo)))
    # ------------------------------------------------------------ alarms

    def attach_alarms(self, engine: AlarmEngine) -> None:
        """Restore the saved alarms (acknowledged, shelved, out of service as they were) into ``engine`` and
        record every later change, before it is visible."""
        engine.restore(self.alarms())
        engine.listeners.append(self.record_alarm)

    def record_alarm(self, alarm: Alarm, action: str, who: str, detail: str = "") -> None:
        now = int(time.time() * 1000)
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("INSERT INTO alarm_events (ts_ms, who, alarm, facility, action, detail) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (now, who, alarm.key, alarm.facility, action, detail))
            self._db.execute("INSERT OR REPLACE INTO alarms (key, body, updated_ms) VALUES (?, ?, ?)",
                             (alarm.key, json.dumps(alarm.to_dict(), ensure_ascii=False), now))

    def alarm_events(self, alarm: str | None = None) -> list[tuple[int, str, str, str, str, str]]:
        """(ts_ms, who, alarm, facility, action, detail), oldest first."""
        sql = "SELECT ts_ms, who, alarm, facility, action, detail FROM alarm_events"
        rows = self._db.execute(sql + " WHERE alarm = ? ORDER BY seq", (alarm,)) if alarm \
            else self._db.execute(sql + " ORDER BY seq")
        return list(rows)

    def alarms(self) -> list[Alarm]:
        return [Alarm.from_dict(json.loads(body)) for (body,) in
                self._db.execute("SELECT body FROM alarms ORDER BY updated_ms")]

    # ------------------------------------------------------------ people and walls

    def record_access(self, who: str, role: str, action: str, detail: str = "") -> None:
        """A login, a refused action (and why), a wall's preset switching, a command to a wall."""
        with self._db:
            self._db.execute("INSERT INTO access_events (ts_ms, who, role, action, detail) VALUES (?, ?, ?, ?, ?)",
                             (int(time.time() * 1000), who, role, action, detail))

    def access_events(self, action: str | None = None) -> list[tuple[int, str, str, str, str]]:
        """(ts_ms, who, role, action, detail), oldest first."""
        sql = "SELECT ts_ms, who, role, action, detail FROM access_events"
        rows = self._db.execute(sql + " WHERE action = ? ORDER BY seq", (action,)) if action \
            else self._db.execute(sql + " ORDER BY seq")
        return list(rows)

    def close(self) -> None:
        self._db.close()
