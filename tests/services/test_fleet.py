"""The demo fleet moves along the road graph at plausible speeds and reports at TOPIS's rates."""

import numpy as np
import pytest

from sitroom.services.geo import Projector
from sitroom.services.routing.paths import RouteError
from sitroom.services.sim import congestion
from sitroom.services.sim.fleet import FleetSim, station_units
from sitroom.services.store.kit import RoadClass
from sitroom.services.vocabulary import VehicleStatus, VehicleType
from tests.kits import grid_kit


def _on_some_edge(kit, x, y, tol=0.5) -> np.ndarray:
    g = kit.roads
    a, b = g.node_xy[g.edge_src], g.node_xy[g.edge_dst]
    ab = b - a
    p = np.stack([x, y], axis=1)[:, None, :]
    t = np.clip(((p - a) * ab).sum(-1) / (ab * ab).sum(-1), 0, 1)
    d = np.hypot(*(a + t[..., None] * ab - p).transpose(2, 0, 1))
    return d.min(axis=1) <= tol


def test_fleet_composition_and_motion() -> None:
    kit = grid_kit(8)
    sim = FleetSim(kit, 200, seed=3)
    f = sim.fleet
    assert len(f) == 200
    assert (f.type == VehicleType.FIRE).sum() == 2  # two engines at the one fire station
    assert {VehicleType.BUS, VehicleType.TAXI} <= set(np.unique(f.type))
    proj = Projector(kit.crs)
    rows = np.arange(len(f))
    r0 = sim.records(rows, 0)
    for _ in range(5):
        sim.step(1.0)
    r1 = sim.records(rows, 5000)
    x0, y0 = proj(r0["lon"], r0["lat"])
    x1, y1 = proj(r1["lon"], r1["lat"])
    moved = np.hypot(x1 - x0, y1 - y0)
    moving = f.edge >= 0
    assert moved[~moving].max() == 0  # units wait at their stations
    assert np.median(moved[moving]) > 10  # 5 s at 30–40 km/h is 40–55 m, less on corners
    assert moved.max() <= 5 * 40 / 3.6 + 1  # never faster than the road allows
    assert _on_some_edge(kit, x1, y1).all()
    assert np.all((r1["heading"] >= 0) & (r1["heading"] < 360))


def test_station_roster_matches_the_fleet() -> None:
    kit = grid_kit(8)
    sim = FleetSim(kit, 200, seed=3)
    roster = station_units(kit)
    rows = [sim.unit_row(u.id) for u in roster]
    assert [int(sim.fleet.type[r]) for r in rows] == [int(u.type) for u in roster]
    assert np.allclose(sim.fleet.park_xy[rows], [(u.x, u.y) for u in roster])


def test_reporting_rates() -> None:
    sim = FleetSim(grid_kit(8), 300, seed=3)
    t = sim.fleet.type
    both = np.concatenate([sim.due(0), sim.due(1)])
    counts = np.bincount(both, minlength=len(t))
    assert (counts[t == VehicleType.BUS] == 2).all()  # every second
    assert (counts[t == VehicleType.TAXI] == 1).all()  # every other second


def test_taxis_change_status_over_time() -> None:
    sim = FleetSim(grid_kit(8), 300, seed=3)
    before = sim.fleet.status.copy()
    for _ in range(120):
        sim.step(1.0)
    taxi = sim.fleet.type == VehicleType.TAXI
    assert (before[taxi] != sim.fleet.status[taxi]).any()
    assert set(np.unique(sim.fleet.status[taxi])) <= {VehicleStatus.AVAILABLE, VehicleStatus.BUSY}


def test_congestion_by_time_of_day() -> None:
    kit = grid_kit(8)
    g = kit.roads
    peak = congestion.link_speeds_kmh(8.0, g.edge_class, g.edge_link, g.edge_speed)
    night = congestion.link_speeds_kmh(3.0, g.edge_class, g.edge_link, g.edge_speed)
    assert peak.mean() < night.mean()
    assert (peak >= 4).all() and (night <= g.edge_speed + 1e-3).all()
    arterial = g.edge_class == RoadClass.PRIMARY
    assert (peak[arterial] / g.edge_speed[arterial]).mean() < (peak[~arterial] / g.edge_speed[~arterial]).mean()
    again = congestion.link_speeds_kmh(8.0, g.edge_class, g.edge_link, g.edge_speed)
    assert np.array_equal(peak, again)  # two processes agree


