"""Alarm floods (ISA-18.2 §16.6, EEMUA 191): more alarms than one operator can take in. A flood begins when
more than ``threshold`` alarms were annunciated within ``window_s``, and ends when the window holds no more
than ``end_at`` of them, so the room does not flick in and out of flood mode on one alarm."""

from __future__ import annotations

from collections import deque

FLOOD_THRESHOLD = 10
FLOOD_WINDOW_S = 600.0
FLOOD_END_AT = 5


class FloodDetector:
    def __init__(self, threshold: int = FLOOD_THRESHOLD, window_s: float = FLOOD_WINDOW_S,
                 end_at: int = FLOOD_END_AT) -> None:
        self.threshold = threshold
        self.window_ms = int(window_s * 1000)
        self.end_at = end_at
        self._times: deque[int] = deque()
        self.active = False
        self.since_ms = 0  # when the current (or last) flood began
        self.floods = 0  # floods begun

    def note(self, at_ms: int) -> bool:
        """An alarm annunciated at ``at_ms``; True when this one begins a flood."""
        self._times.append(at_ms)
        return self.update(at_ms)

    def count(self, now_ms: int) -> int:
        while self._times and self._times[0] <= now_ms - self.window_ms:
            self._times.popleft()
        return len(self._times)

    def update(self, now_ms: int) -> bool:
        """Begin or end the flood at ``now_ms``; True when a flood began."""
        n = self.count(now_ms)
        if not self.active and n > self.threshold:
            self.active, self.since_ms = True, now_ms
            self.floods += 1
            return True
        if self.active and n <= self.end_at:
            self.active = False
        return False
