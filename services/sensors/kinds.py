"""What a sensor of each kind gets when its metadata leaves something out: the deadband, the on and off delays
and the priorities of its two limits. Engineering defaults after ISA-18.2's guidance (longer delays where a
value fluctuates, as dust does; none for a smoke detector), documented in docs/protocol.md §6.4."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KindDefaults:
    deadband: float  # in the kind's unit
    on_delay_s: float  # a limit must be crossed this long before the alarm is raised
    off_delay_s: float  # and back inside (past the deadband) this long before it clears
    alarm_priority: int  # of the alarm limits (1 emergency … 4 low)
    warn_priority: int  # of the warning limits


DEFAULTS: dict[str, KindDefaults] = {
    "crack": KindDefaults(0.02, 5.0, 30.0, 2, 3),
    "tilt": KindDefaults(0.05, 5.0, 30.0, 2, 3),
    "displacement": KindDefaults(1.0, 5.0, 30.0, 2, 3),
    "deflection": KindDefaults(2.0, 10.0, 30.0, 2, 3),  # a passing lorry bends a span for seconds
    "pm10": KindDefaults(5.0, 30.0, 60.0, 3, 4),
    "pm25": KindDefaults(3.0, 30.0, 60.0, 3, 4),
    "pressure": KindDefaults(1.0, 10.0, 10.0, 2, 3),  # a door opened for a trolley is no alarm
    "temperature": KindDefaults(0.5, 5.0, 30.0, 2, 3),
    "humidity": KindDefaults(2.0, 30.0, 60.0, 3, 4),
    "co": KindDefaults(3.0, 5.0, 30.0, 2, 3),
    "smoke": KindDefaults(0.5, 0.0, 10.0, 1, 2),
    "leak": KindDefaults(0.0, 0.0, 30.0, 2, 3),
}
# A kind this SitRoom does not know: its sensor is shown (as a fault), never judged.
UNKNOWN = KindDefaults(0.0, 5.0, 30.0, 3, 4)
# Device alarms (fac.evt): the device has debounced them already.
DEVICE_PRIORITY = {"smoke": 1, "leak": 2, "pressure_loss": 2, "tamper": 3}
