"""The demo fleet moves along the road graph at plausible speeds and reports at TOPIS's rates."""

import numpy as np

from services.feeds.protocol import VehicleStatus, VehicleType
from services.geo import Projector
from services.sim import congestion
from services.sim.fleet import FleetSim
from services.store.kit import RoadClass
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
