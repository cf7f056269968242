"""The basemap: zoom bands with simplified roads, labels that never overlap, day and night, raster tiles."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from sitroom.layers.basemap import ZOOM_BANDS, BasemapLayer, band_for
from sitroom.resources import palette
from sitroom.services.store.kit import load_kit, save_kit
from sitroom.services.store.tiles import tiles_covering
from sitroom.widgets.map.basemap_item import BasemapItem
from sitroom.widgets.map.canvas import MapCanvas
from tests.kits import grid_kit


def _count_colour(img: QtGui.QImage, colour: str, tol: int = 10) -> int:
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    c = QtGui.QColor(colour)
    return int((np.abs(arr[:, : img.width(), :3].astype(int) - [c.blue(), c.green(), c.red()]).max(axis=2)
                <= tol).sum())


def _canvas(qtbot, kit, layer=None, size: tuple[int, int] = (700, 500)) -> tuple[MapCanvas, BasemapLayer]:
    """A shown canvas over ``kit`` with ``layer`` (default: the kit's basemap) at the whole extent."""
    layer = layer if layer is not None else BasemapLayer(kit)
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(*size)
    canvas.add_layer(layer)
    canvas.set_home(*kit.bounds)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.fit_home()
    return canvas, layer


def test_bands_draw_fewer_classes_and_vertices_zoomed_out() -> None:
    layer = BasemapLayer(grid_kit(12))
    assert band_for(0.0) == 0 and band_for(1.0) == len(ZOOM_BANDS) - 1
    assert [set(b) <= ZOOM_BANDS[i].classes for i, b in enumerate(layer.bands)] == [True] * len(ZOOM_BANDS)
    counts = [layer.vertices(i) for i in range(len(ZOOM_BANDS))]
    assert counts == sorted(counts) and counts[0] < counts[-1]


def test_labels_follow_their_roads_and_never_overlap(qtbot) -> None:
    kit = grid_kit(12, spacing=150.0)
    canvas, layer = _canvas(qtbot, kit)
    labels = canvas.item(layer).labels
    cx, cy = kit.roads.node_xy.mean(axis=0)
    canvas.center_on(cx, cy, width_m=900)
    canvas.grab()
    assert labels.placed >= 6  # the district and several street names
    boxes = labels.boxes
    for i, a in enumerate(boxes):
        assert not any(a.intersects(b) for b in boxes[i + 1:])
    # Every candidate sits on its road: along x for 동서로, along y for 남북로.
    lab = layer.labels
    for k in range(len(lab.x)):
        text = kit.road_names[int(lab.name[k])][0]
        assert abs(lab.angle[k]) < 1e-6 if text.startswith("동서로") else abs(abs(lab.angle[k]) - 90) < 1e-6
    layer.set_language("en")
    assert layer.road_label(0) == "Dongseo-ro 0"


def test_day_and_night_styles(qtbot) -> None:
    kit = grid_kit(8)
    canvas, layer = _canvas(qtbot, kit)
    canvas.center_on(*kit.roads.node_xy.mean(axis=0), width_m=1200)
    night, day = palette.MAP_STYLE["night"]["district_fill"], palette.MAP_STYLE["day"]["district_fill"]
    img = canvas.grab().toImage()
    assert _count_colour(img, night) > 1000 and _count_colour(img, day) == 0
    layer.set_style("day")
    canvas.set_background(palette.MAP_STYLE["day"]["bg"])
    img = canvas.grab().toImage()
    assert _count_colour(img, day) > 1000 and _count_colour(img, night) == 0
    with pytest.raises(ValueError):
        layer.set_style("sepia")


def _mbtiles(path: Path, bounds_lonlat: tuple[float, float, float, float], zooms: range, colour: str) -> None:
    image = QtGui.QImage(256, 256, QtGui.QImage.Format.Format_RGB32)
    image.fill(QtGui.QColor(colour))
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    png = bytes(buf.data())
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)")
        db.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "test"), ("format", "png")])
        for z in zooms:
            for x, y in tiles_covering(bounds_lonlat, z):
                db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, png))


def test_raster_tiles_show_under_the_vectors(qtbot, tmp_path: Path) -> None:
    kit = grid_kit(8)
    tiles = tmp_path / "t.mbtiles"
    _mbtiles(tiles, kit.bounds_lonlat, range(12, 17), "#7a2e8e")
    kit = load_kit(save_kit(kit, tmp_path / "kit", tiles=tiles))
    assert kit.tiles_path is not None
    canvas, layer = _canvas(qtbot, kit)
    item: BasemapItem = canvas.item(layer)
    assert item.tiles is not None
    canvas.center_on(*kit.roads.node_xy.mean(axis=0), width_m=800)
    canvas.grab()
    qtbot.waitUntil(lambda: (canvas.grab(), item.tiles.drawn)[1] > 0, timeout=5000)
    assert _count_colour(canvas.grab().toImage(), "#7a2e8e") > 10_000
    # A kit whose tiles went missing is refused, naming the file.
    (tmp_path / "kit" / "tiles.mbtiles").unlink()
    with pytest.raises(Exception, match=r"tiles\.mbtiles: missing"):
        load_kit(tmp_path / "kit")


def test_places_show_stations_and_user_layers(qtbot) -> None:
    import dataclasses

    from sitroom.layers.places import KINDS, PlacesLayer
    from sitroom.services.store.kit import Poi

    kit = grid_kit(8)
    xy = kit.roads.node_xy
    kit = dataclasses.replace(kit, pois=(
        *kit.pois,
        Poi("camera", "CCTV 1", float(xy[20, 0]), float(xy[20, 1]), 20, "cameras"),
        Poi("pumping station", "배수펌프장", float(xy[30, 0]), float(xy[30, 1]), 30, "facilities"),
    ))
    places = PlacesLayer(kit)
    assert len(places) == 3 and KINDS[places.kind[0]] == "fire"  # stations first
    assert KINDS[places.kind[2]] == "facility" and places.layers[2] == "facilities"  # its own kind: a facility
    canvas, _ = _canvas(qtbot, kit, places, size=(600, 600))
    canvas.center_on(*xy.mean(axis=0), width_m=1600)
    img = canvas.grab().toImage()
    assert _count_colour(img, palette.PLACE["fire"]) > 20
    assert _count_colour(img, palette.PLACE["facility"]) > 10
    places.visible = False
    assert _count_colour(canvas.grab().toImage(), palette.PLACE["fire"]) == 0
