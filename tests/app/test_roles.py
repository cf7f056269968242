"""Roles: every state-changing action checked for every role, refusals that say why, the person in the audit
log, and PINs stored as scrypt hashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitroom.app.core.actions import Actions
from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.services.access import ACTIONS, ROLES, Access, AccessRefused, LoginError, User, UserStore
from sitroom.services.alarms.model import AlarmSpec
from sitroom.services.incidents.audit import AuditLog
from sitroom.services.refusal import Refusal
from tests.kits import grid_kit

# Each action of services/access.py, taken through the control core's facade.
CALLS = {
    "acknowledge": lambda a, inc, alarm: a.acknowledge(inc),
    "dispatch": lambda a, inc, alarm: a.dispatch(inc, [1]),
    "close": lambda a, inc, alarm: a.finish(inc, "closed", "extinguished"),
    "cancel": lambda a, inc, alarm: a.finish(inc, "cancelled", "false alarm"),
    "reassign": lambda a, inc, alarm: a.reassign(inc, "lee", "shift change"),
    "new-incident": lambda a, inc, alarm: a.new_incident("fire", 2, 127.38, 36.35, 0.0, 0.0, "smoke"),
    "close-road": lambda a, inc, alarm: a.close_area(-1e9, -1e9, 1e9, 1e9),
    "reopen-roads": lambda a, inc, alarm: a.reopen_roads(),
    "unit-service": lambda a, inc, alarm: a.set_in_service(7, False),
    "alarm-acknowledge": lambda a, inc, alarm: a.alarm_acknowledge(alarm, "seen"),
    "alarm-shelve": lambda a, inc, alarm: a.alarm_shelve(alarm, 10, "maintenance"),
    "alarm-unshelve": lambda a, inc, alarm: a.alarm_unshelve(alarm),
    "alarm-out-of-service": lambda a, inc, alarm: a.alarm_out_of_service(alarm, "broken"),
    "alarm-in-service": lambda a, inc, alarm: a.alarm_in_service(alarm),
    "open-kit": lambda a, inc, alarm: a.check("open-kit"),
    "wall-control": lambda a, inc, alarm: a.check("wall-control"),
    "figures": lambda a, inc, alarm: a.check("figures"),
}
EXPECTED = {  # the roles: dispatcher everything; supervisor reads, reassigns, cancels, the wall; wall nothing
    "dispatcher": set(ACTIONS),
    "supervisor": {"cancel", "reassign", "wall-control", "figures"},
    "wall": set(),
}


def test_every_action_has_a_call_and_a_rule() -> None:
    assert set(CALLS) == set(ACTIONS)
    for role in ROLES:
        assert {a for a in ACTIONS if Access(User("x", role)).allowed(a)} == EXPECTED[role]


def _room(tmp_path: Path, role: str) -> tuple[Actions, str, str, AuditLog]:
    session = LiveSession(grid_kit(6), [])
    room = Room(session)
    audit = AuditLog(tmp_path / f"audit-{role}.sqlite")
    audit.attach(session.incidents)
    inc = session.incidents.create("fire", 1, 127.38, 36.35, 100.0, 100.0, "fire", "setup")
    from sitroom.app.capabilities.facilities import monitor_of

    engine = monitor_of(session).engine
    audit.attach_alarms(engine)
    spec = AlarmSpec("F1/s1/hi", "F1", 1, "hi", "temperature", 2)
    engine.condition(spec, True, 1000)
    return Actions(room, Access(User("kim", role)), audit), inc.id, spec.key, audit


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_role_checks_for_every_action(tmp_path: Path, role: str, action: str) -> None:
    actions, inc, alarm, audit = _room(tmp_path, role)
    try:
        if action in EXPECTED[role]:
            try:
                CALLS[action](actions, inc, alarm)
            except AccessRefused:  # pragma: no cover - the assertion below says which
                pytest.fail(f"{role} was refused {action}")
            except Refusal:
                pass  # allowed; the room's own rules may still say no (no CAD here, say)
        else:
            with pytest.raises(AccessRefused) as info:
                CALLS[action](actions, inc, alarm)
            assert info.value.code == "not-permitted" and info.value.params["role"] == role
            assert f"kim is logged in as {role}" in str(info.value)
            refused = audit.access_events("refused")
            assert refused and refused[-1][1] == "kim" and refused[-1][2] == role
    finally:
        audit.close()


def test_the_audit_records_the_person(tmp_path: Path) -> None:
    actions, inc, alarm, audit = _room(tmp_path, "supervisor")
    actions.reassign(inc, "lee", "shift change")
    actions.finish(inc, "cancelled", "duplicate call")
    events = [(who, action, detail) for _ts, who, i, action, detail in audit.events(inc)]
    assert ("kim", "reassigned", "to lee: shift change") in events
    assert ("kim", "cancelled", "duplicate call") in events
    audit.close()
    actions, inc, alarm, audit = _room(tmp_path / "d", "dispatcher")
    actions.alarm_acknowledge(alarm, "on it")
    assert audit.alarm_events(alarm)[-1][1] == "kim"
    audit.close()


def test_refusal_in_words(qapp) -> None:
    from sitroom.widgets import labels

    try:
        Access(User("lee", "wall")).check("dispatch")
    except AccessRefused as exc:
        assert labels.refusal(exc) == "lee is logged in as wall: only a dispatcher may dispatch units."


def test_users_and_pins(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.toml")
    store.add("kim", "supervisor", "4821")
    store.add("lee", "dispatcher", "correct horse")
    text = store.path.read_text()
    assert "4821" not in text and "correct horse" not in text and (store.path.stat().st_mode & 0o777) == 0o600
    assert store.login("kim", "4821") == User("kim", "supervisor")
    for name, secret in (("kim", "4822"), ("nobody", "4821")):
        with pytest.raises(LoginError, match="unknown name or wrong PIN"):
            store.login(name, secret)
    with pytest.raises(LoginError):
        store.add("x", "boss", "1234")
    with pytest.raises(LoginError):
        store.add("x", "wall", "12")
    assert store.remove("lee") and [u.name for u in store.users()] == ["kim"]


def _menu_texts(window) -> set[str]:
    out = set()
    for menu_action in window.menuBar().actions():
        for a in menu_action.menu().actions():
            if a.isVisible() and a.text():
                out.add(a.text())
    return out


@pytest.mark.parametrize("role", ROLES)
def test_the_window_offers_only_what_the_role_may_do(qtbot, role: str) -> None:
    from sitroom.app.main_window import MainWindow

    session = LiveSession(grid_kit(6), [])
    room = Room(session)
    window = MainWindow(room, language="en", actions=Actions(room, Access(User("kim", role))))
    qtbot.addWidget(window)
    texts = _menu_texts(window)
    changing = {"Acknowledge, rank the units and show them with the incident", "Dispatch the chosen unit",
                "Close incident…", "New incident at the map centre…", "Open kit…", "Reopen all roads",
                "Acknowledge the selected alarm, with a note", "Shelve the selected alarm…"}
    if role == "dispatcher":
        assert changing <= texts
    else:
        assert not changing & texts, changing & texts
    assert ("Reassign incident…" in texts) == (role != "wall")
    assert ("Cancel incident…" in texts) == (role != "wall")
    # The docks' buttons too: only what the role may press.
    buttons = window.facilities.alarms.buttons
    assert [n for n, b in buttons.items() if not b.isHidden()] == (
        list(buttons) if role == "dispatcher" else ["facility"])
    assert window.dispatch.recommend_panel.dispatch_button.isHidden() == (role != "dispatcher")
    # A refused action says why, in the status bar (the key is gone from the menu; the slot still refuses).
    inc = session.incidents.create("fire", 2, 127.38, 36.35, 100.0, 100.0, "x", "setup")
    window.dispatch.select_incident(inc.id)
    window.dispatch.take_call()
    assert ("N to take it" in window.dispatch._call_banner([inc], inc.reported_ms)) == (role == "dispatcher")
    if role != "dispatcher":
        assert window.dispatch.call_form is None
        assert f"kim is logged in as {role}: only a dispatcher may take calls." in window.statusBar().currentMessage()
    window.close()
