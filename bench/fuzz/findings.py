"""What a fuzz run counts for each decoder (a :class:`Tally`) and the distinct crashes, hangs and broken promises
it keeps (:class:`Finding`), each with the first input that showed it."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

KEEP = 20  # distinct findings a worker keeps an example input of
_SERVICES = Path(__file__).resolve().parents[2] / "services"


@dataclass
class Finding:
    """One distinct crash, hang or violation: where, how often, and the first input that showed it."""

    kind: str  # "crash", "hang", "violation", "baseline hang", "baseline crash"
    message: str
    count: int
    first: int
    where: str = ""
    input: str = ""
    mutations: list[str] = field(default_factory=list)
    trace: str = ""


@dataclass
class Tally:
    """Counts and times for one decoder. ``hangs`` and ``crashes`` are the decoder's; a baseline that overran the
    limit or killed its worker is counted apart, as the yardstick's failure, not the decoder's."""

    inputs: int = 0
    accepted: int = 0
    rejected: int = 0
    crashes: int = 0
    hangs: int = 0
    violations: int = 0
    baseline_hangs: int = 0
    baseline_crashes: int = 0
    run_s: float = 0.0
    baseline_s: float = 0.0
    baseline_n: int = 0
    slowest_s: float = 0.0
    slowest_i: int = -1
    found: dict[tuple[str, str], Finding] = field(default_factory=dict)

    def merge(self, other: Tally) -> None:
        for f in fields(self):
            if f.name not in ("slowest_s", "slowest_i", "found"):
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        if other.slowest_s > self.slowest_s:
            self.slowest_s, self.slowest_i = other.slowest_s, other.slowest_i
        for key, f in other.found.items():
            mine = self.found.get(key)
            if mine is None:
                self.found[key] = f
            else:
                mine.count += f.count
                if f.first < mine.first and f.input:
                    mine.first, mine.message, mine.input, mine.mutations, mine.trace = (
                        f.first, f.message, f.input, f.mutations, f.trace)


def where(exc: BaseException) -> str:
    """The innermost frame in this project's services, and the innermost frame overall when that is elsewhere."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(_SERVICES)]
    parts = [f"{Path(f.filename).name}:{f.lineno}" for f in ours[-1:] + frames[-1:]]
    return " → ".join(dict.fromkeys(parts))


def record(tally: Tally, kind: str, message: str, at: str, i: int, describe: Callable[[], tuple[str, list[str]]],
           trace: str = "") -> None:
    """Count input ``i`` under its finding; the first few distinct findings keep the input (``describe`` rebuilds
    it with its mutation log, which only they pay for)."""
    key = (kind, f"{message.split(':')[0]} at {at}" if at else message)
    f = tally.found.get(key)
    if f is not None:
        f.count += 1
        return
    f = Finding(kind, message, 1, i, at, trace=trace)
    if len(tally.found) < KEEP:
        f.input, f.mutations = describe()
    tally.found[key] = f
