"""The incident lifecycle and its audit log: allowed moves only, reasons on record, state kept across restarts."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from services.incidents.audit import AuditLog
from services.incidents.model import IncidentBook, LifecycleError

WIRE = {"id": "INC-1", "type": "fire", "priority": 1, "lon": 127.38, "lat": 36.35, "status": "new",
        "reported": 1_700_000_000_000, "desc": "공장 화재"}


def test_lifecycle_moves_forward_with_reasons() -> None:
    book = IncidentBook()
    inc = book.receive(WIRE, 1.0, 2.0, "incidents")
    assert inc.status == "new" and not inc.acknowledged
    with pytest.raises(LifecycleError, match="acknowledge it first"):
        book.assign("INC-1", 10001, "kim")
    with pytest.raises(LifecycleError, match="can become acknowledged, cancelled, not on scene"):
        book.transition("INC-1", "on_scene", "kim")
    book.acknowledge("INC-1", "kim")
    book.assign("INC-1", 10001, "kim")
    assert inc.status == "dispatched" and inc.units == [10001]
    book.assign("INC-1", 10002, "kim")
    assert inc.status == "dispatched" and inc.units == [10001, 10002]
    book.transition("INC-1", "en_route", "cad")
    book.transition("INC-1", "on_scene", "cad")
    with pytest.raises(LifecycleError, match="needs a disposition"):
        book.transition("INC-1", "closed", "kim")
    book.transition("INC-1", "closed", "kim", disposition="진화 완료")
    assert not inc.open and inc.disposition == "진화 완료"
    with pytest.raises(LifecycleError, match="nothing"):
        book.transition("INC-1", "cancelled", "kim", disposition="x")


def test_feed_updates_move_forward_only() -> None:
    book = IncidentBook()
    book.receive(WIRE, 0, 0, "incidents")
    book.acknowledge("INC-1", "kim")
    assert book.receive({**WIRE, "status": "new"}, 0, 0, "incidents") is None  # never undone by a feed
    book.assign("INC-1", 10001, "kim")
    assert book.receive({**WIRE, "status": "on_scene", "units": [10001]}, 0, 0, "incidents").status == "on_scene"
    assert book.get("INC-1").units == [10001]


def test_local_incidents_and_bad_values() -> None:
    book = IncidentBook()
    inc = book.create("medical", 2, 127.4, 36.3, 5.0, 6.0, "의식 없음", "kim")
    assert inc.id.startswith("LOC-") and inc.status == "acknowledged" and inc.source == "local"
    with pytest.raises(LifecycleError, match="incident type"):
        book.create("alien", 2, 0, 0, 0, 0, "", "kim")
    with pytest.raises(LifecycleError, match="priority"):
        book.create("fire", 9, 0, 0, 0, 0, "", "kim")
    with pytest.raises(LifecycleError, match="no incident"):
        book.acknowledge("INC-404", "kim")


def test_audit_log_records_who_what_when_and_restores(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    book = IncidentBook()
    log.attach(book)
    book.receive(WIRE, 1.0, 2.0, "incidents")
    book.acknowledge("INC-1", "kim")
    book.assign("INC-1", 10001, "kim")
    actions = [(who, action, detail) for _ts, who, _inc, action, detail in log.events("INC-1")]
    assert actions == [("incidents", "received", "new"), ("kim", "acknowledged", ""),
                       ("kim", "dispatched", "unit 10001")]
    assert stat.S_IMODE((tmp_path / "audit.db").stat().st_mode) == 0o600
    log.close()
    again = IncidentBook()
    AuditLog(tmp_path / "audit.db").attach(again)
    assert again.get("INC-1").status == "dispatched" and again.get("INC-1").units == [10001]


def test_audit_entries_survive_kill_9(tmp_path: Path) -> None:
    """Entries written before a kill -9 are there afterwards; the log opens cleanly."""
    script = f"""
import os, signal
from services.incidents.audit import AuditLog
from services.incidents.model import IncidentBook
book = IncidentBook()
AuditLog({str(tmp_path / 'audit.db')!r}).attach(book)
book.receive({WIRE!r}, 0, 0, "incidents")
book.acknowledge("INC-1", "kim")
print("written", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == -9 and "written" in out.stdout
    book = IncidentBook()
    AuditLog(tmp_path / "audit.db").attach(book)
    assert book.get("INC-1").status == "acknowledged"
