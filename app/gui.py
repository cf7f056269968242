"""Starting the Qt application: language, theme, the main window, and the unattended run used by checks."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

import sitroom
from sitroom import resources
from sitroom.app import fonts
from sitroom.app.settings import process_age_s, settings
from sitroom.services import dirs
from sitroom.services.feeds.client import FeedConfig
from sitroom.services.store.kit import Kit


def _headless_if_no_display() -> None:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        if "QT_QPA_PLATFORM" not in os.environ:
            print("sitroom: no display found (DISPLAY is not set): running offscreen, nothing will be shown",
                  file=sys.stderr)
            os.environ["QT_QPA_PLATFORM"] = "offscreen"


def make_app(lang: str | None):
    _headless_if_no_display()
    from PySide6 import QtCore, QtWidgets

    from sitroom.widgets.theme import apply_dark_theme

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("SitRoom")
    app.setOrganizationName("SitRoom")
    app.setApplicationVersion(sitroom.__version__)
    problems = [str(p) for p in resources.check() if not p.needed]  # a needed one stops the start, later
    problems += fonts.ensure_hangul()
    lang = lang or str(settings().value("ui/language", "") or "") or None  # the settings' choice
    lang = lang or ("ko" if QtCore.QLocale.system().language() == QtCore.QLocale.Language.Korean else "en")
    if lang == "ko":
        qt_translations = QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.TranslationsPath)
        for path, name in ((qt_translations, "qtbase_ko"), (str(resources.path("i18n")), "sitroom_ko")):
            tr = QtCore.QTranslator(app)
            if tr.load(name, path):
                app.installTranslator(tr)
            elif name == "sitroom_ko" and not any("translation" in p for p in problems):
                problems.append(f"the Korean translation ({resources.path(resources.TRANSLATION_KO)}) could not "
                                "be loaded")
    for problem in problems:
        print(f"sitroom: {problem}; reinstall SitRoom to restore it", file=sys.stderr)
    app.setProperty("sitroom_problems", problems)  # the window says them too: a desktop start has no terminal
    apply_dark_theme(app)
    return app, lang


def run_control_room(kit: Kit, feeds: list[FeedConfig], args: argparse.Namespace, *, backends=None,
                     cad: str | None = None, state_dir: Path | None = None) -> int:
    """Run the window until closed (or ``--exit-after``); returns the exit status.

    ``cad``: the CAD's ROUTER endpoint for dispatch commands; ``state_dir``: where the audit log and the
    outbox live (the data directory, ``services/dirs.py``; the demo uses its own runtime directory, as its
    world is new)."""
    age = process_age_s()
    started = time.monotonic() - (age if age is not None else 0.0)  # the process's start, for start-up figures
    app, lang = make_app(args.lang)
    from PySide6 import QtCore

    from sitroom.app.capabilities.cameras import cameras_of
    from sitroom.app.capabilities.facilities import monitor_of
    from sitroom.app.core.desk import DispatchDesk
    from sitroom.app.core.room import Room
    from sitroom.app.core.session import LiveSession
    from sitroom.app.main_window import MainWindow
    from sitroom.services.feeds.security import Security
    from sitroom.services.incidents.audit import AuditLog
    from sitroom.services.journal import JournalWriter

    user = log_in(args)
    if user is None:
        return 1
    # The audit log and the outbox are the room's state: the data directory (XDG), unless the demo's own.
    # CURVE on every socket when a key pair is configured (SITROOM_KEY, see README); the demo stays plaintext.
    security = Security.from_env() if backends is None else None
    session = LiveSession(kit, feeds, security=security)
    session.use_history_dir(dirs.data_dir() / "speed-history")
    audit = AuditLog(state_dir / "audit.sqlite" if state_dir else dirs.state_file("audit.sqlite"))
    audit.attach(session.incidents)
    if (cams := cameras_of(session)) is not None:
        cams.attach_audit(audit, user.name)  # who saw which camera, when
    if (facilities := monitor_of(session)) is not None:
        audit.attach_alarms(facilities.engine)  # alarms, acknowledgements and shelving as they were
    # The demo's world is new each run, so each run is its own journal; a deployment keeps one.
    journal_dir = (dirs.journals_dir() / time.strftime("demo-%Y%m%d-%H%M%S")) if backends is not None \
        else dirs.journals_dir() / "live"
    session.journal = JournalWriter(journal_dir, meta=session.journal_meta())
    link = None
    if cad:
        from sitroom.services.dispatch.link import DispatchLink
        from sitroom.services.dispatch.outbox import Outbox

        outbox = Outbox(state_dir / "outbox.sqlite" if state_dir else dirs.state_file("outbox.sqlite"))
        link = DispatchLink(cad, outbox, security=security)
        link.start()
    room = Room(session, DispatchDesk(session, link=link, who=user.name))
    from sitroom.app.core.actions import Actions
    from sitroom.services.access import Access

    access = Access(user)
    audit.record_access(user.name, user.role, "login", getpass.getuser())
    window = MainWindow(room, language=lang, actions=Actions(room, access, audit))
    window.backends = backends
    if backends is not None:
        window.show_demo_note_once()
    window.show()
    window.start()
    when_live = getattr(args, "exit_when_live", None)
    if when_live is not None:
        # A check that waits for the state it needs (vehicles on screen), not for a number of seconds.
        window.sig_first_live_frame.connect(
            lambda: QtCore.QTimer.singleShot(int(when_live * 1000), lambda: finish_unattended(window, args)))
    if args.exit_after is not None:
        QtCore.QTimer.singleShot(int(args.exit_after * 1000), lambda: finish_unattended(window, args))
    try:
        status = app.exec()
        if when_live is not None and window.stats.first_live_frame is None:
            print(f"sitroom: no live vehicles on the map within {args.exit_after} s", file=sys.stderr)
            status = status or 1
    finally:
        window.shutdown()
        if link is not None:
            link.stop()
        session.journal.close()
        audit.close()
        print(f"sitroom: journal of this session: {journal_dir} (sitroom replay {journal_dir})", file=sys.stderr)
        stats = run_stats(window, started) if args.stats else None
        # Destroyed now, while Python runs: left to the interpreter's exit, widgets with Python event handlers
        # (the find box's hideEvent) are called back during finalisation, which crashes now and then.
        import shiboken6

        shiboken6.delete(window)
    if stats is not None:
        print(json.dumps(stats), flush=True)
    return status


def log_in(args: argparse.Namespace):
    """Who works at this desk: ``--user NAME`` (the PIN from SITROOM_PIN, else asked), anyone in users.toml
    (asked), or without that file the desktop's user as a dispatcher. None when the login failed."""
    from sitroom.services.access import LoginError, User, UserStore

    store = UserStore(dirs.config_dir() / "users.toml")
    name = getattr(args, "user", None)
    if name is None and not store.exists:
        return User(getpass.getuser(), "dispatcher")
    if name is not None and os.environ.get("SITROOM_PIN") is not None:
        try:
            return store.login(name, os.environ["SITROOM_PIN"])
        except LoginError as exc:
            print(f"sitroom: {name}: {exc}", file=sys.stderr)
            return None
    from sitroom.widgets.settings_dialog import LoginDialog

    dialog = LoginDialog(store)
    if name:
        dialog.name.setText(name)
        dialog.secret.setFocus()
    if dialog.exec() != dialog.DialogCode.Accepted or dialog.user is None:
        print("sitroom: not logged in", file=sys.stderr)
        return None
    return dialog.user


