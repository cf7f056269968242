"""Replay: the control room on a journal instead of live feeds, with a timeline dock; and slices of journals.

The window is the live one; only the session differs. :class:`ReplaySession` is a :class:`LiveSession` whose
client is a :class:`JournalPlayer` and whose every "now" is the replay clock, so the map, incidents, feeds
and staleness show the journal's moment. Nothing in replay writes the audit log, the speed history or a
journal, and no dispatch command can leave (no CAD link).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.session import LiveSession
from layers.traffic import TrafficLayer
from layers.vehicles import VehicleLayer
from services.feeds.client import FeedConfig
from services.journal.export import ExportReport, export
from services.journal.player import JournalPlayer
from services.journal.reader import read_meta
from services.sim.city import CITY_NAME
from services.store.kit import Kit, KitError, load_kit

if TYPE_CHECKING:  # Qt only in the functions that show a window, so export and tests need no display
    from app.main_window import MainWindow
    from widgets.timeline_dock import TimelineWidget

log = logging.getLogger(__name__)

# Vehicle-layer state that belongs to the view or counts over the whole run, kept across a reset.
_VEHICLE_KEEP = {"events", "_visible", "_opacity", "dirty", "shown_types", "shown_statuses", "_project",
                 "updates_applied", "updates_out_of_order"}
SELECT_WAIT_MS = 200


class ReplayError(RuntimeError):
    """A journal that cannot be replayed; the message says why and what to do."""


def journal_meta(kit: Kit, feeds: list[FeedConfig]) -> dict:
    """What a live journal's ``journal.json`` should say (``JournalWriter(..., meta=journal_meta(kit, feeds))``)."""
    return {"kit": {"name": kit.name, "path": str(kit.path) if kit.path is not None else None,
                    "generated": bool(kit.generated), "crs": kit.crs},
            "feeds": [{"name": f.name, "endpoint": f.endpoint} for f in feeds]}


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
        from services.sim.demo_kit import open_demo_city

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

    def pump(self, now: float | None = None, limit: int | None = None) -> int:
        return super().pump(self.player.now(), limit)

    def stale_feeds(self, now: float | None = None) -> np.ndarray:
        return super().stale_feeds(self.player.now())

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


def attach_timeline(window: MainWindow, player: JournalPlayer) -> TimelineWidget:
    """Add the timeline dock to a MainWindow on a ReplaySession; returns the TimelineWidget."""
    from PySide6 import QtCore

    from widgets.timeline_dock import TimelineWidget

    timeline = TimelineWidget(player)
    title = QtCore.QCoreApplication.translate("Replay", "Timeline")
    window.timeline_dock = window._dock(timeline, title, QtCore.Qt.DockWidgetArea.BottomDockWidgetArea)
    window.timeline = timeline
    pending: dict[str, str | None] = {"select": None}

    def after_reset() -> None:
        window.dispatch.select_incident(None)
        window.dispatch.queue.refresh(player.position_ms)

    def jumped(incident_id: str) -> None:
        event = next((e for e in player.events() if e.incident == incident_id), None)
        if event is None:
            return
        x, y = window.session.projector(np.array([event.lon]), np.array([event.lat]))
        window.canvas.center_on(float(x[0]), float(y[0]), width_m=3000.0)
        pending["select"] = incident_id
        select_when_there()

    def select_when_there() -> None:
        incident_id = pending["select"]
        if incident_id is None:
            return
        if incident_id in window.session.incidents.incidents:
            pending["select"] = None
            window.dispatch.queue.refresh(player.position_ms)
            window.dispatch.select_incident(incident_id)
        else:
            QtCore.QTimer.singleShot(SELECT_WAIT_MS, select_when_there)

    player.on_reset.append(after_reset)
    timeline.sig_incident.connect(jumped)
    return timeline


def run_replay(journal_dir: Path, args: argparse.Namespace) -> int:
    """The control room replaying ``journal_dir`` until the window is closed (or ``--exit-after``).

    Reads from ``args`` (all optional): ``lang``, ``kit`` (a kit directory overriding the journal's),
    ``speed`` (1–60), ``start`` (epoch ms to start at), ``paused``, ``exit_after``, ``stats``."""
    journal_dir = Path(journal_dir)
    if not journal_dir.is_dir():
        print(f"sitroom replay: {journal_dir} is not a directory", file=sys.stderr)
        return 2
    player = JournalPlayer(journal_dir)
    if not len(player):
        print(f"sitroom replay: {journal_dir} holds no journal records", file=sys.stderr)
        player.close()
        return 2
    try:
        kit = journal_kit(journal_dir, getattr(args, "kit", None))
    except (ReplayError, KitError) as exc:
        print(f"sitroom replay: {exc}", file=sys.stderr)
        player.close()
        return 2
    from app.gui import make_app

    app, lang = make_app(getattr(args, "lang", None))
    from PySide6 import QtCore

    from app.main_window import MainWindow

    session = ReplaySession(kit, player)
    window = MainWindow(session, language=lang)
    window.setWindowTitle(QtCore.QCoreApplication.translate("Replay", "SitRoom replay — {0} — {1}").format(
        journal_dir.name, kit.name))
    timeline = attach_timeline(window, player)
    window.show()
    window.start()
    if getattr(args, "start", None) is not None:
        player.seek(parse_when(str(args.start), player.start_ms))
    player.speed = float(getattr(args, "speed", None) or 1)
    timeline.set_speed(int(player.speed))
    if not getattr(args, "paused", False):
        player.play()
    exit_after = getattr(args, "exit_after", None)
    if exit_after is not None:
        from app.gui import _finish

        QtCore.QTimer.singleShot(int(exit_after * 1000), lambda: _finish(window, args))
    try:
        status = app.exec()
    finally:
        window.shutdown()
        player.close()
    if getattr(args, "stats", False):
        print(json.dumps(replay_stats(session)), flush=True)
    return status


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
