"""What the figures are, from plain records: incidents with the times they reached each status, alarms with
the times they were raised and acknowledged, when each feed spoke, and 5-minute coverage samples.

- **Incidents by type and status over time**: incidents reported per time bin and type; incidents in each
  status at the end of each bin (the last status entered by then).
- **Response time**: per incident reported in the period, call → dispatched, dispatched → on scene and call →
  on scene (the "call" is the incident's reported time); the share of arrivals (call → on scene) within
  5 and within 7 minutes, and their distribution by minute.
- **5-minute coverage by hour of day**: the mean of the coverage samples taken in each local hour.
- **Alarms and time to acknowledge**: alarms raised in the period by priority; raised → acknowledged.
- **Feed uptime**: the share of the period in which each feed was live, i.e. had spoken (any message,
  heartbeats included) within the stale timeout before that moment.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from sitroom.services.feeds.protocol import HEARTBEAT_INTERVAL_S, STALE_AFTER_HEARTBEATS
from sitroom.services.vocabulary import INCIDENT_STATUSES, INCIDENT_TYPES

STALE_AFTER_MS = int(HEARTBEAT_INTERVAL_S * STALE_AFTER_HEARTBEATS * 1000)
GOLDEN_S = (300.0, 420.0)
HIST_MINUTES = 20  # the response-time histogram: one bar per minute, the last holds everything later


@dataclass(frozen=True)
class IncidentTimes:
    id: str
    type: str
    priority: int
    reported_ms: int
    changed_ms: Mapping[str, int]  # status -> when it was first entered

    def status_at(self, ms: int) -> str | None:
        """The status the incident was in at ``ms`` (None before it was known)."""
        reached = [(t, s) for s, t in self.changed_ms.items() if t <= ms]
        if not reached:
            return None
        return max(reached, key=lambda ts: (ts[0], INCIDENT_STATUSES.index(ts[1])))[1]


@dataclass(frozen=True)
class AlarmTimes:
    key: str
    facility: str
    priority: int
    raised_ms: int
    acked_ms: int | None = None


@dataclass(frozen=True)
class CoverageSample:
    ms: int
    share: float  # 0..1


@dataclass
class ResponseFigures:
    n: int  # arrivals (call → on scene known)
    call_to_dispatch_s: np.ndarray
    dispatch_to_scene_s: np.ndarray
    call_to_scene_s: np.ndarray
    within_5: float  # share of arrivals within 5 minutes (NaN without arrivals)
    within_7: float
    histogram: np.ndarray  # arrivals per minute, HIST_MINUTES bars (the last: that minute or later)

    def median(self, which: str) -> float:
        a = getattr(self, which)
        return float(np.median(a)) if len(a) else math.nan


@dataclass
class AlarmFigures:
    raised: int
    by_priority: dict[int, int]
    acked: int
    ack_s: np.ndarray  # raised → acknowledged, seconds

    @property
    def median_ack_s(self) -> float:
        return float(np.median(self.ack_s)) if len(self.ack_s) else math.nan


@dataclass
class Figures:
    from_ms: int
    to_ms: int
    bin_ms: int
    bins: np.ndarray  # bin start times, epoch ms
    reported_by_type: dict[str, np.ndarray]  # type -> incidents reported in each bin
    status_counts: dict[str, np.ndarray]  # status -> incidents in it at each bin's end
    response: ResponseFigures
    coverage_by_hour: np.ndarray  # 24 mean shares (NaN: no sample in that hour)
    coverage_samples: int
    alarms: AlarmFigures
    feed_uptime: dict[str, float]  # feed -> share of the period live
    incidents: int  # reported in the period
    extra: dict = field(default_factory=dict)


def _bins(from_ms: int, to_ms: int, bin_ms: int) -> np.ndarray:
    n = max(1, math.ceil((to_ms - from_ms) / bin_ms))
    return from_ms + np.arange(n, dtype=np.int64) * bin_ms


def response_figures(incidents: Iterable[IncidentTimes], from_ms: int, to_ms: int) -> ResponseFigures:
    c2d, d2s, c2s = [], [], []
    for inc in incidents:
        if not from_ms <= inc.reported_ms <= to_ms:
            continue
        d, s = inc.changed_ms.get("dispatched"), inc.changed_ms.get("on_scene")
        if d is not None:
            c2d.append((d - inc.reported_ms) / 1000)
        if d is not None and s is not None:
            d2s.append((s - d) / 1000)
        if s is not None:
            c2s.append((s - inc.reported_ms) / 1000)
    arr = np.array(c2s, dtype=np.float64)
    hist = np.bincount(np.clip((arr // 60).astype(np.int64), 0, HIST_MINUTES - 1), minlength=HIST_MINUTES) \
        if len(arr) else np.zeros(HIST_MINUTES, dtype=np.int64)
    return ResponseFigures(len(arr), np.array(c2d), np.array(d2s), arr,
                           float((arr <= GOLDEN_S[0]).mean()) if len(arr) else math.nan,
                           float((arr <= GOLDEN_S[1]).mean()) if len(arr) else math.nan, hist)


def alarm_figures(alarms: Iterable[AlarmTimes], from_ms: int, to_ms: int) -> AlarmFigures:
    picked = [a for a in alarms if from_ms <= a.raised_ms <= to_ms]
    by_p = {p: sum(1 for a in picked if a.priority == p) for p in (1, 2, 3, 4)}
    ack = np.array([(a.acked_ms - a.raised_ms) / 1000 for a in picked if a.acked_ms is not None], dtype=np.float64)
    return AlarmFigures(len(picked), by_p, len(ack), ack)


def feed_uptime(spoke: Mapping[str, Sequence[int] | np.ndarray], from_ms: int, to_ms: int,
                stale_after_ms: int = STALE_AFTER_MS) -> dict[str, float]:
    """Per feed, the share of [from_ms, to_ms] covered by [t, t + stale_after_ms) for each time t it spoke."""
    span = max(to_ms - from_ms, 1)
    out = {}
    for name, times in spoke.items():
        t = np.sort(np.asarray(times, dtype=np.int64))
        if not len(t):
            out[name] = 0.0
            continue
        starts = np.clip(t, from_ms, to_ms)
        ends = np.clip(t + stale_after_ms, from_ms, to_ms)
        # Union of the intervals: each covers up to the next one's start.
        covered = np.minimum(ends[:-1], starts[1:]) - starts[:-1]
        total = float(np.clip(covered, 0, None).sum() + (ends[-1] - starts[-1]))
        out[name] = total / span
    return out


def coverage_by_hour(samples: Iterable[CoverageSample], from_ms: int, to_ms: int) -> tuple[np.ndarray, int]:
    sums, counts = np.zeros(24), np.zeros(24)
    n = 0
    for s in samples:
        if from_ms <= s.ms <= to_ms and math.isfinite(s.share):
            h = datetime.fromtimestamp(s.ms / 1000).hour
            sums[h] += s.share
            counts[h] += 1
            n += 1
    with np.errstate(invalid="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan), n


def compute(incidents: Sequence[IncidentTimes], alarms: Sequence[AlarmTimes] = (),
            spoke: Mapping[str, Sequence[int]] | None = None, coverage: Sequence[CoverageSample] = (), *,
            from_ms: int, to_ms: int, bin_ms: int | None = None) -> Figures:
    """Every figure over [from_ms, to_ms]; ``bin_ms`` defaults to an hour, or a tenth of a short period."""
    if to_ms <= from_ms:
        to_ms = from_ms + 1
    if bin_ms is None:
        bin_ms = 3_600_000 if to_ms - from_ms >= 6 * 3_600_000 else max(60_000, (to_ms - from_ms) // 10)
    bins = _bins(from_ms, to_ms, bin_ms)
    ends = np.minimum(bins + bin_ms, to_ms)
    by_type = {t: np.zeros(len(bins), dtype=np.int64) for t in INCIDENT_TYPES}
    statuses = {s: np.zeros(len(bins), dtype=np.int64) for s in INCIDENT_STATUSES}
    reported = 0
    for inc in incidents:
        if from_ms <= inc.reported_ms <= to_ms:
            reported += 1
            k = min(int((inc.reported_ms - from_ms) // bin_ms), len(bins) - 1)
            by_type.setdefault(inc.type, np.zeros(len(bins), dtype=np.int64))[k] += 1
        for k, end in enumerate(ends.tolist()):
            status = inc.status_at(end)
            if status is not None:
                statuses[status][k] += 1
    cov, n_cov = coverage_by_hour(coverage, from_ms, to_ms)
    return Figures(from_ms, to_ms, bin_ms, bins, by_type, statuses, response_figures(incidents, from_ms, to_ms),
                   cov, n_cov, alarm_figures(alarms, from_ms, to_ms), feed_uptime(spoke or {}, from_ms, to_ms),
                   reported)
