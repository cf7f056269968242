"""The dispatch desk without a window: ranking by road, closures that later routes respect, coverage."""

from __future__ import annotations

import numpy as np
import pytest

from sitroom.app.core.desk import DispatchDesk, DispatchError
from sitroom.app.core.session import LiveSession
from sitroom.services.feeds.protocol import AVL_DTYPE
from sitroom.services.vocabulary import VehicleStatus, VehicleType
from tests.kits import grid_kit


def _units(session: LiveSession, rows: list[tuple[int, int, int, int]], status=VehicleStatus.AVAILABLE,
           ts: int = 1) -> None:
    """(id, type, node, status) units standing on grid nodes."""
    v = session.vehicles
    rec = np.zeros(len(rows), dtype=AVL_DTYPE)
    xy = session.kit.roads.node_xy[[r[2] for r in rows]]
    lon, lat = session.projector.inverse(xy[:, 0], xy[:, 1])
    rec["id"] = [r[0] for r in rows]
    rec["type"] = [r[1] for r in rows]
    rec["status"] = [r[3] for r in rows]
    rec["lon"], rec["lat"], rec["ts"] = lon, lat, ts
    v.apply(rec, feed=0, now=0.0)


@pytest.fixture
def desk():
    kit = grid_kit(10, spacing=150.0)
    session = LiveSession(kit, [])
    d = DispatchDesk(session)
    inc = {"id": "INC-1", "type": "fire", "priority": 1, "status": "new", "reported": 1}
    xy = kit.roads.node_xy[55]
    lon, lat = session.projector.inverse(xy[0], xy[1])
    session.incidents.receive({**inc, "lon": float(lon), "lat": float(lat)}, float(xy[0]), float(xy[1]), "test")
    return d


def test_units_are_ranked_by_road_and_filtered_by_type_and_status(desk) -> None:
    A, F = VehicleStatus.AVAILABLE, VehicleType.FIRE
    _units(desk.session, [(1, F, 0, A), (2, F, 54, A), (3, F, 99, A), (4, VehicleType.POLICE, 56, A),
                          (5, F, 45, VehicleStatus.EN_ROUTE)])
    ranking = desk.recommend("INC-1")
    assert [o.unit for o in ranking.options] == [2, 3, 1]  # the police car and the busy engine are not offered
    assert ranking.options[0].eta_s < ranking.options[1].eta_s < ranking.options[2].eta_s
    assert ranking.options[0].metres == pytest.approx(150.0, abs=1.0)
    assert desk.station_of(*desk.session.kit.roads.node_xy[0]) == "중앙 119안전센터"
    assert ranking.options[2].station == "중앙 119안전센터"


def test_closures_change_later_routes(desk) -> None:
    F, A = VehicleType.FIRE, VehicleStatus.AVAILABLE
    _units(desk.session, [(2, F, 54, A)])
    first = desk.recommend("INC-1")
    route, _alt = desk.routes(first, first.options[0])
    g = desk.session.kit.roads
    mid = (g.node_xy[54] + g.node_xy[55]) / 2
    desk.close_road_near(*mid)
    assert len(desk.closed_segments()) == 2  # both directions
    again = desk.recommend("INC-1")
    detour, _ = desk.routes(again, again.options[0])
    assert detour.seconds > route.seconds and again.options[0].eta_s > first.options[0].eta_s
    desk.reopen_all()
    assert len(desk.closed_segments()) == 0
    with pytest.raises(DispatchError, match="no road within 200 m"):
        desk.close_road_near(mid[0] + 5000, mid[1])


def test_dispatch_needs_a_cad_an_acknowledged_incident_and_an_available_unit(desk) -> None:
    _units(desk.session, [(2, VehicleType.FIRE, 54, VehicleStatus.AVAILABLE)])
    with pytest.raises(DispatchError, match="no CAD endpoint"):
        desk.dispatch("INC-1", 2)



def test_a_unit_just_accepted_by_the_cad_is_held_until_its_avl_catches_up(desk) -> None:
    from sitroom.services.feeds.protocol import now_ms

    F, A = VehicleType.FIRE, VehicleStatus.AVAILABLE
    _units(desk.session, [(2, F, 54, A), (3, F, 99, A)], ts=now_ms() - 1000)
    desk._accepted[2] = now_ms()  # as pump() records an ack for a dispatch of unit 2
    assert [o.unit for o in desk.recommend("INC-1").options] == [3]
    assert "not caught up" in desk.held_units()[2]
    _units(desk.session, [(2, F, 54, A)], ts=now_ms() + 1000)  # a report newer than the ack: its own word
    assert [o.unit for o in desk.recommend("INC-1").options] == [2, 3]
    assert desk.held_units() == {}