def _drive_until(sim: FleetSim, unit: int, status: VehicleStatus, limit_s: float = 3600) -> float:
    """Step one second at a time until the unit has ``status``; returns the simulated seconds it took."""
    t0 = sim.t
    while sim.status_of(unit) != status:
        sim.step(1.0)
        assert sim.t - t0 <= limit_s, f"unit {unit} never became {status.name}"
    return sim.t - t0


def test_assigned_unit_drives_there_stays_and_returns_to_its_station() -> None:
    kit = grid_kit(8)
    g = kit.roads
    sim = FleetSim(kit, 200, seed=3)
    row = sim.unit_row(10000)
    home = tuple(sim.fleet.park_xy[row])
    target = tuple(g.node_xy[63] + [0.0, -60.0])  # along the last street, 60 m short of the far corner
    proj = Projector(kit.crs)
    taxi = np.flatnonzero(sim.fleet.type == VehicleType.TAXI)
    taxi_before = sim.fleet.edge[taxi].copy()

    route = sim.assign(10000, target, scene_s=30)
    assert sim.status_of(10000) == VehicleStatus.EN_ROUTE
    assert sim.status_of(10001) == VehicleStatus.AVAILABLE  # the other engine stays in
    on_road = []
    t0 = sim.t
    while sim.status_of(10000) == VehicleStatus.EN_ROUTE:
        sim.step(1.0)
        rec = sim.records(np.array([row]), 0)
        x, y = proj(rec["lon"], rec["lat"])
        on_road.append(bool(_on_some_edge(kit, x, y)[0]) or sim.status_of(10000) == VehicleStatus.ON_SCENE)
        assert sim.t - t0 < 3 * route.seconds
    drive_s = sim.t - t0
    assert all(on_road)
    # The siren beats the unit's usual share of the traffic, and nothing beats the road's speed by much.
    assert route.seconds / 1.25 <= drive_s <= route.seconds / (0.75 * 1.2) + 2
    assert sim.status_of(10000) == VehicleStatus.ON_SCENE
    assert np.allclose(sim.fleet.park_xy[row], target) and sim.fleet.edge[row] == -1
    assert 29 <= _drive_until(sim, 10000, VehicleStatus.BUSY) <= 31  # on scene as long as asked
    _drive_until(sim, 10000, VehicleStatus.AVAILABLE)  # BUSY all the way home, then ready
    assert sim.fleet.edge[row] == -1 and np.allclose(sim.fleet.park_xy[row], home)
    assert not sim.missions
    assert (sim.fleet.edge[taxi] != taxi_before).any()  # the rest of the fleet kept moving meanwhile


def test_recall_and_bad_assignments() -> None:
    kit = grid_kit(8)
    sim = FleetSim(kit, 200, seed=3)
    target = tuple(kit.roads.node_xy[63])
    with pytest.raises(ValueError, match="no unit 99"):
        sim.assign(99, target)
    bus = int(sim.fleet.ids[sim.fleet.type == VehicleType.BUS][0])
    with pytest.raises(ValueError, match="not an emergency unit"):
        sim.assign(bus, target)
    with pytest.raises(RouteError):
        sim.assign(10000, (target[0] + 5000, target[1]))  # kilometres from any road
    assert sim.status_of(10000) == VehicleStatus.AVAILABLE and not sim.missions
    assert not sim.recall(10000)  # nothing to recall

    sim.assign(10000, target)
    for _ in range(20):
        sim.step(1.0)
    assert sim.recall(10000)
    assert sim.status_of(10000) == VehicleStatus.BUSY
    assert _drive_until(sim, 10000, VehicleStatus.AVAILABLE) <= 25  # about as far back as it came
    # A unit on its way can be sent somewhere else.
    sim.assign(10001, target)
    sim.step(5.0)
    sim.assign(10001, tuple(kit.roads.node_xy[7]), scene_s=1)
    _drive_until(sim, 10001, VehicleStatus.ON_SCENE)
    assert np.allclose(sim.fleet.park_xy[sim.unit_row(10001)], kit.roads.node_xy[7])


def test_missions_in_a_100k_fleet() -> None:
    kit = grid_kit(20)
    sim = FleetSim(kit, 100_000, seed=5)
    assert len(sim.fleet) == 100_000
    sim.assign(10000, tuple(kit.roads.node_xy[399]))
    before = sim.records(np.arange(len(sim.fleet)), 0)
    for _ in range(3):
        sim.step(1.0)
    after = sim.records(np.arange(len(sim.fleet)), 0)
    moving = sim.fleet.edge >= 0
    assert (before["lon"][moving] != after["lon"][moving]).mean() > 0.9
    assert sim.status_of(10000) == VehicleStatus.EN_ROUTE
    assert after["status"][sim.unit_row(10000)] == VehicleStatus.EN_ROUTE