def finish_unattended(window, args: argparse.Namespace) -> None:
    """The end of an ``--exit-after`` run: the screenshot asked for, then close the window."""
    if getattr(args, "screenshot", None):
        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        screen = window.screen()
        shot = screen.grabWindow(window.winId()) if os.environ.get("QT_QPA_PLATFORM") != "offscreen" else None
        if shot is None or shot.isNull():
            shot = window.grab()
        shot.save(str(args.screenshot))
    window.close()


def run_stats(window, started: float) -> dict:
    session = window.session
    now = time.monotonic()
    health = session.client.health
    first = window.stats.first_live_frame
    return {
        "messages": session.stats.messages,
        "records": session.stats.records,
        "vehicles": session.vehicles.n,
        "vehicles_drawn": window.stats.vehicles_drawn,
        "decode_errors": session.decode_errors(),
        "frames": window.stats.frames,
        "max_frame_ms": round(window.stats.max_frame_ms, 2),
        "median_frame_ms": round(float(np.median(window.stats.frame_ms)), 2) if window.stats.frame_ms else None,
        "feeds_stale": len(session.stale_feeds(now)),
        "seq_gaps": sum(h.seq_gaps for h in health),
        # Everything counted and dropped, per feed and reason: nothing is dropped without a visible reason.
        "reasons": {h.name: h.reason_counts() for h in health},
        "incident_updates_refused": dict(session.incidents.refused),
        "first_live_frame_s": None if first is None else round(first - started, 3),
        **camera_stats(session),
        **facility_stats(session),
    }


def camera_stats(session) -> dict:
    """``cameras`` on the map, ``cameras_live`` (a stream shown and live) and ``frames_shown`` (pictures drawn)."""
    from sitroom.app.capabilities.cameras import cameras_of
    from sitroom.layers.cameras import CamState

    cams = cameras_of(session)
    if cams is None:
        return {"cameras": 0, "cameras_live": 0, "frames_shown": 0}
    return {"cameras": len(cams.layer), "cameras_live": int((cams.layer.state == CamState.LIVE).sum()),
            "frames_shown": cams.frames_shown}


def facility_stats(session) -> dict:
    """Facilities, sensors, readings taken in and active alarms (zeros without the facility capability)."""
    from sitroom.app.capabilities.facilities import monitor_of

    monitor = monitor_of(session)
    return monitor.stats() if monitor is not None else {"facilities": 0, "sensors": 0, "readings": 0,
                                                        "alarms_active": 0}


