"""Alarms, acknowledgements and shelving survive a restart, even a kill -9, and every change is in the audit log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sitroom.services.alarms.engine import AlarmEngine
from sitroom.services.alarms.model import ACKED, OUT_OF_SERVICE, SHELVED, UNACK, AlarmSpec
from sitroom.services.incidents.audit import AuditLog

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_700_000_040_000


def spec(i: int, facility: str = "F-1") -> AlarmSpec:
    return AlarmSpec(f"S{i}:alarm_hi", facility, i, "alarm_hi", "crack", 2, f"gauge {i}", True, 2.0)


def test_every_change_is_in_the_audit_log_and_the_state_comes_back(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.sqlite")
    engine = AlarmEngine()
    log.attach_alarms(engine)
    engine.condition(spec(1), True, T0, value=2.4, reading_ms=T0 - 300)
    engine.acknowledge("S1:alarm_hi", "kim", T0 + 5000, "crew sent")
    engine.condition(spec(2), True, T0)
    engine.shelve("S2:alarm_hi", "lee", T0 + 1000, T0 + 3_600_000, "gauge replaced today")
    log.close()
    again = AuditLog(tmp_path / "audit.sqlite")
    restored = AlarmEngine()
    again.attach_alarms(restored)
    one, two = restored.get("S1:alarm_hi"), restored.get("S2:alarm_hi")
    assert (one.state, one.acked_by, one.ack_note, one.value, one.reading_ms) == (ACKED, "kim", "crew sent", 2.4,
                                                                                   T0 - 300)
    assert (two.state, two.shelved_until_ms, two.shelve_note) == (SHELVED, T0 + 3_600_000, "gauge replaced today")
    events = [(who, alarm, action, detail) for _ts, who, alarm, _f, action, detail in again.alarm_events()]
    assert events == [("", "S1:alarm_hi", "raised", "value 2.4"), ("kim", "S1:alarm_hi", "acknowledged", "crew sent"),
                      ("", "S2:alarm_hi", "raised", ""),
                      ("lee", "S2:alarm_hi", "shelved", f"until {T0 + 3_600_000}: gauge replaced today")]
    restored.tick(T0 + 3_600_000)  # the shelving still ends on time after the restart, and that is on record too
    assert two.state == UNACK
    assert again.alarm_events("S2:alarm_hi")[-1][4] == "shelve-expired"
    again.close()


CHILD = textwrap.dedent("""
    import sys, time
    from sitroom.services.alarms.engine import AlarmEngine
    from sitroom.services.alarms.model import AlarmSpec
    from sitroom.services.incidents.audit import AuditLog

    log = AuditLog(sys.argv[1])
    engine = AlarmEngine()
    log.attach_alarms(engine)
    t = 1_700_000_040_000
    for i in range(50):
        engine.condition(AlarmSpec(f"S{i}:alarm_hi", f"F-{i % 5}", i, "alarm_hi", "co", 2), True, t + i)
    engine.acknowledge("S7:alarm_hi", "park", t + 100, "ventilation on")
    engine.shelve("S8:alarm_hi", "park", t + 100, t + 60_000, "nuisance")
    engine.remove_from_service("S9:alarm_hi", "park", t + 100, "sensor swap")
    print("written", flush=True)
    time.sleep(60)
""")


def test_a_kill_9_loses_nothing_that_was_done(tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "written"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    log = AuditLog(db)
    engine = AlarmEngine()
    log.attach_alarms(engine)
    assert len(engine.alarms) == 50
    assert engine.get("S7:alarm_hi").state == ACKED and engine.get("S7:alarm_hi").ack_note == "ventilation on"
    assert engine.get("S8:alarm_hi").state == SHELVED
    assert engine.get("S9:alarm_hi").state == OUT_OF_SERVICE and engine.get("S9:alarm_hi").oos_note == "sensor swap"
    assert sum(a.state == UNACK for a in engine.alarms.values()) == 47
    assert len(log.alarm_events()) == 53
    log.close()
