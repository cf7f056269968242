"""What a kit keeps about a camera beyond its place: where it looks, how wide, how far, and its streams.

From OpenStreetMap (``man_made=surveillance``): ``camera:direction`` (degrees or a compass point such as
``NE``), ``camera:type`` (a ``dome`` or ``panning`` camera can be turned to anything: a 360° view),
``camera:angle`` (the tilt below the horizontal, per the OSM wiki; with ``height`` it bounds how far the
camera sees), ``surveillance`` (indoor, outdoor, public) and ``surveillance:type`` (camera, ALPR; a guard is
no camera). From user layers: the columns ``dir``, ``fov``, ``range`` and, for cameras with video, ``url``
and ``url_hd``. OSM has no field-of-view tag: a fixed camera is taken to see :data:`DEFAULT_FOV` degrees.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

DEFAULT_FOV = 60.0
DEFAULT_RANGE_M = 150.0
MIN_RANGE_M = 15.0
MAX_RANGE_M = 5000.0
DEFAULT_HEIGHT_M = 5.0
CAMERA_COLUMNS = ("dir", "fov", "range", "url", "url_hd")
_COMPASS = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
_TURNING = ("dome", "panning")


@dataclass(frozen=True)
class CameraSpec:
    direction: float | None = None  # compass degrees clockwise from true north; None: not known
    fov: float = DEFAULT_FOV  # degrees, 360 for a camera that can be turned anywhere
    range_m: float = DEFAULT_RANGE_M
    tilt: float | None = None  # degrees below the horizontal (OSM camera:angle)
    mount: str = ""  # OSM surveillance=*: indoor, outdoor, public
    kind: str = "camera"  # OSM surveillance:type=*: camera, ALPR
    camera_type: str = ""  # OSM camera:type=*: fixed, dome, panning
    url: str = ""  # a stream URL (rtsp, http MJPEG, file), when the kit knows one
    url_hd: str = ""  # a full-resolution stream beside it

    def to_json(self) -> dict:
        """The fields that differ from the defaults (a kit's JSON stays small)."""
        default = CameraSpec()
        return {k: v for k, v in asdict(self).items() if v != getattr(default, k)}

    @classmethod
    def from_json(cls, data: object) -> CameraSpec:
        if not isinstance(data, dict) or not set(data) <= set(cls.__dataclass_fields__):
            raise TypeError("camera is not a camera description")
        spec = cls(**data)
        for name in ("fov", "range_m"):
            if not isinstance(getattr(spec, name), int | float):
                raise TypeError(f"camera {name} is not a number")
        if spec.direction is not None and not isinstance(spec.direction, int | float):
            raise TypeError("camera direction is not a number")
        if not all(isinstance(getattr(spec, k), str) for k in ("mount", "kind", "camera_type", "url", "url_hd")):
            raise TypeError("camera text fields are not text")
        return spec


def parse_direction(text: str | None) -> float | None:
    """Degrees clockwise from north from ``135``, ``135.5``, ``NE`` or ``90;180`` (the first); None if unknown."""
    if not text:
        return None
    first = text.replace(",", ";").split(";")[0].strip().upper()
    if first in _COMPASS:
        return _COMPASS.index(first) * 22.5
    try:
        value = float(first)
    except ValueError:
        return None
    return value % 360.0 if math.isfinite(value) else None


def _number(text: str | None) -> float | None:
    try:
        value = float(str(text).strip().lower().removesuffix("m").strip()) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def reach(tilt: float | None, height: float | None) -> float:
    """How far a camera tilted ``tilt`` degrees down from ``height`` metres sees: twice the distance at which
    its axis meets the ground, within [MIN_RANGE_M, DEFAULT_RANGE_M]; the default when either is unknown."""
    if tilt is None or not 0.0 < tilt < 90.0:
        return DEFAULT_RANGE_M
    h = height if height is not None and height > 0 else DEFAULT_HEIGHT_M
    return min(max(2.0 * h / math.tan(math.radians(tilt)), MIN_RANGE_M), DEFAULT_RANGE_M)


def from_osm_tags(tag: Callable[[str], str | None]) -> CameraSpec | None:
    """A camera from its OSM tags (``tag(key)`` returns the value or None); None for a guard."""
    kind = (tag("surveillance:type") or "camera").strip()
    if kind.lower() == "guard":
        return None
    camera_type = (tag("camera:type") or "").strip().lower()
    tilt = _number(tag("camera:angle"))
    return CameraSpec(direction=parse_direction(tag("camera:direction") or tag("direction")),
                      fov=360.0 if camera_type in _TURNING else DEFAULT_FOV,
                      range_m=reach(tilt, _number(tag("height"))), tilt=tilt,
                      mount=(tag("surveillance") or "").strip().lower(), kind=kind, camera_type=camera_type)


def from_columns(values: dict[str, str], where: str) -> CameraSpec:
    """A camera from a user layer's ``dir``, ``fov``, ``range``, ``url``, ``url_hd`` (empty cells: defaults).
    Raises ValueError naming the column and ``where`` for a value that is not one."""

    def number(name: str, lo: float, hi: float) -> float | None:
        text = (values.get(name) or "").strip()
        if not text:
            return None
        value = parse_direction(text) if name == "dir" else _number(text)
        if value is None or not lo <= value <= hi:
            raise ValueError(f"{where}: {name} {text!r} is not a number in {lo:g}..{hi:g}")
        return value

    fov = number("fov", 1e-6, 360.0)
    rng = number("range", 1e-6, MAX_RANGE_M)
    return CameraSpec(direction=number("dir", -360.0, 360.0), fov=DEFAULT_FOV if fov is None else fov,
                      range_m=DEFAULT_RANGE_M if rng is None else rng,
                      url=(values.get("url") or "").strip(), url_hd=(values.get("url_hd") or "").strip())
