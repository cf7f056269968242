"""Figures from any journal: its incident messages, when each feed spoke, and (when asked, with the kit) the
5-minute coverage of the fleet as the journal shows it at regular moments. Qt-free.

Coverage needs the kit and a replay of the fleet: app/core/figures.py samples it and hands it in.

Incidents are rebuilt as the app's incident book would have them: an incident's reported time is the
``reported`` of its messages, and it entered a status when the first message saying so was received (a
move past several statuses gives the ones passed over no time, as in the book). Alarms come from the audit
log when one is given (raised and acknowledged as they were), since acknowledgements are people's, not the
feeds'.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from sitroom.services.feeds import protocol
from sitroom.services.figures.compute import AlarmTimes, CoverageSample, Figures, IncidentTimes, compute
from sitroom.services.journal.reader import JournalReader


def read_journal(directory: Path) -> tuple[list[IncidentTimes], dict[str, np.ndarray], tuple[int, int] | None]:
    """Incidents and, per feed, every receive time, from the journal in ``directory``."""
    first: dict[str, dict] = {}
    changed: dict[str, dict[str, int]] = defaultdict(dict)
    spoke: dict[str, list[int]] = defaultdict(list)
    with JournalReader(Path(directory)) as reader:
        span = reader.time_range()
        for rec in reader:
            spoke[rec.feed].append(rec.recv_ms)
            if not rec.frames or bytes(rec.frames[0]) != protocol.Topic.INCIDENT:
                continue
            try:
                msg = protocol.decode(rec.frames)
            except protocol.DecodeError:
                continue
            p = msg.payload
            first.setdefault(p["id"], p)
            changed[p["id"]].setdefault(p["status"], rec.recv_ms)
    incidents = [IncidentTimes(i, p["type"], int(p["priority"]), int(p["reported"]), dict(changed[i]))
                 for i, p in first.items()]
    return incidents, {k: np.array(v, dtype=np.int64) for k, v in spoke.items()}, span


def audit_alarms(path: Path) -> list[AlarmTimes]:
    """Alarms raised and acknowledged, from an audit log's alarm events."""
    from sitroom.services.incidents.audit import AuditLog

    audit = AuditLog(Path(path))
    try:
        raised: dict[str, AlarmTimes] = {}
        out: list[AlarmTimes] = []
        priority = {a.key: a.priority for a in audit.alarms()}
        for ts, _who, key, facility, action, _detail in audit.alarm_events():
            if action in ("raised", "re-raised"):
                if key in raised:
                    out.append(raised.pop(key))
                raised[key] = AlarmTimes(key, facility, priority.get(key, 4), ts)
            elif action == "acknowledged" and key in raised:
                a = raised.pop(key)
                out.append(AlarmTimes(a.key, a.facility, a.priority, a.raised_ms, ts))
        return out + list(raised.values())
    finally:
        audit.close()


def journal_figures(directory: Path, *, from_ms: int | None = None, to_ms: int | None = None,
                    audit: Path | None = None, coverage: list[CoverageSample] | None = None,
                    bin_ms: int | None = None) -> Figures:
    """Every figure of the journal (over its whole span unless given); ``coverage``: samples taken by replaying
    it (app/core/figures.py), which needs the kit."""
    incidents, spoke, span = read_journal(directory)
    lo = from_ms if from_ms is not None else (span[0] if span else 0)
    hi = to_ms if to_ms is not None else (span[1] if span else lo + 1)
    alarms = audit_alarms(audit) if audit is not None and Path(audit).is_file() else []
    return compute(incidents, alarms, spoke, coverage or [], from_ms=lo, to_ms=hi, bin_ms=bin_ms)
