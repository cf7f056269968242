"""The local audit log: every incident change (who, what, when) and the incidents' current state, in SQLite;
and the same for facility alarms (raised, acknowledged with a note, shelved, out of service, …).

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

from services.alarms.engine import AlarmEngine
from services.alarms.model import Alarm
from services.incidents.model import Incident, IncidentBook

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
"""


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

    def close(self) -> None:
        self._db.close()
