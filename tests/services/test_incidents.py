"""The incident lifecycle and its audit log: allowed moves only, reasons on record, state kept across restarts."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sitroom.services.incidents.audit import AuditLog
from sitroom.services.incidents.model import IncidentBook, LifecycleError

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


def _heard(book: IncidentBook) -> list[tuple[str, str, str, str]]:
    """Every change the book announces, as (incident, action, who, detail)."""
    events: list[tuple[str, str, str, str]] = []
    book.listeners.append(lambda inc, action, who, detail: events.append((inc.id, action, who, detail)))
    return events


def test_a_feed_may_report_a_move_past_several_steps() -> None:
    """A CAD reports where an incident is: new -> dispatched (never acknowledged there) is forward."""
    book = IncidentBook()
    events = _heard(book)
    book.receive(WIRE, 0, 0, "cad", now_ms=1)
    inc = book.receive({**WIRE, "status": "dispatched", "units": [10001]}, 0, 0, "cad", now_ms=2)
    assert inc is not None and inc.status == "dispatched" and inc.units == [10001]
    assert inc.changed_ms == {"new": 1, "dispatched": 2}  # no time for a step never seen here
    assert book.receive({**WIRE, "status": "closed", "units": [10001]}, 0, 0, "cad", now_ms=3).status == "closed"
    assert events == [("INC-1", "received", "cad", "new"),
                      ("INC-1", "dispatched", "cad", "reported by the feed, past acknowledged; unit 10001"),
                      ("INC-1", "closed", "cad", "reported by the feed, past on scene")]
    assert book.refused == {}


def test_a_snapshot_repairs_an_incident_whose_updates_were_lost() -> None:
    book = IncidentBook()
    events = _heard(book)
    book.receive({**WIRE, "status": "acknowledged"}, 0, 0, "cad")
    inc = book.receive({**WIRE, "status": "on_scene", "units": [10001, 10002]}, 0, 0, "cad", snapshot=True)
    assert inc is not None and (inc.status, inc.units) == ("on_scene", [10001, 10002])
    # At the same status, units the updates would have brought still join (and none leaves).
    assert book.receive({**WIRE, "status": "on_scene", "units": [10003, 10001]}, 0, 0, "cad", snapshot=True) is inc
    assert inc.units == [10001, 10002, 10003]
    assert book.receive({**WIRE, "status": "on_scene", "units": [10003]}, 0, 0, "cad", snapshot=True) is None
    assert events[1:] == [
        ("INC-1", "on_scene", "cad", "from the feed's snapshot, past dispatched; units 10001, 10002"),
        ("INC-1", "assigned", "cad", "from the feed's snapshot; unit 10003")]


def test_moves_back_are_refused_and_counted_and_contradictions_put_on_record() -> None:
    book = IncidentBook()
    events = _heard(book)
    book.receive(WIRE, 0, 0, "cad")
    book.acknowledge("INC-1", "kim")
    del events[:]
    # The CAD does not hear of an acknowledgement given here: it stays behind, which is counted, not noted.
    for _ in range(2):
        assert book.receive(WIRE, 0, 0, "cad") is None
    assert (book.refused, events) == ({"behind": 2}, [])
    assert book.last_refused == "INC-1: cad reported new, but it is acknowledged (behind)"

    assert book.receive({**WIRE, "status": "on_scene", "units": [7]}, 0, 0, "cad").status == "on_scene"
    for _ in range(2):  # the feed contradicts itself: on record once, counted each time
        assert book.receive({**WIRE, "status": "en_route", "units": [7]}, 0, 0, "cad") is None
    assert book.receive({**WIRE, "status": "cancelled"}, 0, 0, "cad") is None  # on scene cannot be cancelled
    assert book.get("INC-1").status == "on_scene"
    assert book.refused == {"behind": 2, "backwards": 2, "not-allowed": 1}
    assert events[1:] == [
        ("INC-1", "refused", "cad", "en route reported by the feed: a step back"),
        ("INC-1", "refused", "cad", "cancelled reported by the feed: not a move the lifecycle allows")]
    with pytest.raises(LifecycleError):  # a dispatcher is held to the lifecycle step by step, as before
        book.transition("INC-1", "cancelled", "kim", disposition="x")


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
from sitroom.services.incidents.audit import AuditLog
from sitroom.services.incidents.model import IncidentBook
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
