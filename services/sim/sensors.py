"""Demo facility sensor backend: the kit's facilities with 1,000–10,000 sensors read once a second.

Each facility is described on ``fac`` (its sensors, their units, limits and expected rate; served as a snapshot
beside the feed) and publishes its readings on ``sens.<facility>`` every second. The signals look like the real
thing: a level per sensor, slow drift, noise, daily cycles (dust peaks with the rush hours, temperature in the
afternoon), traffic loading bridges, now and then a spike (a gauge glitch, too fast to be real), a sensor that
drops out for a minute or a reading that is not a number. Two stories run on top:

- a crack that grows: every ``CRACK_EVERY_S`` one bridge's crack gauge starts widening by about 0.06 mm a minute,
  crossing its 0.3 mm warning after a minute or two and its 0.5 mm alarm a few minutes later;
- a real fire: about every ``SMOKE_EVERY_S`` (at random) a facility's smoke detector sees smoke: obscuration rises
  within seconds and the detector raises its device alarm on ``fac.evt``, cleared three minutes later. A hospital
  may also lose the negative pressure of an isolation room for two minutes.

Deterministic for a seed; ``duration_s`` for tests.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from sitroom.services.facilities import wire
from sitroom.services.feeds.protocol import SENSOR_DTYPE, Kind, snapshot_endpoint
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.feeds.security import Security
from sitroom.services.geo import Projector
from sitroom.services.sim.runner import run_loop
from sitroom.services.store.kit import Kit
from sitroom.services.vocabulary import SENSOR_UNITS

log = logging.getLogger(__name__)

PERIOD_S = 1.0
CRACK_EVERY_S = 900.0
SMOKE_EVERY_S = 480.0  # on average
SMOKE_LASTS_S = 180.0
PRESSURE_EVERY_S = 1200.0
PRESSURE_LASTS_S = 120.0

# Sensor kinds by facility kind, most typical first (a facility with many sensors repeats them floor by floor).
MIX = {
    "bridge": ("crack", "deflection", "tilt", "displacement", "temperature", "crack", "deflection"),
    "tunnel": ("co", "pm10", "smoke", "temperature", "pm25", "humidity", "displacement", "crack"),
    "hospital": ("pressure", "smoke", "temperature", "humidity", "pm25", "leak", "pressure", "co"),
    "underground_mall": ("smoke", "co", "pm10", "pm25", "temperature", "humidity", "leak", "crack"),
    "public_building": ("smoke", "crack", "tilt", "temperature", "humidity", "pm10", "leak"),
    "school": ("pm10", "pm25", "smoke", "temperature", "humidity", "crack", "co"),
}


@dataclass(frozen=True)
class Profile:
    """A kind's typical level, spread between sensors, noise, daily swing and its limits."""

    level: float
    spread: float
    noise: float
    daily: float = 0.0  # amplitude of the daily cycle
    limits: dict | None = None


PROFILES = {
    "crack": Profile(0.15, 0.03, 0.004, 0.01, {"warn_hi": 0.3, "alarm_hi": 0.5}),
    "tilt": Profile(0.0, 0.15, 0.01, 0.02, {"alarm_lo": -1.0, "warn_lo": -0.5, "warn_hi": 0.5, "alarm_hi": 1.0}),
    "displacement": Profile(0.0, 4.0, 0.3, 1.0, {"alarm_lo": -30.0, "warn_lo": -15.0, "warn_hi": 15.0,
                                                  "alarm_hi": 30.0}),
    "deflection": Profile(8.0, 3.0, 0.6, 1.5, {"warn_hi": 40.0, "alarm_hi": 60.0}),
    "pm10": Profile(30.0, 6.0, 3.0, 12.0, {"warn_hi": 80.0, "alarm_hi": 150.0}),
    "pm25": Profile(15.0, 3.0, 1.5, 5.0, {"warn_hi": 35.0, "alarm_hi": 75.0}),
    "pressure": Profile(-8.0, 1.0, 0.3, 0.0, {"warn_hi": -5.0, "alarm_hi": -2.5}),
    "temperature": Profile(21.0, 3.0, 0.1, 4.0, {"alarm_lo": 0.0, "warn_lo": 5.0, "warn_hi": 35.0,
                                                 "alarm_hi": 50.0}),
    "humidity": Profile(50.0, 8.0, 0.5, 6.0, {"warn_hi": 80.0, "alarm_hi": 90.0}),
    "co": Profile(4.0, 2.0, 0.4, 2.0, {"warn_hi": 30.0, "alarm_hi": 70.0}),
    "smoke": Profile(0.05, 0.02, 0.01, 0.0, {"warn_hi": 1.0, "alarm_hi": 3.0}),
    "leak": Profile(0.0, 0.0, 0.0, 0.0, {"alarm_hi": 0.5}),
}
SPIKE_P = 2e-5  # per reading: a glitch past what the kind can do in a second
OUTAGE_P = 2e-6  # per reading: the sensor drops out for a minute or more
NAN_P = 2e-6


