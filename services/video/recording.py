"""Which camera frames go into the journal: a rate per camera, and a share of the journal's size budget.

Frames are recorded at :data:`DEFAULT_FPS` per camera (a picture a second is what a later review needs to see
what happened), and at full rate for the cameras chosen for an open incident. Whatever the rates, frames may
take at most ``share`` of the journal's retention budget over ``horizon_s``: a token bucket in bytes, so a
full wall of cameras can never push the vehicles' history out of the journal. Frames left out are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_FPS = 1.0
DEFAULT_SHARE = 0.5  # of the journal's retention, for camera frames
DEFAULT_HORIZON_S = 24 * 3600.0  # the budget is spread over this much recording
_BURST_S = 10.0  # the bucket holds this many seconds of the budget


def budget_bytes_per_s(retention_bytes: int | None, share: float = DEFAULT_SHARE,
                       horizon_s: float = DEFAULT_HORIZON_S) -> float:
    """Bytes per second camera frames may add to a journal of ``retention_bytes`` (None: unlimited)."""
    if retention_bytes is None:
        return float("inf")
    return retention_bytes * share / horizon_s


@dataclass
class FrameRecorder:
    fps: float = DEFAULT_FPS  # per camera, 0 for none
    bytes_per_s: float = float("inf")
    full_rate: set[str] = field(default_factory=set)  # cameras recorded at every frame (an open incident's)
    recorded: int = 0
    recorded_bytes: int = 0
    skipped_rate: int = 0
    skipped_budget: int = 0
    _last: dict[str, float] = field(default_factory=dict)
    _tokens: float | None = None
    _refilled: float = 0.0

    def keep(self, camera: str, nbytes: int, now: float) -> bool:
        """Whether this frame of ``camera`` (``nbytes`` on the wire, received at ``now`` seconds) is recorded."""
        full = camera in self.full_rate
        if not full:
            if self.fps <= 0:
                self.skipped_rate += 1
                return False
            last = self._last.get(camera)
            if last is not None and now - last < 1.0 / self.fps - 1e-6:
                self.skipped_rate += 1
                return False
        if self.bytes_per_s != float("inf"):
            burst = self.bytes_per_s * _BURST_S
            if self._tokens is None:
                self._tokens = burst
            else:
                self._tokens = min(burst, self._tokens + max(0.0, now - self._refilled) * self.bytes_per_s)
            self._refilled = now
            if self._tokens < nbytes:
                self.skipped_budget += 1
                return False
            self._tokens -= nbytes
        self._last[camera] = now
        self.recorded += 1
        self.recorded_bytes += nbytes
        return True
