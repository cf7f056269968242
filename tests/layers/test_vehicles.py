import numpy as np
import pytest

from sitroom.layers.vehicles import VehicleLayer
from sitroom.services.feeds.protocol import AVL_DTYPE
from sitroom.services.geo import Projector
from sitroom.services.vocabulary import VehicleStatus, VehicleType


def records(ids, lon=127.38, lat=36.35, ts=1000, vtype=VehicleType.TAXI, status=VehicleStatus.AVAILABLE):
    r = np.zeros(len(ids), dtype=AVL_DTYPE)
    r["id"] = ids
    r["lon"] = lon
    r["lat"] = lat
    r["ts"] = ts
    r["type"] = vtype
    r["status"] = status
    r["speed"] = 30
    r["heading"] = 90
    return r


@pytest.fixture
def layer() -> VehicleLayer:
    return VehicleLayer(Projector("EPSG:5179"), trail_length=4, stale_after_s=10)


def test_new_ids_get_rows_and_lookup_is_vectorised(layer: VehicleLayer) -> None:
    layer.apply(records([5, 3, 9]), feed=0, now=1.0)
    assert layer.n == 3
    rows = layer.rows_for(np.array([9, 3, 5, 42], dtype=np.uint32))
    assert list(layer.ids[rows[:3]]) == [9, 3, 5]
    assert rows[3] == -1


def test_updates_replace_state_and_project(layer: VehicleLayer) -> None:
    layer.apply(records([1, 2]), feed=0, now=1.0)
    layer.apply(records([2], lon=127.40, ts=2000, status=VehicleStatus.BUSY), feed=0, now=2.0)
    row = layer.rows_for(np.array([2]))[0]
    x, y = Projector("EPSG:5179")(np.array([127.40]), np.array([36.35]))
    assert layer.x[row] == pytest.approx(x[0])
    assert layer.y[row] == pytest.approx(y[0])
    assert layer.status[row] == VehicleStatus.BUSY
    assert layer.seen[row] == 2.0
    assert layer.n == 2


def test_older_record_never_moves_a_vehicle_back(layer: VehicleLayer) -> None:
    layer.apply(records([1], lon=127.40, ts=5000), feed=0, now=1.0)
    layer.apply(records([1], lon=127.30, ts=4000), feed=0, now=2.0)
    x, _ = Projector("EPSG:5179")(np.array([127.40]), np.array([36.35]))
    assert layer.x[0] == pytest.approx(x[0])
    assert layer.updates_out_of_order == 1


def test_capacity_grows_and_keeps_data(layer: VehicleLayer) -> None:
    layer.apply(records(np.arange(3000)), feed=0, now=1.0)
    layer.apply(records(np.arange(3000, 5000)), feed=0, now=1.0)
    assert layer.n == 5000
    assert np.array_equal(np.sort(layer.ids[:5000]), np.arange(5000))
    assert np.isfinite(layer.x[:5000]).all()


def test_trails_keep_last_positions_oldest_first(layer: VehicleLayer) -> None:
    for i in range(6):
        layer.apply(records([7], lon=127.30 + 0.01 * i, ts=1000 + i), feed=0, now=float(i))
    assert layer.snapshot(now=6.0).trail_x.shape == (0, 4)  # trails are copied only on request
    snap = layer.snapshot(now=6.0, trail_rows=np.array([0]))
    xs, _ = Projector("EPSG:5179")(127.30 + 0.01 * np.arange(2, 6), np.full(4, 36.35))
    assert np.allclose(snap.trail_x[0], xs, atol=0.01)


def test_stale_by_age_and_by_feed(layer: VehicleLayer) -> None:
    layer.apply(records([1]), feed=0, now=0.0)
    layer.apply(records([2]), feed=1, now=8.0)
    assert list(layer.stale_mask(now=9.0)) == [False, False]
    assert list(layer.stale_mask(now=12.0)) == [True, False]
    assert list(layer.stale_mask(now=9.0, stale_feeds=[1])) == [False, True]


def test_filters_and_queries(layer: VehicleLayer) -> None:
    layer.apply(records([1], vtype=VehicleType.BUS), feed=0, now=0.0)
    layer.apply(records([2], vtype=VehicleType.FIRE, lon=127.39), feed=0, now=0.0)
    layer.set_filters(types={int(VehicleType.FIRE)})
    assert list(layer.shown_mask()) == [False, True]
    x, y = float(layer.x[0]), float(layer.y[0])
    assert layer.nearest(x, y, 5.0) == 0
    assert layer.nearest(x, y, 5.0, mask=layer.shown_mask()) == -1
    xs, ys = layer.x[:2], layer.y[:2]
    rows = layer.rows_in_rect(xs.min() - 1, ys.min() - 1, xs.max() + 1, ys.max() + 1)
    assert list(rows) == [0, 1]
    d = layer.describe(np.array([1]), now=3.0, now_ms=2000)[0]
    assert d["type"] == VehicleType.FIRE and d["age_s"] == 3.0 and d["source_age_s"] == 1.0


def test_snapshot_records_are_dated_by_their_source_time() -> None:
    """A snapshot's position from two minutes ago is stale at once, not live for the stale timeout."""
    layer = VehicleLayer(Projector("EPSG:5179"))
    rec = np.zeros(2, dtype=AVL_DTYPE)
    rec["id"], rec["lon"], rec["lat"] = [1, 2], 127.38, 36.35
    rec["ts"] = [1_000_000 - 120_000, 1_000_000 - 1_000]
    layer.apply(rec, feed=0, now=500.0, now_ms=1_000_000)
    assert list(layer.stale_mask(500.0)) == [True, False]


def test_a_record_with_no_usable_position_never_becomes_a_vehicle(layer: VehicleLayer) -> None:
    rec = records([1, 2, 3, 4])
    rec["lon"][1] = np.nan
    rec["lat"][2] = np.inf
    assert layer.apply(rec, feed=0, now=1.0) == 2
    assert sorted(layer.ids[: layer.n].tolist()) == [1, 4] and layer.updates_refused == 2
    assert np.isfinite(layer.x[: layer.n]).all() and np.isfinite(layer.y[: layer.n]).all()
    later = records([1], lon=np.nan, ts=2000)  # a known vehicle's bad report leaves its last good position
    x_before = float(layer.x[layer.rows_for(np.array([1]))[0]])
    layer.apply(later, feed=0, now=2.0)
    assert float(layer.x[layer.rows_for(np.array([1]))[0]]) == x_before and layer.updates_refused == 3