def _hour(wall: float) -> float:
    t = math.fmod(wall + 9 * 3600, 86_400.0)  # Korea Standard Time
    return t / 3600.0


class SensorSim:
    """Every sensor's state as arrays; ``readings(wall)`` is one second's batch per facility."""

    def __init__(self, kit: Kit, sensors: int = 3000, seed: int = 11) -> None:
        self.rng = np.random.default_rng(seed)
        facilities = [f for f in kit.facilities if f.kind in MIX]
        if not facilities:
            raise ValueError(f"kit {kit.name!r} has no facilities to put sensors on")
        lon, lat = Projector(kit.crs).inverse(np.array([f.x for f in facilities]), np.array([f.y for f in facilities]))
        self.facilities = facilities
        self.lonlat = np.stack([np.asarray(lon), np.asarray(lat)], axis=1)
        per = max(1, sensors // len(facilities))
        extra = sensors - per * len(facilities)
        ids, kinds, fac = [], [], []
        for i, f in enumerate(facilities):
            mix = MIX[f.kind]
            for k in range(per + (1 if i < extra else 0)):
                ids.append((i + 1) * 1000 + k)
                kinds.append(mix[k % len(mix)])
                fac.append(i)
        self.ids = np.array(ids, np.uint32)
        self.kind = np.array(kinds)
        self.fac = np.array(fac, np.int64)
        n = len(ids)
        prof = [PROFILES[k] for k in kinds]
        spread = np.array([p.spread for p in prof])
        # Sensors differ, within two spreads of their kind's level: none starts at a limit.
        self.level = np.array([p.level for p in prof]) + spread * np.clip(self.rng.standard_normal(n), -2, 2)
        self.level[self.kind == "leak"] = 0.0
        crack = self.kind == "crack"
        self.level[crack] = np.clip(self.level[crack], 0.05, 0.22)  # none starts at its warning
        self.noise = np.array([p.noise for p in prof])
        self.daily = np.array([p.daily for p in prof])
        self.drift = self.rng.normal(0.0, 1.0, n) * spread / 86_400.0
        self.phase = np.where(np.isin(self.kind, ("pm10", "pm25", "co")), 8.0, 15.0)  # rush hour, afternoon
        self._dust = np.isin(self.kind, ("pm10", "pm25"))
        self._positive = np.isin(self.kind, ("pm10", "pm25", "co", "smoke", "humidity"))
        self.offset = np.zeros(n)  # the stories: a widening crack, smoke, lost pressure
        self.silent_until = np.zeros(n)
        self.starts = {i: np.flatnonzero(self.fac == i) for i in range(len(facilities))}
        self.events: list[dict] = []  # device alarms to publish this second
        self._crack: tuple[int, float] | None = None  # (sensor row, start)
        self._next_crack = 20.0
        self._smoke: dict[int, float] = {}  # smoke sensor row -> when it started
        self._next_smoke = float(self.rng.exponential(SMOKE_EVERY_S / 2))
        self._pressure: dict[int, float] = {}
        self._next_pressure = float(self.rng.exponential(PRESSURE_EVERY_S / 2))
        self.t = 0.0

    def metadata(self, i: int) -> dict:
        f = self.facilities[i]
        sensors = []
        for row in self.starts[i]:
            kind = str(self.kind[row])
            floor = int((row - self.starts[i][0]) // len(MIX[f.kind]))
            sensors.append({"id": int(self.ids[row]), "kind": kind, "unit": SENSOR_UNITS[kind],
                            "label": f"{kind} {floor + 1}", "floor": floor if f.kind not in ("bridge", "tunnel")
                            else None, "rate_s": PERIOD_S, **PROFILES[kind].limits})
        for s in sensors:
            if s["floor"] is None:
                del s["floor"]
        return {"id": f.id, "kind": f.kind, "name": f.name, "lon": float(self.lonlat[i, 0]),
                "lat": float(self.lonlat[i, 1]), "sensors": sensors}

    def step(self, wall: float) -> tuple[np.ndarray, np.ndarray]:
        """This second's readings (SENSOR_DTYPE, sensors in outage left out) and which sensors sent one; device
        alarms raised or cleared in it are in ``events``."""
        self.t += PERIOD_S
        n = len(self.ids)
        hour = _hour(wall)
        cycle = np.where(self._dust, np.cos(4 * np.pi * (hour - 8.0) / 24.0),  # dust: two rush hours
                         np.cos(2 * np.pi * (hour - self.phase) / 24.0))
        value = self.level + self.drift * self.t + self.daily * cycle + self.noise * self.rng.standard_normal(n)
        lorry = (self.kind == "deflection") & (self.rng.random(n) < 0.05)  # a heavy vehicle on the span
        value[lorry] += self.rng.uniform(5.0, 20.0, int(lorry.sum()))
        self._stories()
        value += self.offset
        spike = (self.rng.random(n) < SPIKE_P) & (self.kind != "leak")  # a glitch, too fast to be real
        value[spike] += np.where(self.rng.random(int(spike.sum())) < 0.5, -1, 1) * np.maximum(
            10 * self.noise[spike], 5.0)
        np.clip(value, 0.0, None, out=value, where=self._positive)
        value[self.rng.random(n) < NAN_P] = np.nan
        out = self.rng.random(n) < OUTAGE_P
        self.silent_until[out] = self.t + self.rng.uniform(60.0, 300.0, int(out.sum()))
        on = self.silent_until <= self.t
        rec = np.zeros(int(on.sum()), SENSOR_DTYPE)
        rec["id"] = self.ids[on]
        rec["ts"] = int(wall * 1000)
        rec["value"] = value[on]
        return rec, on

    def _stories(self) -> None:
        self.events = []
        t = self.t
        cracks = np.flatnonzero(self.kind == "crack")
        if t >= self._next_crack and len(cracks):
            if self._crack is not None:
                self.offset[self._crack[0]] = 0.0  # the last one was repaired
            bridges = [r for r in cracks if self.facilities[self.fac[r]].kind == "bridge"] or list(cracks)
            row = int(self.rng.choice(bridges))
            self._crack = (row, t)
            self.level[row] = 0.25  # just under its warning
            self._next_crack = t + CRACK_EVERY_S
        if self._crack is not None:
            row, start = self._crack
            self.offset[row] = min(0.001 * (t - start), 0.45)
        smokes = np.flatnonzero(self.kind == "smoke")
        if t >= self._next_smoke and len(smokes):
            row = int(self.rng.choice(smokes))
            self._smoke[row] = t
            self._event(row, "smoke", True)
            self._next_smoke = t + float(self.rng.exponential(SMOKE_EVERY_S))
        for row, start in list(self._smoke.items()):
            age = t - start
            self.offset[row] = 6.0 * min(age / 20.0, 1.0) if age < SMOKE_LASTS_S else 0.0
            if age >= SMOKE_LASTS_S:
                del self._smoke[row]
                self._event(row, "smoke", False)
        rooms = np.flatnonzero(self.kind == "pressure")
        if t >= self._next_pressure and len(rooms):
            row = int(self.rng.choice(rooms))
            self._pressure[row] = t
            self._event(row, "pressure_loss", True)
            self._next_pressure = t + float(self.rng.exponential(PRESSURE_EVERY_S))
        for row, start in list(self._pressure.items()):
            if t - start < PRESSURE_LASTS_S:
                self.offset[row] = 7.0 * min((t - start) / 10.0, 1.0)
            else:
                self.offset[row] = 0.0
                del self._pressure[row]
                self._event(row, "pressure_loss", False)

    def _event(self, row: int, kind: str, active: bool) -> None:
        f = self.facilities[self.fac[row]]
        self.events.append({"id": f"{f.id}/{kind}/{int(self.ids[row])}", "facility": f.id, "type": kind,
                            "active": active, "sensor": int(self.ids[row]), "text": f"{f.name}: {kind}"})


def run(kit: Kit, endpoint: str, *, sensors: int = 3000, seed: int = 11, parent_pid: int | None = None,
        duration_s: float | None = None, src: str = "sim-sensors", security: Security | None = None) -> None:
    security = security if security is not None else Security.from_env()
    sim = SensorSim(kit, sensors, seed)
    pub = Publisher(endpoint, src, snapshot=snapshot_endpoint(endpoint), security=security)
    topics = [wire.readings_topic(f.id) for f in sim.facilities]
    for i in range(len(sim.facilities)):
        pub.send_map(wire.FACILITY_TOPIC, wire.FACILITY_KIND, sim.metadata(i))
    log.info("sensors: %d facilities, %d sensors on %s", len(sim.facilities), len(sim.ids), endpoint)
    fac_of = sim.fac

    def tick(_n: int, wall: float) -> None:
        rec, on = sim.step(wall)
        for e in sim.events:
            pub.send_map(wire.EVENT_TOPIC, wire.EVENT_KIND, {**e, "ts": int(wall * 1000)})
        owner = fac_of[on]
        bounds = np.searchsorted(owner, np.arange(len(sim.facilities) + 1))  # rows are grouped by facility
        for i, topic in enumerate(topics):
            part = rec[bounds[i]:bounds[i + 1]]
            if len(part):
                pub.send_records(topic, Kind.SENSOR, part)

    run_loop(pub, tick, period_s=PERIOD_S, parent_pid=parent_pid, duration_s=duration_s)
