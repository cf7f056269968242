"""The map canvas paints what the models hold: vehicles in their status colours, roads, districts."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from sitroom.layers.base import Moment
from sitroom.layers.basemap import BasemapLayer
from sitroom.layers.vehicles import VehicleLayer
from sitroom.resources import palette
from sitroom.services.feeds.protocol import AVL_DTYPE
from sitroom.services.geo import Projector
from sitroom.services.vocabulary import VehicleStatus, VehicleType
from sitroom.widgets.map.canvas import MapCanvas
from sitroom.widgets.map.vehicle_item import VehicleItem
from tests.kits import grid_kit


def _count_colour(img: QtGui.QImage, colour: str, tol: int = 12) -> int:
    ptr = img.convertToFormat(QtGui.QImage.Format.Format_RGB32).constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)[:, : img.width()]
    c = QtGui.QColor(colour)
    bgr = np.array([c.blue(), c.green(), c.red()])
    return int((np.abs(arr[:, :, :3].astype(int) - bgr).max(axis=2) <= tol).sum())


@pytest.fixture
def scene(qtbot):
    kit = grid_kit()
    proj = Projector(kit.crs)
    vehicles = VehicleLayer(proj)
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(600, 600)
    canvas.add_layer(BasemapLayer(kit))
    canvas.add_layer(vehicles)
    canvas.set_home(*kit.bounds)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.fit_home()
    return kit, proj, vehicles, canvas


def _place(vehicles: VehicleLayer, proj: Projector, kit, status: VehicleStatus, n: int = 5, now: float = 0.0):
    xy = kit.roads.node_xy[:n]
    lon, lat = proj.inverse(xy[:, 0], xy[:, 1])
    r = np.zeros(n, dtype=AVL_DTYPE)
    r["id"] = np.arange(n) + 1
    r["lon"], r["lat"] = lon, lat
    r["type"] = VehicleType.FIRE
    r["status"] = status
    r["ts"] = 1
    vehicles.apply(r, feed=0, now=now)


def test_vehicles_are_painted_in_their_status_colour(scene) -> None:
    kit, proj, vehicles, canvas = scene
    item: VehicleItem = canvas.item(vehicles)
    before = _count_colour(canvas.grab().toImage(), palette.STATUS[VehicleStatus.ON_SCENE])
    _place(vehicles, proj, kit, VehicleStatus.ON_SCENE)
    item.refresh(Moment(1.0, 0, np.array([], dtype=np.int16)))
    img = canvas.grab().toImage()
    assert item.drawn == 5
    assert before == 0
    assert _count_colour(img, palette.STATUS[VehicleStatus.ON_SCENE]) > 5 * 40


def test_stale_vehicles_are_grey_not_live(scene) -> None:
    kit, proj, vehicles, canvas = scene
    item: VehicleItem = canvas.item(vehicles)
    _place(vehicles, proj, kit, VehicleStatus.AVAILABLE)
    item.refresh(Moment(1.0, 0, np.array([0], dtype=np.int16)))
    img = canvas.grab().toImage()
    assert _count_colour(img, palette.STATUS[VehicleStatus.AVAILABLE]) == 0
    assert _count_colour(img, palette.STALE, tol=4) > 5 * 40


def test_filter_hides_and_pan_culls(scene) -> None:
    kit, proj, vehicles, canvas = scene
    item: VehicleItem = canvas.item(vehicles)
    _place(vehicles, proj, kit, VehicleStatus.AVAILABLE)
    vehicles.set_filters(types={int(VehicleType.BUS)})
    item.refresh(Moment(1.0, 0, np.array([], dtype=np.int16)))
    canvas.grab()
    assert item.drawn == 0
    vehicles.set_filters(types={int(t) for t in VehicleType})
    item.refresh(Moment(1.0, 0, np.array([], dtype=np.int16)))
    canvas.center_on(float(kit.roads.node_xy[0, 0]) + 50_000, float(kit.roads.node_xy[0, 1]))
    canvas.grab()
    assert item.drawn == 0


def _luminance(img: QtGui.QImage) -> np.ndarray:
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return arr[:, : img.width(), :3].astype(float).mean(axis=2)


def test_many_vehicles_show_as_density_with_urgent_ones_on_top(scene) -> None:
    """100k-style overview: where vehicles are thick is brighter than where they are thin (never one solid
    blob of the commonest status), hidden types do not count, and the rare en-route unit still shows."""
    kit, proj, vehicles, canvas = scene
    item: VehicleItem = canvas.item(vehicles)
    rng = np.random.default_rng(1)
    xy = kit.roads.node_xy
    x0, x1 = xy[:, 0].min(), xy[:, 0].max()
    y0, y1 = xy[:, 1].min(), xy[:, 1].max()
    n_dense, n_sparse = 24_000, 600
    # A dense block in the west, a thin scatter in the east.
    west = rng.uniform(x0, x0 + 0.2 * (x1 - x0), n_dense)
    x = np.concatenate([west, rng.uniform(x0 + 0.6 * (x1 - x0), x1, n_sparse)])
    y = rng.uniform(y0, y1, n_dense + n_sparse)
    lon, lat = proj.inverse(x, y)
    r = np.zeros(len(x), dtype=AVL_DTYPE)
    r["id"] = np.arange(len(x))
    r["lon"], r["lat"] = lon, lat
    r["status"] = VehicleStatus.BUSY
    r["type"] = VehicleType.TAXI
    r["status"][-1] = VehicleStatus.EN_ROUTE  # one fire engine driving to a call, in the sparse east
    r["type"][-1] = VehicleType.FIRE
    vehicles.apply(r, feed=0, now=0.0)
    item.refresh(Moment(1.0, 0, np.array([], dtype=np.int16)))
    img = canvas.grab().toImage()
    assert item.drawn == len(x) and item.density is not None
    levels, stale = item.density
    half = levels.shape[1] // 2
    assert levels[:, :half].max() >= levels[:, half:].max() + 2 >= 3  # thick is clearly brighter than thin
    lum = _luminance(img)
    assert lum[:, : lum.shape[1] // 3].mean() > lum[:, 2 * lum.shape[1] // 3:].mean()
    assert _count_colour(img, palette.STATUS[VehicleStatus.BUSY], tol=4) == 0  # no blob of busy violet
    assert _count_colour(img, palette.STATUS[VehicleStatus.EN_ROUTE], tol=4) > 0  # the urgent one on top
    assert not stale.any()

    vehicles.set_filters(types={int(VehicleType.FIRE)})  # density follows the filters
    item.refresh(Moment(1.0, 0, np.array([], dtype=np.int16)))
    canvas.grab()
    assert item.drawn == 1 and item.density is None  # one vehicle is a symbol, not a density

    vehicles.set_filters(types={int(t) for t in VehicleType})
    item.refresh(Moment(1.0, 0, np.array([0], dtype=np.int16)))  # the feed goes stale: grey, not live
    canvas.grab()
    levels, stale = item.density
    assert (stale == (levels > 0)).all() and levels.max() >= 3


def test_density_levels_are_powers_of_two() -> None:
    from sitroom.widgets.map.vehicle_item import density_levels

    counts = np.array([0, 1, 2, 3, 4, 7, 8, 63, 64, 10_000])
    assert density_levels(counts, 7).tolist() == [0, 1, 2, 2, 3, 3, 4, 6, 7, 7]


def test_keys_zoom_and_home(scene, qtbot) -> None:
    _kit, _proj, _vehicles, canvas = scene
    w0 = canvas.view.viewRect().width()
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Plus)
    assert canvas.view.viewRect().width() < w0 * 0.8
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Home)
    assert canvas.view.viewRect().width() == pytest.approx(w0, rel=0.05)


def test_trails_follow_moving_vehicles(scene) -> None:
    kit, proj, vehicles, canvas = scene
    item: VehicleItem = canvas.item(vehicles)
    xy = kit.roads.node_xy
    for step in range(6):  # one vehicle drives east along the bottom street
        x = xy[0, 0] + step * 150.0
        lon, lat = proj.inverse(np.array([x]), np.array([xy[0, 1]]))
        r = np.zeros(1, dtype=AVL_DTYPE)
        r["id"], r["lon"], r["lat"], r["ts"] = 1, lon, lat, step + 1
        r["type"], r["status"], r["heading"] = VehicleType.BUS, VehicleStatus.AVAILABLE, 90.0
        vehicles.apply(r, feed=0, now=float(step))
    item.refresh(Moment(6.0, 0, np.array([], dtype=np.int16)))
    assert len(item.snapshot.trail_rows) == 1
    img = canvas.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), -1, 4)[:, : img.width()].astype(int)
    b, r = arr[:, :, 0], arr[:, :, 2]
    # The trail is translucent blue over the dark map: strongly blue pixels, which nothing else here is.
    assert ((b > 90) & (b > r + 50)).sum() > 50


def test_a_vehicle_without_a_heading_is_a_round_mark_not_an_arrow(scene) -> None:
    kit, proj, vehicles, canvas = scene
    item: VehicleItem = canvas.item(vehicles)
    canvas.center_on(float(kit.roads.node_xy[0, 0]), float(kit.roads.node_xy[0, 1]), width_m=150.0)
    xy = kit.roads.node_xy[:1]
    lon, lat = proj.inverse(xy[:, 0], xy[:, 1])
    r = np.zeros(1, dtype=AVL_DTYPE)
    r["id"], r["lon"], r["lat"], r["ts"] = 1, lon, lat, 1
    r["type"], r["status"], r["heading"], r["speed"] = VehicleType.FIRE, VehicleStatus.ON_SCENE, np.inf, np.nan
    vehicles.apply(r, feed=0, now=0.0)
    item.refresh(Moment(1.0, 0, np.array([], dtype=np.int16)))
    img = canvas.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    assert item.drawn == 1
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), -1, 4)[:, : img.width(), :3]
    c = QtGui.QColor(palette.STATUS[VehicleStatus.ON_SCENE])
    ys, xs = np.nonzero(np.abs(arr.astype(int) - [c.blue(), c.green(), c.red()]).max(axis=2) <= 12)
    assert len(ys) > 40  # drawn, in its status colour
    # Round: as wide as it is tall, centred on its own pixels (a fire engine's triangle is neither).
    assert abs((xs.max() - xs.min()) - (ys.max() - ys.min())) <= 2
    with pytest.raises(ValueError, match="cannot centre"):
        canvas.center_on(float("nan"), 0.0)
