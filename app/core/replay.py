"""Replay, Qt-free: a session fed by a journal instead of live feeds, the kit a journal was recorded on,
times as people write them, and slices of journals.

:class:`ReplaySession` is a :class:`~app.core.session.LiveSession` whose client is a
:class:`~services.journal.player.JournalPlayer` and whose clock is the player's, so the map, incidents,
feeds and staleness show the journal's moment. Nothing in replay writes the audit log, the speed history or
a journal, and no dispatch command can leave (the desk has no CAD link). The window is app/replay_window.py.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path

from sitroom.app.core.session import LiveSession
from sitroom.layers.traffic import TrafficLayer
from sitroom.layers.vehicles import VehicleLayer
from sitroom.services.journal.export import ExportReport, export
from sitroom.services.journal.player import JournalPlayer
from sitroom.services.journal.reader import read_meta
from sitroom.services.sim.city import CITY_NAME
from sitroom.services.store.kit import Kit, KitError, load_kit

log = logging.getLogger(__name__)

# Vehicle-layer state that belongs to the view or counts over the whole run, kept across a reset.
_VEHICLE_KEEP = {"events", "_visible", "_opacity", "dirty", "shown_types", "shown_statuses", "_project",
                 "updates_applied", "updates_out_of_order", "updates_refused"}


class ReplayError(RuntimeError):
    """A journal that cannot be replayed; the message says why and what to do."""


def journal_kit(journal_dir: Path, kit_dir: Path | None = None) -> Kit:
    """The kit the journal was recorded on: ``kit_dir`` if given, else the one ``journal.json`` names."""
    if kit_dir is not None:
        return load_kit(Path(kit_dir))
    info = read_meta(journal_dir).get("kit") or {}
    path = info.get("path")
    if path:
        try:
            return load_kit(Path(path))
        except KitError as exc:
            if not info.get("generated"):
                raise ReplayError(f"the journal was recorded on kit {info.get('name')!r} at {path}, which cannot "
                                  f"be opened ({exc}); give the kit with --kit DIR") from exc
    if not info or (info.get("generated") and info.get("name") == CITY_NAME):
        from sitroom.services.sim.demo_kit import open_demo_city

        return open_demo_city()
    raise ReplayError(f"the journal does not say where its kit {info.get('name')!r} is; give it with --kit DIR")


class ReplaySession(LiveSession):
    """A session fed by a journal player; ``pump`` and ``stale_feeds`` judge time by the replay clock."""

    def __init__(self, kit: Kit, player: JournalPlayer) -> None:
        super().__init__(kit, [])
        self.client = player  # type: ignore[assignment]  # the player has the feed client's interface
        self.player = player
        # The replay clock, for whatever asks the session what time it is (seconds; epoch ms).
        self.clock = player.now
        self.clock_ms = lambda: player.position_ms
        player.on_reset.insert(0, self.reset_models)

    def reset_models(self) -> None:
        """Empty vehicles, traffic and incidents in place: the map items, docks and the desk keep theirs."""
        v = self.vehicles
        fresh = VehicleLayer(self.projector, trail_length=v.trail_length, stale_after_s=v.stale_after_s)
        for name, value in vars(fresh).items():
            if name not in _VEHICLE_KEEP:
                setattr(v, name, value)
        v.mark_dirty()
        t = self.traffic
        free = TrafficLayer(t.roads)
        # In place: the routing engine holds the travel-time array itself.
        t.kmh[:] = free.kmh
        t.seconds[:] = free.seconds
        t.updated[:] = False
        t.applied += 1  # routing refreshes its times when this moves
        t.mark_dirty()
        self.incidents.incidents.clear()
        self.incidents.version += 1


def replay_stats(session: ReplaySession) -> dict:
    player = session.player
    return {"position_ms": player.position_ms, "start_ms": player.start_ms, "end_ms": player.end_ms,
            "messages": session.stats.messages, "records": session.stats.records, "vehicles": session.vehicles.n,
            "incidents": len(session.incidents), "resets": player.resets,
            "corrupt_records": player.stats.corrupt_records, "torn_bytes": player.stats.torn_bytes,
            "feeds_stale": len(session.stale_feeds())}


def parse_when(text: str, start_ms: int) -> int:
    """A time for ``--from``/``--to``: epoch ms, a local ISO time (``2025-05-01T14:30:00``), or an offset from
    the journal's start (``+90`` seconds, ``+12:30`` minutes:seconds, ``+1:02:03``)."""
    text = text.strip()
    if text.startswith("+"):
        try:
            parts = [float(p) for p in text[1:].split(":")]
        except ValueError:
            raise ValueError(f"not an offset: {text!r}") from None
        seconds = 0.0
        for p in parts:
            seconds = seconds * 60 + p
        return start_ms + int(seconds * 1000)
    if text.isdigit():
        return int(text)
    try:
        return int(datetime.fromisoformat(text).timestamp() * 1000)
    except ValueError:
        raise ValueError(f"not a time: {text!r} (epoch ms, ISO local time, or +offset)") from None


def export_slice(journal_dir: Path, out_dir: Path, from_ms: int, to_ms: int) -> ExportReport:
    """Write the records of [from_ms, to_ms] (and the state they start from) as a journal in ``out_dir``."""
    t0 = time.perf_counter()
    report = export(Path(journal_dir), Path(out_dir), from_ms, to_ms)
    log.info("exported %d records (+%d of state) to %s in %.1f s", report.records, report.state_records, out_dir,
             time.perf_counter() - t0)
    return report
