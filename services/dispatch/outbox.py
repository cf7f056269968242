"""The dispatch outbox: every command is on disk before it is sent, and stays pending until the CAD answers.

One SQLite file (mode 0600) in WAL mode with ``synchronous=FULL``: each commit fsyncs the write-ahead log
before it returns, so a command that :meth:`Outbox.add` accepted survives a kill -9 of the app and a power
cut alike (WAL with ``NORMAL`` would survive the first only). A restarted app finds its unanswered commands
in :meth:`Outbox.pending` and sends them again under the same ``cmd_id``; the CAD treats a repeated
``cmd_id`` as the same command, which makes delivery exactly-once end to end.

The outbox is shared by the GUI thread (``add``, ``recent``) and the link's socket thread (everything else):
one connection behind a lock, so each call is one short transaction.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack

from sitroom.services.dispatch import commands
from sitroom.services.feeds import protocol

STATES = ("pending", "acked", "rejected")
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS commands (
    cmd_id TEXT PRIMARY KEY,
    body BLOB NOT NULL,
    cmd TEXT NOT NULL,
    incident TEXT NOT NULL,
    unit INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acked', 'rejected')),
    reason TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL,
    sent_count INTEGER NOT NULL DEFAULT 0,
    last_sent_ms INTEGER,
    acked_ms INTEGER
);
CREATE INDEX IF NOT EXISTS commands_state ON commands (state);
"""
_COLUMNS = "cmd_id, body, cmd, incident, unit, state, reason, created_ms, sent_count, last_sent_ms, acked_ms"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    cmd_id: str
    body: bytes  # the msgpack command exactly as sent
    cmd: str
    incident: str
    unit: int
    state: str  # "pending" | "acked" | "rejected"
    reason: str  # the CAD's reason for a rejection
    created_ms: int
    sent_count: int
    last_sent_ms: int | None
    acked_ms: int | None

    @property
    def command(self) -> dict[str, Any]:
        return msgpack.unpackb(self.body, raw=False)


def new_command(cmd: str, incident: str, unit: int, lon: float, lat: float, **extra: Any) -> dict[str, Any]:
    """A command with a fresh ``cmd_id`` (its idempotency key, kept for every repeat) and the time now;
    ``extra`` adds fields such as ``by`` (who gave the order). :meth:`Outbox.add` checks it, once."""
    return {"cmd_id": uuid.uuid4().hex, "cmd": cmd, "incident": incident, "unit": int(unit), "lon": float(lon),
            "lat": float(lat), "ts": protocol.now_ms(), **extra}


def open_private_db(path: Path) -> sqlite3.Connection:
    """A WAL, synchronous=FULL SQLite connection on a file only its owner may read (SQLite gives the -wal and
    -shm files the database file's permissions)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    os.chmod(path, 0o600)  # an older file with looser permissions is tightened too
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._db = open_private_db(self.path)
        with self._lock:
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, command: dict[str, Any], now_ms: int | None = None) -> str:
        """Persist ``command`` (checked by the protocol; a bad one raises ``protocol.DecodeError``, a ValueError)
        and return its ``cmd_id``. Adding a ``cmd_id`` that is already here changes nothing."""
        body = commands.encode_command(command)
        now = protocol.now_ms() if now_ms is None else now_ms
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO commands (cmd_id, body, cmd, incident, unit, created_ms) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (command["cmd_id"], body, command["cmd"], command["incident"], int(command["unit"]), now))
        return command["cmd_id"]

    def pending(self) -> list[OutboxEntry]:
        """Unanswered commands, oldest first."""
        return self._select("WHERE state = 'pending' ORDER BY rowid")

    def get(self, cmd_id: str) -> OutboxEntry | None:
        rows = self._select("WHERE cmd_id = ?", (cmd_id,))
        return rows[0] if rows else None

    def recent(self, n: int = 50) -> list[OutboxEntry]:
        """The last ``n`` commands, newest first, whatever their state."""
        return self._select("ORDER BY rowid DESC LIMIT ?", (int(n),))

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM commands GROUP BY state").fetchall()
        return {s: 0 for s in STATES} | dict(rows)

    def mark_sent(self, cmd_ids: Iterable[str], now_ms: int | None = None) -> None:
        now = protocol.now_ms() if now_ms is None else now_ms
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(
                    "UPDATE commands SET sent_count = sent_count + 1, last_sent_ms = ? WHERE cmd_id = ?",
                    [(now, c) for c in cmd_ids])
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def mark_acked(self, cmd_id: str, ok: bool, reason: str = "", now_ms: int | None = None) -> bool:
        """Record the CAD's answer; False for a ``cmd_id`` this outbox never held. The first answer stays:
        a repeated acknowledgement of a settled command changes nothing."""
        now = protocol.now_ms() if now_ms is None else now_ms
        with self._lock:
            cur = self._db.execute(
                "UPDATE commands SET state = ?, reason = ?, acked_ms = ? WHERE cmd_id = ? AND state = 'pending'",
                ("acked" if ok else "rejected", reason or "", now, cmd_id))
            if cur.rowcount:
                return True
            return self._db.execute("SELECT 1 FROM commands WHERE cmd_id = ?", (cmd_id,)).fetchone() is not None

    def _select(self, where: str, args: tuple = ()) -> list[OutboxEntry]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM commands {where}", args).fetchall()
        return [OutboxEntry(*r) for r in rows]
