"""One alarm and its states, after ISA-18.2 (ANSI/ISA-18.2-2016, figure 5) and IEC 62682.

An alarm is one condition of one thing: a limit of a sensor (``S<id>:alarm_hi``) or a device's own alarm
(``D:<id>``). Its state says what the operator has to do about it:

- ``normal``: the condition is clear and nothing is owed;
- ``unack``: the condition is active and nobody has acknowledged it yet;
- ``acked``: active, acknowledged;
- ``rtn_unack``: the condition cleared by itself before anybody acknowledged it;
- ``shelved``: the operator put it aside until an expiry (it comes back by itself);
- ``out_of_service``: taken out for maintenance until someone returns it.

The process condition (``active``) is kept apart from the state, so a shelved or out-of-service alarm comes
back as it is then: unacknowledged when its condition is active, normal when not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

NORMAL = "normal"
UNACK = "unack"
ACKED = "acked"
RTN_UNACK = "rtn_unack"
SHELVED = "shelved"
OUT_OF_SERVICE = "out_of_service"
STATES = (NORMAL, UNACK, ACKED, RTN_UNACK, SHELVED, OUT_OF_SERVICE)
# On the operator's alarm list: what needs or had attention. Shelved and out-of-service alarms have their own.
ANNUNCIATED = (UNACK, ACKED, RTN_UNACK)
SUPPRESSED = (SHELVED, OUT_OF_SERVICE)

# Limits of a sensor, lowest first: the columns of the limit arrays.
LIMITS = ("alarm_lo", "warn_lo", "warn_hi", "alarm_hi")
HIGH = (False, False, True, True)  # which limits are crossed upwards
SEVERE = (True, False, False, True)  # alarm limits (the others are warnings)


@dataclass
class Alarm:
    key: str
    facility: str
    sensor: int  # -1: a device alarm without a sensor
    condition: str  # one of LIMITS, or a device alarm type (smoke, leak, pressure_loss, tamper)
    kind: str  # the sensor's kind, or the device alarm type
    priority: int  # 1 emergency … 4 low
    label: str = ""
    severe: bool = True  # an alarm limit or a device alarm; False for a warning limit
    state: str = NORMAL
    active: bool = False  # the process condition
    value: float | None = None  # at the last change of the condition
    limit: float | None = None
    raised_ms: int = 0  # the last annunciation (session time, epoch ms)
    reading_ms: int = 0  # source time of the reading (or device event) that raised it
    shown_ms: int = 0  # when it was first on screen after that
    acked_ms: int = 0
    acked_by: str = ""
    ack_note: str = ""
    cleared_ms: int = 0  # when the condition last cleared
    shelved_until_ms: int = 0
    shelved_by: str = ""
    shelve_note: str = ""
    oos_by: str = ""
    oos_note: str = ""
    incident: str = ""  # the incident made from it
    dispatched_ms: int = 0  # the first dispatch to that incident
    escalated_ms: int = 0  # when it went unacknowledged past its priority's time
    count: int = 0  # annunciations

    @property
    def unacknowledged(self) -> bool:
        return self.state in (UNACK, RTN_UNACK)

    @property
    def annunciated(self) -> bool:
        return self.state in ANNUNCIATED

    def latencies(self) -> dict[str, int | None]:
        """Milliseconds from the reading that raised it to: the alarm on screen, its acknowledgement, the first
        dispatch of its incident (None for what has not happened)."""
        def since(ms: int) -> int | None:
            return ms - self.reading_ms if ms and self.reading_ms and ms >= self.raised_ms else None

        return {"on_screen": since(self.shown_ms), "acknowledged": since(self.acked_ms),
                "dispatched": since(self.dispatched_ms)}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Alarm:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})  # a later version's extra fields are ignored


@dataclass(frozen=True)
class AlarmSpec:
    """What an alarm is, as its source describes it when its condition changes (metadata may change it)."""

    key: str
    facility: str
    sensor: int
    condition: str
    kind: str
    priority: int
    label: str = ""
    severe: bool = True
    limit: float | None = None
