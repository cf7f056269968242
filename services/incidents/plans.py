"""Response plans: which units, and how many of each, a call of a given type and priority needs.

Read from a TOML file (resources/plans/response_plans.toml is the default; a deployment puts its own in the
config directory). A bad file is refused naming the file, the plan and why, and nothing of it is used.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from sitroom import resources
from sitroom.services.vocabulary import INCIDENT_TYPES, PRIORITIES, UNIT_TYPES, VehicleType

UNIT_NAMES = {"fire": VehicleType.FIRE, "ambulance": VehicleType.AMBULANCE, "police": VehicleType.POLICE}
MAX_UNITS_PER_TYPE = 10


class PlanError(ValueError):
    """A response-plan file that cannot be used; the message names the file and the plan."""


@dataclass(frozen=True)
class Plan:
    type: str
    priorities: frozenset[int]
    units: tuple[tuple[VehicleType, int], ...]  # in the file's order: the first type is the lead

    @property
    def size(self) -> int:
        return sum(n for _t, n in self.units)


class ResponsePlans:
    def __init__(self, plans: list[Plan], source: str = "") -> None:
        self.plans = plans
        self.source = source

    @classmethod
    def default(cls) -> ResponsePlans:
        # ResourceError (not PlanError) when the installation lost or damaged it: the user reinstalls.
        text = resources.read_text(resources.RESPONSE_PLANS)
        return cls.parse(text, str(resources.path(resources.RESPONSE_PLANS)))

    @classmethod
    def load(cls, path: Path) -> ResponsePlans:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PlanError(f"{path}: cannot be read: {exc}") from None
        return cls.parse(text, str(path))

    @classmethod
    def parse(cls, text: str, source: str = "<plans>") -> ResponsePlans:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PlanError(f"{source}: not valid TOML: {exc}") from None
        entries = data.get("plan", [])
        if not isinstance(entries, list):
            raise PlanError(f"{source}: 'plan' must be a list of [[plan]] tables")
        return cls([_plan(entry, f"{source}: plan {i + 1}") for i, entry in enumerate(entries)], source)

    def for_call(self, incident_type: str, priority: int) -> Plan:
        """The first plan that matches; without one, one unit of the first type that answers the call."""
        for plan in self.plans:
            if plan.type == incident_type and priority in plan.priorities:
                return plan
        return Plan(incident_type, frozenset({priority}), ((UNIT_TYPES[incident_type][0], 1),))


def _plan(entry: object, where: str) -> Plan:
    if not isinstance(entry, dict):
        raise PlanError(f"{where}: a plan is a table with type, priority and units")
    kind = entry.get("type")
    if kind not in INCIDENT_TYPES:
        raise PlanError(f"{where}: type {kind!r} is not one of {', '.join(INCIDENT_TYPES)}")
    units = entry.get("units")
    if not isinstance(units, dict) or not units:
        raise PlanError(f"{where}: units must be a table like {{ fire = 1, ambulance = 1 }}")
    out = []
    for name, count in units.items():
        if name not in UNIT_NAMES:
            raise PlanError(f"{where}: unit type {name!r} is not one of {', '.join(UNIT_NAMES)}")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_UNITS_PER_TYPE:
            raise PlanError(f"{where}: {name} = {count!r}: a count from 1 to {MAX_UNITS_PER_TYPE}")
        out.append((UNIT_NAMES[name], count))
    return Plan(kind, _priorities(entry.get("priority", "*"), where), tuple(out))


def _priorities(value: object, where: str) -> frozenset[int]:
    if value == "*":
        return frozenset(PRIORITIES)
    if isinstance(value, int) and not isinstance(value, bool) and value in PRIORITIES:
        return frozenset({value})
    if isinstance(value, str):
        lo, sep, hi = value.partition("-")
        try:
            a, b = int(lo), int(hi if sep else lo)
        except ValueError:
            a = b = 0
        if a in PRIORITIES and b in PRIORITIES and a <= b:
            return frozenset(range(a, b + 1))
    raise PlanError(f"{where}: priority {value!r}: a number 1-5, a range like \"1-2\", or \"*\"")