def run_demo(args: argparse.Namespace) -> int:
    from sitroom.services.sim.demo_kit import demo_kit_path, open_demo_city
    from sitroom.services.sim.launcher import DemoBackends

    path = demo_kit_path()
    if not path.exists():
        open_demo_city()  # generate once, before the backends race to do the same
    backends = DemoBackends(path, vehicles=args.vehicles, sensors=getattr(args, "sensors", 3000))
    backends.start()  # first: they load while this process builds its window
    kit = open_demo_city()
    try:
        extra = [FeedConfig(name, endpoint) for name, endpoint in getattr(args, "feed", [])]
        return run_control_room(kit, backends.feeds() + extra, args, backends=backends, cad=backends.cad_endpoint(),
                                state_dir=backends.runtime_dir)
    finally:
        backends.stop()


def run_last(args: argparse.Namespace) -> int:
    s = settings()
    kit_path, feeds = s.value("session/kit"), s.value("session/feeds")
    if kit_path and feeds:
        from sitroom.services.store.kit import load_kit

        configs = [FeedConfig(f["name"], f["endpoint"]) for f in json.loads(feeds)]
        return run_control_room(load_kit(Path(kit_path)), configs, args, cad=s.value("session/cad") or None)
    return run_demo(args)


def remember_session(kit: Kit, feeds: list[FeedConfig], cad: str | None = None) -> None:
    if kit.path is None:
        return
    s = settings()
    s.setValue("session/cad", cad or "")
    s.setValue("session/kit", str(kit.path))
    s.setValue("session/feeds", json.dumps([{"name": f.name, "endpoint": f.endpoint} for f in feeds]))


def run_wall(args: argparse.Namespace) -> int:
    """``sitroom wall --layout FILE``: the wall's windows on a room of its own (read-only: no CAD link)."""
    from sitroom.services.wall.layout import LayoutError, load

    try:
        layout = load(args.layout)
    except LayoutError as exc:
        print(f"sitroom wall: {exc}", file=sys.stderr)
        return 2
    backends = None
    feeds: list[FeedConfig] = [FeedConfig(name, endpoint) for name, endpoint in args.feed]
    if feeds or args.kit:
        from sitroom.services.sim.demo_kit import open_demo_city
        from sitroom.services.store.kit import load_kit

        kit = load_kit(args.kit) if args.kit else open_demo_city()
    else:
        s = settings()
        kit_path, saved = s.value("session/kit"), s.value("session/feeds")
        if kit_path and saved and not args.demo:
            from sitroom.services.store.kit import load_kit

            kit = load_kit(Path(kit_path))
            feeds = [FeedConfig(f["name"], f["endpoint"]) for f in json.loads(saved)]
        else:
            from sitroom.services.sim.demo_kit import demo_kit_path, open_demo_city
            from sitroom.services.sim.launcher import DemoBackends

            path = demo_kit_path()
            if not path.exists():
                open_demo_city()
            extra = {} if args.incident_rate is None else {"incident_rate": args.incident_rate}
            backends = DemoBackends(path, vehicles=args.vehicles, sensors=args.sensors, **extra)
            backends.start()
            kit = open_demo_city()
            feeds = backends.feeds()
    try:
        return _run_wall(layout, kit, feeds, args, backends)
    finally:
        if backends is not None:
            backends.stop()


def _run_wall(layout, kit: Kit, feeds: list[FeedConfig], args: argparse.Namespace, backends) -> int:
    app, lang = make_app(args.lang)
    from PySide6 import QtCore

    from sitroom.app.core.desk import DispatchDesk
    from sitroom.app.core.room import Room
    from sitroom.app.core.session import LiveSession
    from sitroom.app.frame_loop import FrameLoop
    from sitroom.app.wall import WallController
    from sitroom.services.feeds.security import Security
    from sitroom.services.incidents.audit import AuditLog

    security = Security.from_env() if backends is None else None
    session = LiveSession(kit, feeds, security=security)
    audit = AuditLog(backends.runtime_dir / "audit.sqlite" if backends is not None else dirs.state_file("audit.sqlite"))
    audit.attach(session.incidents)
    room = Room(session, DispatchDesk(session, who="wall"))
    loop = FrameLoop(room)
    wall = WallController(room, loop, layout, language=lang, one_screen=args.one_screen, audit=audit)
    wall.disaster = bool(args.disaster)
    control = None
    if args.control:
        from sitroom.app.wall_control import WallServer

        control = WallServer(args.control, wall, security=Security.from_env())
        control.start()
    wall.show()
    room.start()
    loop.start()
    stats = None

    def finish() -> None:
        if getattr(args, "screenshot_dir", None):
            wall.save_screenshots(args.screenshot_dir)
        app.quit()

    if args.exit_after is not None:
        QtCore.QTimer.singleShot(int(args.exit_after * 1000), finish)
    try:
        status = app.exec()
    finally:
        loop.stop()
        if control is not None:
            control.stop()
        if args.stats:
            stats = {**wall.stats(), "messages": session.stats.messages, "vehicles": session.vehicles.n,
                     "incidents": len(session.incidents), "feeds_stale": len(session.stale_feeds()),
                     "frames": sum(v.canvas.stats.frames for v in wall.views.values() if v.canvas is not None),
                     "lang": lang}
        wall.close()
        room.stop()
        audit.close()
    if stats is not None:
        print(json.dumps(stats), flush=True)
    return status
