"""Readable at a console: text size, contrast, check boxes, legends, priority numbers and labels that never
cover each other or what they are about."""

from __future__ import annotations

import itertools

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.layers.base import Moment
from sitroom.layers.coverage import CoverageLayer
from sitroom.layers.incidents import IncidentLayer
from sitroom.layers.places import PlacesLayer
from sitroom.layers.routes import RouteLayer
from sitroom.layers.traffic import TrafficLayer
from sitroom.layers.vehicles import VehicleLayer
from sitroom.resources import palette
from sitroom.services.feeds.protocol import AVL_DTYPE, LINK_DTYPE
from sitroom.services.geo import Projector
from sitroom.services.incidents.model import IncidentBook
from sitroom.services.store.kit import Poi
from sitroom.services.vocabulary import VehicleStatus, VehicleType
from sitroom.widgets import theme
from sitroom.widgets.coverage_panel import CoveragePanel
from sitroom.widgets.layers_dock import LayersWidget
from sitroom.widgets.map.banner import MapBanners
from sitroom.widgets.map.canvas import MapCanvas
from sitroom.widgets.map.coverage_item import CoverageItem
from sitroom.widgets.map.incident_item import IncidentItem
from sitroom.widgets.map.places_item import PlacesItem
from sitroom.widgets.map.route_item import RouteItem
from sitroom.widgets.map.traffic_item import TrafficItem
from sitroom.widgets.map.vehicle_item import VehicleItem
from tests.kits import grid_kit

NOW = Moment(1.0, 0, np.array([], dtype=np.int16))

# ------------------------------------------------------------ colour arithmetic (WCAG 2.x, CIE L*a*b*)


