"""Figures of a journal with its 5-minute coverage: the fleet and the link speeds as a replay shows them at
regular moments, each moment's coverage computed by the dispatch desk as it is live. Qt-free."""

from __future__ import annotations

from pathlib import Path

from sitroom.app.core.desk import DispatchDesk
from sitroom.app.core.replay import ReplaySession, journal_kit
from sitroom.services.figures.compute import CoverageSample, Figures
from sitroom.services.figures.journal import journal_figures
from sitroom.services.journal.player import JournalPlayer


def journal_coverage(directory: Path, kit, every_ms: int = 15 * 60_000, limit_s: float = 300.0
                     ) -> list[CoverageSample]:
    """Coverage of the available fire engines within ``limit_s``, every ``every_ms`` of the journal."""
    player = JournalPlayer(Path(directory), precompute=False)
    session = ReplaySession(kit, player)
    desk = DispatchDesk(session)
    desk.coverage_limit_s = limit_s
    out = []
    try:
        for t in range(player.start_ms + min(every_ms // 2, (player.end_ms - player.start_ms) // 2),
                       player.end_ms + 1, every_ms):
            player.seek(t)
            session.pump()
            cov = desk.update_coverage(force=True)
            if cov is not None:
                out.append(CoverageSample(t, float(cov.share)))
    finally:
        player.close()
    return out


def figures_of_journal(directory: Path, *, kit=None, audit: Path | None = None, from_ms: int | None = None,
                       to_ms: int | None = None, coverage: bool = True) -> Figures:
    """Every figure of a journal; its kit from ``journal.json`` unless given (coverage needs it)."""
    cov = journal_coverage(directory, kit if kit is not None else journal_kit(Path(directory))) if coverage else []
    return journal_figures(directory, from_ms=from_ms, to_ms=to_ms, audit=audit, coverage=cov)
