"""How a camera's stream is doing, judged from when its frames arrived and what decoding made of them.

Written by the threads that receive and decode frames, read by the views; one lock per stream. The rule
the views rely on: a stream is **live** only while new pictures keep coming. Frames that stop arriving make
it **lost** and frames that keep arriving with the same picture (or none that decodes) make it **frozen**,
each within :data:`SILENCE_MAX_S` (1.5 s) of the last new picture, so neither is ever shown as live.
"""

from __future__ import annotations

import enum
import itertools
import statistics
import threading
from collections import Counter, deque
from dataclasses import dataclass


class StreamState(enum.Enum):
    NO_SOURCE = "no-source"  # the camera declares no pictures
    CONNECTING = "connecting"  # asked for, nothing yet
    LIVE = "live"
    FROZEN = "frozen"  # frames arrive, the picture does not change (or does not decode)
    LOST = "lost"  # no frames: the connection dropped or the stream stalled
    REFUSED = "refused"  # the source said no (connection refused, HTTP 4xx, untrusted key)


# A stream is silent after this many of its usual frame intervals, within these bounds.
SILENCE_INTERVALS = 3.0
SILENCE_MIN_S = 0.8
SILENCE_MAX_S = 1.5
# A stream asked for that has not delivered a frame after this long is lost, not still connecting.
CONNECT_GRACE_S = 4.0
_FPS_WINDOW_S = 2.0


@dataclass(frozen=True)
class StreamReport:
    state: StreamState
    reason: str  # why, for every state but live ("" when there is nothing to say)
    fps: float  # pictures decoded per second, over the last two seconds
    faults: dict[str, int]  # counted per reason: bad-jpeg, truncated-jpeg, oversized-frame, ...


class StreamHealth:
    """One stream (a camera's sd or hd pictures). Times are the session's clock, in seconds."""

    def __init__(self, opened: float, *, has_source: bool = True) -> None:
        self._lock = threading.Lock()
        self.opened = opened
        self.has_source = has_source
        self._arrivals: deque[float] = deque(maxlen=16)
        self._decoded: deque[float] = deque(maxlen=64)
        self.last_arrival: float | None = None
        self.first_arrival: float | None = None
        self.last_new: float | None = None  # the last picture that decoded and differs from the one before
        self._digest: int | None = None
        self._same = 0  # decoded pictures in a row identical to the previous one
        self.source = "connecting"  # connecting | up | down | refused (set by whoever holds the connection)
        self.source_reason = ""
        self.faults: Counter[str] = Counter()
        self.last_fault = ""

    def reopen(self, now: float) -> None:
        """Asked for again after a pause: judged afresh (frames from before say nothing about now)."""
        with self._lock:
            self.opened = now
            self._arrivals.clear()
            self._decoded.clear()
            self.last_arrival = self.first_arrival = self.last_new = None
            self._digest, self._same = None, 0

    def arrived(self, rx: float) -> None:
        with self._lock:
            self._arrivals.append(rx)
            self.last_arrival = rx if self.last_arrival is None else max(self.last_arrival, rx)
            if self.first_arrival is None:
                self.first_arrival = rx

    def decoded(self, rx: float, digest: int) -> None:
        """A picture decoded; ``digest`` identifies its content (the same picture again is no news)."""
        with self._lock:
            self._decoded.append(rx)
            if digest != self._digest:
                self._digest, self._same = digest, 0
                self.last_new = rx if self.last_new is None else max(self.last_new, rx)
            else:
                self._same += 1

    def fault(self, reason: str, detail: str = "") -> None:
        with self._lock:
            self.faults[reason] += 1
            self.last_fault = f"{reason}: {detail}" if detail else reason

    def set_source(self, state: str, reason: str = "") -> None:
        with self._lock:
            self.source, self.source_reason = state, reason

    def silence_limit(self) -> float:
        """How long without a frame (or a new picture) means something is wrong, for this stream's rate."""
        arrivals = list(self._arrivals)
        if len(arrivals) < 3:
            return SILENCE_MAX_S
        interval = statistics.median(b - a for a, b in itertools.pairwise(arrivals))
        return min(max(SILENCE_INTERVALS * interval, SILENCE_MIN_S), SILENCE_MAX_S)

    def fps(self, now: float) -> float:
        recent = [t for t in self._decoded if now - t <= _FPS_WINDOW_S]
        if len(recent) < 2:
            return 0.0
        return (len(recent) - 1) / max(recent[-1] - recent[0], 1e-3)

    def report(self, now: float) -> StreamReport:
        with self._lock:
            state, reason = self._judge(now)
            return StreamReport(state, reason, self.fps(now) if state is StreamState.LIVE else 0.0,
                                dict(self.faults))

    def _judge(self, now: float) -> tuple[StreamState, str]:
        if not self.has_source:
            return StreamState.NO_SOURCE, ""
        if self.source == "refused":
            return StreamState.REFUSED, self.source_reason
        limit = self.silence_limit()
        if self.last_arrival is None:
            if self.source == "down":
                return StreamState.LOST, self.source_reason
            if now - self.opened > CONNECT_GRACE_S:
                return StreamState.LOST, self.source_reason or "no frames"
            return StreamState.CONNECTING, self.source_reason
        if self.source == "down":
            return StreamState.LOST, self.source_reason
        silent = now - self.last_arrival
        if silent > limit:
            return StreamState.LOST, f"no frames for {silent:.0f} s" if silent >= 1.5 else "no frames"
        if self.last_new is None:
            if self.first_arrival is not None and now - self.first_arrival <= limit:
                return StreamState.CONNECTING, ""
            return StreamState.FROZEN, self.last_fault or "no picture decodes"
        if now - self.last_new > limit:
            if self._same:
                return StreamState.FROZEN, "same picture"
            return StreamState.FROZEN, self.last_fault or "no new picture"
        return StreamState.LIVE, ""
