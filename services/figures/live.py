"""Figures of the live room: a recorder the room ticks (app/core/room.py) keeps what the session's models do
not: every alarm raised and acknowledged, when each feed last spoke (sampled), and 5-minute coverage
samples. Incidents come from the incident book itself (each keeps when it entered each status)."""

from __future__ import annotations

import time
from collections import deque

import numpy as np

from sitroom.services.alarms.model import UNACK
from sitroom.services.figures.compute import AlarmTimes, CoverageSample, Figures, IncidentTimes, compute

_KEEP = 200_000  # samples and alarms kept (a day of feed samples at 1 Hz for a few feeds)
_SAMPLE_EVERY_S = 1.0
_COVERAGE_EVERY_S = 60.0


class FigureRecorder:
    def __init__(self) -> None:
        self.started_ms = int(time.time() * 1000)
        self.alarms: dict[tuple[str, int], AlarmTimes] = {}  # (key, raised_ms) -> its times
        self.spoke: dict[str, deque[int]] = {}  # feed -> the times it was seen speaking (epoch ms)
        self.coverage: deque[CoverageSample] = deque(maxlen=_KEEP)
        self._sampled = 0.0
        self._coverage_at = 0.0
        self._last_rx: dict[str, float] = {}
        self._engine = None

    def attach_alarms(self, engine) -> None:
        """Hear the alarm engine: each annunciation and its acknowledgement."""
        if self._engine is engine:
            return
        self._engine = engine
        engine.listeners.append(self._alarm)

    def _alarm(self, alarm, action: str, who: str, detail: str) -> None:
        again = action in ("unshelved", "in-service", "shelve-expired") and alarm.state == UNACK
        if action in ("raised", "re-raised") or again:
            self.alarms[alarm.key, alarm.raised_ms] = AlarmTimes(alarm.key, alarm.facility, alarm.priority,
                                                                 alarm.raised_ms)
        elif action == "acknowledged":
            prev = self.alarms.get((alarm.key, alarm.raised_ms))
            if prev is not None and prev.acked_ms is None:
                self.alarms[alarm.key, alarm.raised_ms] = AlarmTimes(prev.key, prev.facility, prev.priority,
                                                                     prev.raised_ms, alarm.acked_ms)
        if len(self.alarms) > _KEEP:
            for k in list(self.alarms)[: len(self.alarms) - _KEEP]:
                del self.alarms[k]

    def sample(self, session, desk, now: float, now_ms: int, alarm_engine=None) -> None:
        """At most once a second: each feed that spoke since the last sample; coverage once a minute."""
        if now - self._sampled < _SAMPLE_EVERY_S and now >= self._sampled:
            return
        self._sampled = now
        if alarm_engine is not None:
            self.attach_alarms(alarm_engine)
        for h in session.client.health:
            last = getattr(h, "last_rx", None)
            if last is None:
                continue
            if self._last_rx.get(h.name) != last:
                self._last_rx[h.name] = last
                # last_rx is on the session's clock: turn it into epoch ms by the offset of now.
                self.spoke.setdefault(h.name, deque(maxlen=_KEEP)).append(int(now_ms - (now - last) * 1000))
        cov = getattr(desk, "coverage", None) if desk is not None else None
        if cov is not None and now - self._coverage_at >= _COVERAGE_EVERY_S:
            self._coverage_at = now
            self.coverage.append(CoverageSample(now_ms, float(cov.share)))

    def figures(self, session, now_ms: int, from_ms: int | None = None, bin_ms: int | None = None) -> Figures:
        lo = self.started_ms if from_ms is None else from_ms
        incidents = incident_times(session.incidents.incidents.values())
        if from_ms is None and incidents:
            lo = min(lo, min(i.reported_ms for i in incidents))
        spoke = {k: np.fromiter(v, dtype=np.int64, count=len(v)) for k, v in self.spoke.items()}
        return compute(incidents, list(self.alarms.values()), spoke, list(self.coverage), from_ms=lo, to_ms=now_ms,
                       bin_ms=bin_ms)


def incident_times(incidents) -> list[IncidentTimes]:
    return [IncidentTimes(i.id, i.type, int(i.priority), int(i.reported_ms), dict(i.changed_ms)) for i in incidents]