def _linear(colour: str) -> np.ndarray:
    c = QtGui.QColor(colour)
    rgb = np.array([c.redF(), c.greenF(), c.blueF()])
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def luminance(colour: str) -> float:
    return float(np.dot([0.2126, 0.7152, 0.0722], _linear(colour)))


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(
        linear_rgb, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


# Machado, Oliveira and Fernandes (2009), full severity: how the colours look with each colour deficiency.
CVD = {
    "none": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def text_pairs() -> list[tuple[str, str, str]]:
    """(what, text colour, background) for every text the theme draws on a colour of its own."""
    ui = palette.UI
    pairs = [(f"{t} on {bg}", ui[t], ui[bg]) for t in ("text", "muted", "ok", "warn", "bad")
             for bg in ("window", "panel", "base", "alt_base")]
    pairs += [
        ("selected text on highlight", ui["highlight_text"], ui["highlight"]),
        ("bad banner", ui["window"], ui["bad"]),
        ("warn banner", ui["window"], ui["warn"]),
        ("info banner", ui["text"], ui["panel"]),
    ]
    pairs += [(f"P{p} number", palette.PRIORITY_TEXT[p], palette.PRIORITY[p]) for p in palette.PRIORITY]
    # Live statuses as words in a table (the unit board), in their map colours.
    pairs += [(f"{status.name.lower()} status on {bg}", colour, ui[bg]) for status, colour in palette.STATUS.items()
              for bg in ("base", "alt_base")]
    for style, s in palette.MAP_STYLE.items():
        for key in ("label", "label_gu", "road_label"):
            pairs += [(f"{style} map {key} on {bg}", s[key], s[bg]) for bg in ("bg", "district_fill", "halo")]
    pairs += [("place name on its halo", ui["text"], palette.PLACE_OUTLINE),
              ("route label on its halo", palette.ROUTE, ui["map_bg"])]
    return pairs


@pytest.mark.parametrize(("what", "fg", "bg"), text_pairs(), ids=[p[0] for p in text_pairs()])
def test_every_text_colour_reads_at_aa_contrast(what: str, fg: str, bg: str) -> None:
    assert contrast(fg, bg) >= 4.5, f"{what}: {fg} on {bg} is {contrast(fg, bg):.2f}:1"


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic AA grey


def test_priority_colours_stay_apart_with_colour_deficiencies() -> None:
    """Every pair of priorities stays far apart (CIE76 ΔE ≥ 20) as seen with each colour deficiency, and the
    urgent three step in lightness (P1 darkest), so red and orange never rest on hue alone."""
    for name, m in CVD.items():
        lab = {p: _lab(m @ _linear(c)) for p, c in palette.PRIORITY.items()}
        for a, b in itertools.combinations(lab, 2):
            assert np.linalg.norm(lab[a] - lab[b]) >= 20, f"P{a} and P{b} with {name}"
        lightness = [lab[p][0] for p in (1, 2, 3)]
        assert all(hi - lo >= 10 for lo, hi in itertools.pairwise(lightness)), (name, lightness)


# ------------------------------------------------------------ the theme on the application


@pytest.fixture
def themed(qapp):
    """The dark theme on the application for one test, then the application as it was."""
    style, pal, font, sheet = qapp.style().name(), qapp.palette(), qapp.font(), qapp.styleSheet()
    options = {k: pg.getConfigOption(k) for k in ("background", "foreground", "antialias")}
    theme.apply_dark_theme(qapp)
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setStyle(style)
    qapp.setPalette(pal)
    qapp.setFont(font)
    pg.setConfigOptions(**options)


def _rgb(img: QtGui.QImage) -> np.ndarray:
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return arr[:, : img.width(), 2::-1].astype(int)  # BGRA in memory -> RGB


def _near(rgb: np.ndarray, colour: str, tol: int = 12) -> np.ndarray:
    c = QtGui.QColor(colour)
    return np.abs(rgb - np.array([c.red(), c.green(), c.blue()])).max(axis=-1) <= tol


def _over(colour: str, alpha: int, ground: str = palette.UI["map_bg"]) -> str:
    """``colour`` drawn at ``alpha`` on ``ground``: what a translucent stroke looks like on the map."""
    a, g = QtGui.QColor(colour), QtGui.QColor(ground)
    mix = [round((x * alpha + y * (255 - alpha)) / 255) for x, y in
           ((a.red(), g.red()), (a.green(), g.green()), (a.blue(), g.blue()))]
    return QtGui.QColor(*mix).name()


def test_style_sheet_has_every_name_filled() -> None:
    sheet = theme.style_sheet()
    assert "@" not in sheet
    assert "11pt" in sheet and "13pt" in sheet  # the type scale, in points


def test_body_text_is_14_px_or_more_at_scale_1_and_in_points(themed) -> None:
    screen = themed.primaryScreen()
    assert screen.devicePixelRatio() == 1.0 and screen.logicalDotsPerInch() == 96  # 1920x1080 at scale 1
    body = themed.font()
    # In points, not pixels: Qt scales it with the desktop's DPI and scale factor.
    assert body.pixelSize() == -1 and body.pointSizeF() == palette.FONT_PT["body"]
    assert QtGui.QFontInfo(body).pixelSize() >= 14
    for size in ("map_label", "map_title"):
        assert QtGui.QFontInfo(theme.font(size)).pixelSize() >= 14, size


def test_dock_titles_are_a_step_above_their_contents(themed, qtbot) -> None:
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    inner = QtWidgets.QWidget()
    label = QtWidgets.QLabel("Layers", inner)
    dock = QtWidgets.QDockWidget("Layers", window)
    dock.setWidget(inner)
    group = QtWidgets.QGroupBox("Vehicle types")
    check = QtWidgets.QCheckBox("bus", group)
    window.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    window.setCentralWidget(group)
    window.show()
    qtbot.waitExposed(window)
    px = QtGui.QFontInfo
    assert px(dock.font()).pixelSize() > px(label.font()).pixelSize() >= 14
    assert px(group.font()).pixelSize() > px(check.font()).pixelSize() >= 14


def _indicator(check: QtWidgets.QCheckBox) -> np.ndarray:
    opt = QtWidgets.QStyleOptionButton()
    check.initStyleOption(opt)
    rect = check.style().subElementRect(QtWidgets.QStyle.SubElement.SE_CheckBoxIndicator, opt, check)
    assert rect.width() >= 12 and rect.height() >= 12
    return _rgb(check.grab(rect).toImage())


def test_checked_and_unchecked_boxes_are_clearly_different(themed, qtbot) -> None:
    box = QtWidgets.QWidget()
    qtbot.addWidget(box)
    lay = QtWidgets.QVBoxLayout(box)
    off, on = QtWidgets.QCheckBox("off"), QtWidgets.QCheckBox("on")
    on.setChecked(True)
    lay.addWidget(off)
    lay.addWidget(on)
    box.show()
    qtbot.waitExposed(box)
    window = QtGui.QColor(palette.UI["window"])
    ground = np.array([window.red(), window.green(), window.blue()])

    def contrast_px(rgb: np.ndarray) -> np.ndarray:
        lum = np.array([luminance(QtGui.QColor(*map(int, c)).name()) for c in rgb.reshape(-1, 3)])
        hi = np.maximum(lum, luminance(window.name()))
        lo = np.minimum(lum, luminance(window.name()))
        return (hi + 0.05) / (lo + 0.05)

    unchecked, checked = _indicator(off), _indicator(on)
    # An empty box still shows: its border stands out from the window at 3:1 or more (WCAG 1.4.11).
    assert (contrast_px(unchecked) >= 3.0).sum() >= 20
    # A ticked box is filled, with the tick in light strokes on it.
    assert _near(checked, palette.UI["highlight"], 16).mean() > 0.3
    assert (checked.min(axis=-1) > 200).sum() >= 6
    assert np.abs(checked - unchecked).max(axis=-1).mean() > 40
    assert np.abs(unchecked - ground).max(axis=-1).mean() < np.abs(checked - ground).max(axis=-1).mean()


def test_map_banners_show_on_their_own_colours(themed, qtbot) -> None:
    """A banner row is drawn on its level's colour (not dark text on the bare map)."""
    host = QtWidgets.QWidget()
    qtbot.addWidget(host)
    host.resize(800, 400)
    banners = MapBanners(host)
    host.show()
    qtbot.waitExposed(host)
    for level in ("bad", "warn"):
        banners.row("calls").show_message("P1 fire waiting 1:02: INC-1 (N to take it)", level)
        row = banners.row("calls")
        qtbot.waitUntil(row.isVisible)
        rgb = _rgb(row.grab().toImage())
        assert _near(rgb, palette.UI[level]).mean() > 0.6, level
        assert _near(rgb, palette.UI["window"], 40).sum() > 50, level  # the words, dark on the colour


# ------------------------------------------------------------ legends


@pytest.fixture
def roads_layers():
    kit = grid_kit(6)
    proj = Projector(kit.crs)
    return kit, TrafficLayer(kit.roads), CoverageLayer(kit), VehicleLayer(proj)


def test_layers_dock_explains_traffic_and_coverage_colours(qtbot, roads_layers) -> None:
    _, traffic, coverage, vehicles = roads_layers
    dock = LayersWidget([traffic, coverage, vehicles], vehicles)
    qtbot.addWidget(dock)
    dock.resize(320, 700)
    dock.show()
    qtbot.waitExposed(dock)
    legend = dock.legends[traffic.title]
    assert [e.colour for e in legend.entries][:-1] == [c for _, c in palette.CONGESTION]
    texts = " ".join(label.text() for label in legend.labels)
    assert all(f"{t * 100:.0f}%" in texts for t in (0.4, 0.7, palette.CONGESTION_FREE_FROM))
    assert legend.isVisible() and not legend.note.isVisible()
    # Each swatch is the map's own stroke: the band's colour, on the map's ground.
    swatch = _rgb(legend.swatches[0].grab().toImage())
    assert _near(swatch, _over(palette.CONGESTION[0][1], TrafficItem.alpha), 16).sum() >= 10

    cov = dock.legends[coverage.title]
    assert [e.colour for e in cov.entries] == [c for _, c in palette.COVERAGE]
    assert not cov.isVisible()  # coverage is off by default: nothing to explain
    coverage.visible = True  # as the Coverage panel's "Show on map" does
    assert dock.visibility[coverage.title].isChecked()
    qtbot.waitUntil(cov.isVisible)
    assert legend.note.isVisible() and legend.note.text()  # the traffic legend says coverage is on its roads
    dock.visibility[coverage.title].setChecked(False)
    assert not coverage.visible and not cov.isVisible() and not legend.note.isVisible()


def test_coverage_panel_shows_the_legend_of_the_map_colours(qtbot) -> None:
    panel = CoveragePanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.legend.isVisible()
    assert [e.colour for e in panel.legend.entries] == [c for _, c in palette.COVERAGE]
    assert "7" in panel.legend.labels[-1].text()
    swatch = _rgb(panel.legend.swatches[-1].grab().toImage())
    assert _near(swatch, _over(palette.COVERAGE[-1][1], CoverageItem.alpha), 16).sum() >= 6


def _canvas(qtbot, kit, *layers, width_m: float = 1200.0, size: int = 600) -> MapCanvas:
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(size, size)
    for layer in layers:
        canvas.add_layer(layer)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.center_on(*kit.roads.node_xy.mean(axis=0), width_m=width_m)
    return canvas


def _screen(canvas: MapCanvas, x: float, y: float) -> QtCore.QPointF:
    """Where a point of the map is in the canvas's grab."""
    scene = canvas.view.mapViewToScene(QtCore.QPointF(x, y))
    return QtCore.QPointF(canvas.mapFromScene(scene)) + QtCore.QPointF(canvas.viewport().pos())


def test_coverage_over_traffic_lets_the_traffic_show(qtbot, roads_layers) -> None:
    """Coverage is drawn wide and dashed over the traffic's thin solid line: the congestion shows through its
    gaps, inside its footprint, not only as a fringe beside it."""
    kit, traffic, coverage, _ = roads_layers
    assert CoverageItem.pen("#ffffff").style() != TrafficItem.pen("#ffffff").style()
    assert CoverageItem.width > TrafficItem.width
    links = np.zeros(len(np.unique(kit.roads.edge_link)), dtype=LINK_DTYPE)
    links["link"] = np.unique(kit.roads.edge_link)
    links["kmh"] = 5.0  # heavy: under 40% of free flow, the first band
    traffic.apply(links)
    coverage.set_minutes(np.full(kit.roads.n_edges, 1.0), 5.0)  # all in the first band
    coverage.visible = True
    # District zoom: the traffic's offset from the road's centre line is about a pixel, under the coverage.
    canvas = _canvas(qtbot, kit, traffic, coverage, width_m=6000.0)
    canvas.tick(NOW)
    rgb = _rgb(canvas.grab().toImage())
    # grid_kit's primary segment (2, 0) -> (2, 1), along y: the only kind of road traffic colours.
    xy = kit.roads.node_xy
    a, b = _screen(canvas, *xy[12]), _screen(canvas, *xy[13])
    x = round(a.x())
    y0, y1 = sorted((round(a.y()), round(b.y())))
    strip = rgb[y0 + 6: y1 - 6, x - 4: x + 5]
    cov = _near(strip, _over(palette.COVERAGE[0][1], CoverageItem.alpha), 24)
    jam = _near(strip, _over(palette.CONGESTION[0][1], TrafficItem.alpha), 24)
    under = cov.any(axis=0)  # the columns the coverage is drawn on
    assert cov.mean(axis=0).max() > 0.3  # coverage shows
    assert jam[:, under].mean(axis=0).max() > 0.3  # and so does the traffic inside its footprint


# ------------------------------------------------------------ priority numbers, units on scene


def _incident(book: IncidentBook, inc_id: str, priority: int, x: float, y: float, kind: str = "traffic") -> None:
    book.receive({"id": inc_id, "type": kind, "priority": priority, "lon": 127.38, "lat": 36.35,
                  "status": "acknowledged", "reported": 1_700_000_000_000}, x, y, "incidents")


def test_incidents_show_their_priority_number(qtbot) -> None:
    kit = grid_kit(6)
    book = IncidentBook()
    xy = kit.roads.node_xy
    _incident(book, "INC-2", 2, float(xy[7, 0]), float(xy[7, 1]))
    _incident(book, "INC-3", 3, float(xy[28, 0]), float(xy[28, 1]))
    incidents = IncidentLayer(book)
    canvas = _canvas(qtbot, kit, incidents)
    canvas.tick(NOW)
    rgb = _rgb(canvas.grab().toImage())
    item: IncidentItem = canvas.item(incidents)
    assert sorted(p for p, _ in item.badges) == [2, 3]
    glyphs = {}
    origin = canvas.viewport().pos()
    for priority, box in item.badges:
        r = box.translated(origin.x(), origin.y()).toRect()
        patch = rgb[r.top(): r.bottom(), r.left(): r.right()]
        assert _near(patch, palette.PRIORITY[priority], 20).mean() > 0.3  # the badge is the priority's colour
        ink = _near(patch, palette.PRIORITY_TEXT[priority], 60)
        assert ink.sum() >= 12  # with its number written on it
        glyphs[priority] = ink
    assert (glyphs[2] != glyphs[3]).sum() >= 8  # and the numbers differ: "2" is not "3"


def test_a_unit_on_scene_is_drawn_beside_its_incident_and_clicked_there(qtbot) -> None:
    kit = grid_kit(6)
    proj = Projector(kit.crs)
    x, y = (float(v) for v in kit.roads.node_xy[14])
    book = IncidentBook()
    _incident(book, "INC-1", 1, x, y, kind="fire")
    incidents = IncidentLayer(book)
    vehicles = VehicleLayer(proj)
    canvas = _canvas(qtbot, kit, vehicles, incidents, width_m=600.0)
    at = _screen(canvas, x, y)
    yy, xx = np.mgrid[: canvas.height(), : canvas.width()]
    outside = np.hypot(xx - at.x(), yy - at.y()) > 17  # clear of the incident's marker (radius 11)

    def unit_pixels(ids: list[int]) -> np.ndarray:
        r = np.zeros(len(ids), dtype=AVL_DTYPE)
        r["id"], r["type"], r["status"], r["ts"] = ids, VehicleType.FIRE, VehicleStatus.ON_SCENE, 1
        r["lon"], r["lat"] = proj.inverse(np.full(len(ids), x), np.full(len(ids), y))
        vehicles.apply(r, feed=0, now=0.0)
        canvas.tick(NOW)
        return _near(_rgb(canvas.grab().toImage()), palette.STATUS[VehicleStatus.ON_SCENE], 16)

    one = unit_pixels([10000])
    assert (one & outside).sum() > 150  # the whole symbol shows, not its tips around the marker
    assert (one & ~outside).sum() < 40
    # A second unit at the same incident takes the next place around it, not the first one's.
    two = unit_pixels([10000, 10005])
    assert (two & outside).sum() > 1.8 * (one & outside).sum()
    # A click on a symbol where it is drawn selects its unit; a click on the incident's marker does not.
    item: VehicleItem = canvas.item(vehicles)
    mpp = canvas.metres_per_pixel()
    ys_, xs_ = np.nonzero(one & outside)
    tx, ty = x + (xs_.mean() - at.x()) * mpp, y - (ys_.mean() - at.y()) * mpp
    assert item.nearest_drawn(tx, ty, 12 * mpp) == vehicles.rows_for(np.array([10000]))[0]
    assert item.nearest_drawn(x, y, 12 * mpp) == -1


# ------------------------------------------------------------ labels


def test_place_names_never_overlap_each_other_or_symbols(qtbot) -> None:
    import dataclasses

    kit = grid_kit(6)
    xy = kit.roads.node_xy
    x0, y0 = float(xy[14, 0]), float(xy[14, 1])
    pois = (
        Poi("fire", "중앙 119안전센터", x0, y0, 14),
        Poi("ems", "중앙 구급대", x0, y0, 14),  # the same spot: a second station in the same building
        Poi("police", "중앙 지구대", x0 + 15, y0 + 5, 14),
        Poi("hospital", "중앙병원", x0 - 20, y0 - 10, 14),
    )
    kit = dataclasses.replace(kit, pois=pois)
    places = PlacesLayer(kit)
    canvas = _canvas(qtbot, kit, places, width_m=600.0)
    item: PlacesItem = canvas.item(places)
    item.setCacheMode(item.CacheMode.NoCache)  # painted straight onto the view: its boxes in the view's pixels
    canvas.center_on(x0, y0, width_m=600.0)
    canvas.grab()
    boxes = item.name_boxes
    assert len(boxes) >= 2  # both stations at one spot are named
    assert all(b.height() >= 14 for b in boxes)
    for a, b in itertools.combinations(boxes, 2):
        assert not a.intersects(b)
    for x, y in zip(places.x, places.y, strict=True):
        at = _screen(canvas, float(x), float(y)) - QtCore.QPointF(canvas.viewport().pos())
        symbol = QtCore.QRectF(at.x() - 4.5, at.y() - 4.5, 9, 9)
        assert not any(symbol.intersects(b) for b in boxes)


def test_route_label_stays_inside_the_view(qtbot) -> None:
    kit = grid_kit(6)
    xy = kit.roads.node_xy
    routes = RouteLayer()
    centre = xy.mean(axis=0)
    # From a unit far to the east and north (out of view) to the incident at the centre.
    path = np.array([[centre[0] + 5000, centre[1] + 4000], [centre[0] + 600, centre[1] + 500], centre])
    routes.set_route(path, label="10014 · 6:20")
    canvas = _canvas(qtbot, kit, routes, width_m=1200.0)
    canvas.tick(NOW)
    rgb = _rgb(canvas.grab().toImage())
    item: RouteItem = canvas.item(routes)
    box = item.label_box
    assert not box.isEmpty()
    assert QtCore.QRectF(canvas.viewport().rect()).contains(box)
    r = box.translated(canvas.viewport().pos().x(), canvas.viewport().pos().y()).toRect()
    assert _near(rgb[r.top(): r.bottom(), r.left(): r.right()], palette.ROUTE, 30).sum() > 30  # drawn there
    # Along the top of the view, where the banners are, the label goes below the route, not above it.
    canvas.center_on(*centre, width_m=1200.0)
    top = canvas.view.viewRect().bottom() - 60.0  # the map's y grows upwards: 30 px below the view's top
    routes.set_route(np.array([[centre[0] - 5000, top], [centre[0] + 5000, top]]), label="10014 · 6:20")
    canvas.tick(NOW)
    canvas.grab()
    assert item.label_box.top() > _screen(canvas, centre[0], top).y() - canvas.viewport().pos().y()
    routes.set_route(path, label="10014 · 6:20")
    canvas.tick(NOW)
    # Zoomed out, with the unit in view, the label is beside the unit, as before.
    canvas.center_on(*centre, width_m=20_000.0)
    canvas.grab()
    unit = _screen(canvas, *path[0]) - QtCore.QPointF(canvas.viewport().pos())
    assert QtCore.QLineF(item.label_box.bottomLeft(), unit).length() < 40