def test_coverage_follows_available_units(desk) -> None:
    F = VehicleType.FIRE
    desk.coverage_limit_s = 60.0  # the grid is small: within 5 minutes one engine reaches all of it
    _units(desk.session, [(2, F, 0, VehicleStatus.AVAILABLE), (3, F, 99, VehicleStatus.AVAILABLE)])
    both = desk.update_coverage(force=True).share
    assert desk.update_coverage() is None  # nothing changed: not recomputed
    _units(desk.session, [(3, F, 99, VehicleStatus.EN_ROUTE)])
    one = desk.update_coverage().share
    assert 0 < one < both <= 1.0


def test_incidents_follow_their_units(desk) -> None:
    book = desk.book
    book.acknowledge("INC-1", "kim")
    book.assign("INC-1", 2, "CAD")
    _units(desk.session, [(2, VehicleType.FIRE, 54, VehicleStatus.EN_ROUTE)])
    desk.track_units()
    assert book.get("INC-1").status == "en_route"
    _units(desk.session, [(2, VehicleType.FIRE, 55, VehicleStatus.ON_SCENE)])
    desk.track_units()
    assert book.get("INC-1").status == "on_scene"


def _call(desk, inc_id: str, type_: str, priority: int, reported: int, desc: str = "") -> str:
    """A call arriving from the CAD's feed: new, waiting for acknowledgement."""
    payload = {"id": inc_id, "type": type_, "priority": priority, "status": "new", "reported": reported,
               "lon": 127.4, "lat": 36.3, "desc": desc}
    desk.book.receive(payload, 0.0, 0.0, "test")
    return inc_id


def test_waiting_calls_are_pinned_and_the_list_sorts_and_filters(qtbot, desk) -> None:
    from sitroom.widgets.incident_queue import IncidentQueue

    book = desk.book
    local = [_call(desk, "INC-2", "medical", 3, 1_000, "older"), _call(desk, "INC-3", "crime", 4, 2_000, "theft")]
    queue = IncidentQueue(book)
    qtbot.addWidget(queue)
    queue.refresh(now_ms=200_000)
    # Every call waiting is in the band, most urgent first, whatever the list below is filtered to.
    assert queue.waiting_ids == ["INC-1", "INC-2", "INC-3"] and queue.open_ids == []
    for inc_id in local:
        book.acknowledge(inc_id, "kim")
    queue.refresh(now_ms=200_000)
    assert queue.waiting_ids == ["INC-1"]
    assert [book.get(i).type for i in queue.open_ids] == ["medical", "crime"]  # by priority
    queue.sort.setCurrentIndex(queue.sort.findData("age"))
    assert [book.get(i).desc for i in queue.open_ids] == ["older", "theft"]
    queue.type_filter.setCurrentIndex(queue.type_filter.findData("crime"))
    assert [book.get(i).type for i in queue.open_ids] == ["crime"] and queue.waiting_ids == ["INC-1"]
    book.transition(local[1], "cancelled", "kim", disposition="unfounded")
    queue.filter.setCurrentIndex(queue.filter.findData("recent"))
    queue.refresh(now_ms=book.get(local[1]).changed_ms["cancelled"] + 60_000)
    assert queue.open_ids == [local[1]]  # closed a minute ago: in "closed recently"
    queue.refresh(now_ms=book.get(local[1]).changed_ms["cancelled"] + 3_600_000)
    assert queue.open_ids == []


def test_golden_time_counts_to_the_marks_only_where_it_applies(desk) -> None:
    from sitroom.services.incidents.golden import Golden, golden_time

    inc = desk.book.get("INC-1")  # a P1 fire
    t0 = inc.reported_ms
    g = golden_time(inc, t0 + 60_000)
    assert (g.state, g.mark_s, g.to_mark_s) == (Golden.RUNNING, 300, 240.0)
    assert golden_time(inc, t0 + 250_000).state is Golden.EXPIRING  # amber in the last minute
    g = golden_time(inc, t0 + 360_000)
    assert (g.state, g.mark_s, g.to_mark_s) == (Golden.MISSED, 420, 60.0)  # red, counting to 7
    g = golden_time(inc, t0 + 500_000)
    assert (g.state, g.mark_s, g.over_limit_s) == (Golden.MISSED, None, 80.0)
    theft = desk.book.create("crime", 3, 127.4, 36.3, 0.0, 0.0, "theft", "kim", now_ms=t0)
    assert golden_time(theft, t0 + 60_000) is None  # no golden time for a theft
    minor = desk.book.create("traffic", 4, 127.4, 36.3, 0.0, 0.0, "scratch", "kim", now_ms=t0)
    pileup = desk.book.create("traffic", 1, 127.4, 36.3, 0.0, 0.0, "injured", "kim", now_ms=t0)
    assert golden_time(minor, t0) is None and golden_time(pileup, t0) is not None


