"""The cameras on the map: where each stands and looks (its view cone), and how its stream is doing.

Cameras come from the kit (OpenStreetMap, user layers) and from camera feeds (``cam`` declarations); a
feed's camera with the id of a kit's replaces it. Headings are on the map's grid (degrees clockwise from
+y); a camera whose direction is unknown keeps NaN and carries the fault "no direction".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

import numpy as np

from sitroom.layers.base import Event, Layer


class CamState(enum.IntEnum):
    """What the map colours a camera by: its stream's state while shown, else what is known of it."""

    IDLE = 0  # has pictures, nobody shows them now
    NO_VIDEO = 1  # no stream known (most kit cameras)
    CONNECTING = 2
    LIVE = 3
    FROZEN = 4
    LOST = 5
    REFUSED = 6
    OFFLINE = 7  # its feed says it is out of order (status offline or fault)


# The Layers dock's groups of states (a camera shows when its group is checked).
STATE_GROUPS: dict[str, tuple[CamState, ...]] = {
    "live": (CamState.LIVE, CamState.CONNECTING),
    "trouble": (CamState.FROZEN, CamState.LOST, CamState.REFUSED, CamState.OFFLINE),
    "idle": (CamState.IDLE,),
    "no-video": (CamState.NO_VIDEO,),
}


@dataclass(frozen=True)
class Camera:
    id: str
    name: str
    lon: float
    lat: float
    x: float
    y: float
    heading: float  # grid degrees, NaN when not known
    fov: float
    range_m: float
    src: str = ""  # a cctv. topic or a URL; "" for none
    src_hd: str = ""
    feed: int = -1  # the feed that declared it (-1: the kit)
    status: str = "ok"  # what its feed says: ok, offline, fault
    mount: str = ""  # indoor, outdoor, public
    compass: float | None = None  # the declared direction (clockwise from true north), kept to project again

    @property
    def fault(self) -> str:
        return "no direction" if not np.isfinite(self.heading) and self.fov < 360.0 else ""


class CameraLayer(Layer):
    title = "Cameras"
    stack = 35  # above places, below routes and vehicles

    def __init__(self) -> None:
        super().__init__()
        self.cameras: list[Camera] = []
        self.index: dict[str, int] = {}
        self.x = np.empty(0)
        self.y = np.empty(0)
        self.heading = np.empty(0)
        self.fov = np.empty(0)
        self.range_m = np.empty(0)
        self.state = np.empty(0, dtype=np.int8)
        self.shown_groups: set[str] = set(STATE_GROUPS)
        # Chosen for an incident: their rows, best first, and the incident's position and label.
        self.chosen: list[str] = []
        self.target: tuple[float, float] | None = None
        self.target_label = ""
        self.version = 0  # bumps with every change of the cameras themselves (not of their states)
        self._ids: list[str] = []
        self.activated = Event()  # emit(camera=id): someone asked to see it (clicked it on the map)

    def __len__(self) -> int:
        return len(self.cameras)

    def _rebuild(self) -> None:
        c = self.cameras
        self.index = {cam.id: i for i, cam in enumerate(c)}
        self.x = np.array([k.x for k in c], dtype=np.float64)
        self.y = np.array([k.y for k in c], dtype=np.float64)
        self.heading = np.array([k.heading for k in c], dtype=np.float64)
        self.fov = np.array([k.fov for k in c], dtype=np.float64)
        self.range_m = np.array([k.range_m for k in c], dtype=np.float64)
        old = dict(zip(self._ids, self.state.tolist(), strict=False))
        self.state = np.array([old.get(k.id, self._initial(k)) for k in c], dtype=np.int8)
        self._ids = [k.id for k in c]
        self.version += 1
        self.mark_dirty()

    @staticmethod
    def _initial(cam: Camera) -> int:
        if cam.status != "ok":
            return CamState.OFFLINE
        return CamState.IDLE if cam.src else CamState.NO_VIDEO

    def set_kit_cameras(self, cameras: list[Camera]) -> None:
        """The kit's cameras (a new kit replaces the old one's); a feed's camera of the same id wins."""
        feed = [c for c in self.cameras if c.feed >= 0]
        taken = {c.id for c in feed}
        self.cameras = [c for c in cameras if c.id not in taken] + feed
        self._rebuild()

    def declare(self, camera: Camera) -> None:
        """A feed's camera, new or changed."""
        row = self.index.get(camera.id)
        if row is not None and self.cameras[row] == camera:
            return
        if row is None:
            self.cameras.append(camera)
        else:
            self.cameras[row] = camera
        self._rebuild()
        if camera.status != "ok":
            self.state[self.index[camera.id]] = CamState.OFFLINE

    def move(self, positions: dict[str, tuple[float, float, float]]) -> None:
        """New (x, y, grid heading) for cameras by id (another kit's CRS)."""
        self.cameras = [replace(c, x=positions[c.id][0], y=positions[c.id][1], heading=positions[c.id][2])
                        if c.id in positions else c for c in self.cameras]
        self._rebuild()

    def get(self, camera_id: str) -> Camera | None:
        row = self.index.get(camera_id)
        return self.cameras[row] if row is not None else None

    def set_state(self, camera_id: str, state: CamState) -> None:
        row = self.index.get(camera_id)
        if row is not None and self.state[row] != state:
            self.state[row] = state
            self.mark_dirty()

    def shown_mask(self) -> np.ndarray:
        wanted = [int(s) for g in self.shown_groups for s in STATE_GROUPS[g]]
        return np.isin(self.state, wanted)

    def nearest(self, x: float, y: float, radius: float) -> int:
        """The row of the shown camera nearest (x, y) within ``radius`` metres, or -1."""
        if not len(self.x):
            return -1
        d = np.hypot(self.x - x, self.y - y)
        d[~self.shown_mask()] = np.inf
        i = int(np.argmin(d))
        return i if d[i] <= radius else -1

    def choose(self, ids: list[str], target: tuple[float, float] | None, label: str = "") -> None:
        """The cameras chosen for an incident (best first) and where the incident is; empty to clear."""
        self.chosen = [i for i in ids if i in self.index]
        self.target = target
        self.target_label = label
        self.mark_dirty()
