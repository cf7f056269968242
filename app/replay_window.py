"""The replay window: the operator's window on a :class:`~app.core.replay.ReplaySession`, with a timeline dock."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PySide6 import QtCore

from sitroom.app.core.replay import ReplayError, ReplaySession, journal_kit, parse_when, replay_stats
from sitroom.app.core.room import Room
from sitroom.app.gui import finish_unattended, make_app
from sitroom.app.main_window import MainWindow
from sitroom.services.journal.player import JournalPlayer
from sitroom.services.store.kit import KitError
from sitroom.widgets.timeline_dock import TimelineWidget

SELECT_WAIT_MS = 200


def attach_timeline(window: MainWindow, player: JournalPlayer) -> TimelineWidget:
    """Add the timeline dock to a MainWindow on a ReplaySession; returns the TimelineWidget."""
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
    app, lang = make_app(getattr(args, "lang", None))
    session = ReplaySession(kit, player)
    window = MainWindow(Room(session), language=lang)
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
        QtCore.QTimer.singleShot(int(exit_after * 1000), lambda: finish_unattended(window, args))
    try:
        status = app.exec()
    finally:
        window.shutdown()
        player.close()
    if getattr(args, "stats", False):
        print(json.dumps(replay_stats(session)), flush=True)
    return status