def test_next_call_is_the_most_urgent_waiting_one(desk) -> None:
    book = desk.book
    book.acknowledge("INC-1", "kim")  # the P1 fire is being handled
    p3 = _call(desk, "INC-2", "medical", 3, 1_000)
    p2_old = _call(desk, "INC-3", "traffic", 2, 2_000)
    p2_new = _call(desk, "INC-4", "medical", 2, 3_000)
    assert desk.next_call("INC-1") == p2_old  # from an acknowledged call: the most urgent waiting
    assert desk.next_call(p2_old) == p2_new and desk.next_call(p2_new) == p3 and desk.next_call(p3) == p2_old
    for inc_id in (p3, p2_old, p2_new):
        book.acknowledge(inc_id, "kim")
    assert desk.next_call(None) == "INC-1"  # nothing waits: the most urgent open incident


def test_response_plans_are_read_and_refused_by_name(tmp_path) -> None:
    from sitroom.services.incidents.plans import PlanError, ResponsePlans

    plans = ResponsePlans.default()
    pileup = plans.for_call("traffic", 1)
    assert dict(pileup.units) == {VehicleType.FIRE: 1, VehicleType.AMBULANCE: 1, VehicleType.POLICE: 1}
    assert dict(plans.for_call("traffic", 4).units) == {VehicleType.POLICE: 1}
    bad = tmp_path / "plans.toml"
    for text, why in (('[[plan]]\ntype = "flood"\nunits = { fire = 1 }', "type 'flood'"),
                      ('[[plan]]\ntype = "fire"\npriority = "3-1"\nunits = { fire = 1 }', "priority '3-1'"),
                      ('[[plan]]\ntype = "fire"\nunits = { boat = 1 }', "unit type 'boat'"),
                      ('[[plan]]\ntype = "fire"\nunits = { fire = 0 }', "fire = 0"),
                      ("[[plan]\n", "not valid TOML")):
        bad.write_text(text)
        with pytest.raises(PlanError, match=why) as err:
            ResponsePlans.load(bad)
        assert str(bad) in str(err.value)
    only_default = ResponsePlans.parse("")  # no plan for a call: one unit of the first type that answers it
    assert dict(only_default.for_call("medical", 1).units) == {VehicleType.AMBULANCE: 1}


def test_a_plan_ranks_each_type_and_picks_the_fastest_of_each(desk) -> None:
    A = VehicleStatus.AVAILABLE
    _units(desk.session, [(1, VehicleType.FIRE, 0, A), (2, VehicleType.FIRE, 54, A),
                          (3, VehicleType.AMBULANCE, 56, A), (4, VehicleType.AMBULANCE, 99, A),
                          (5, VehicleType.POLICE, 45, A), (6, VehicleType.POLICE, 9, A)])
    book = desk.book
    book.receive({"id": "INC-9", "type": "traffic", "priority": 1, "status": "new", "reported": 1, "lon": 127.4,
                  "lat": 36.3}, *desk.session.kit.roads.node_xy[55], "test")
    plan = desk.plan("INC-9")
    assert [o.unit for o in plan.picks] == [2, 3, 5]  # the nearest of each type to node 55
    assert [o.unit for o in plan.rankings[VehicleType.FIRE].options] == [2, 1]
    desk.set_in_service(2, False)  # taken out of service on the board: never offered
    assert [o.unit for o in desk.plan("INC-9").picks] == [1, 3, 5]
    desk.set_in_service(2, True)
    assert 2 in [o.unit for o in desk.plan("INC-9").picks]
    board = {r.unit: r for r in desk.unit_board(now_ms=10_000)}
    assert set(board) == {1, 2, 3, 4, 5, 6} and board[1].status == A and board[1].station == "중앙 119안전센터"


def test_calls_from_the_cad_are_put_into_words(desk) -> None:
    inc = desk.book.get("INC-1")  # came with coordinates only
    assert inc.place == ""
    assert desk.describe_places() == 1
    assert inc.place.startswith("중구 · ") and ("동서로" in inc.place or "남북로" in inc.place)
    assert " / " in inc.place  # at a crossing: both roads
    assert desk.describe_places() == 0  # once
