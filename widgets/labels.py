"""Translated display names for codes (vehicle types, statuses, layers, table columns).

Written as literal ``translate`` calls so Qt's lupdate finds every string.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from sitroom.services.vocabulary import VehicleStatus, VehicleType


def vehicle_type(code: int) -> str:
    names = {
        VehicleType.UNKNOWN: QCoreApplication.translate("Labels", "unknown"),
        VehicleType.BUS: QCoreApplication.translate("Labels", "bus"),
        VehicleType.TAXI: QCoreApplication.translate("Labels", "taxi"),
        VehicleType.FIRE: QCoreApplication.translate("Labels", "fire engine"),
        VehicleType.AMBULANCE: QCoreApplication.translate("Labels", "ambulance"),
        VehicleType.POLICE: QCoreApplication.translate("Labels", "police"),
    }
    return names.get(code, str(code))


def vehicle_status(code: int) -> str:
    names = {
        VehicleStatus.UNKNOWN: QCoreApplication.translate("Labels", "unknown"),
        VehicleStatus.AVAILABLE: QCoreApplication.translate("Labels", "available"),
        VehicleStatus.BUSY: QCoreApplication.translate("Labels", "busy"),
        VehicleStatus.EN_ROUTE: QCoreApplication.translate("Labels", "en route"),
        VehicleStatus.ON_SCENE: QCoreApplication.translate("Labels", "on scene"),
        VehicleStatus.OUT_OF_SERVICE: QCoreApplication.translate("Labels", "out of service"),
    }
    return names.get(code, str(code))


def layer_title(key: str) -> str:
    names = {
        "Basemap": QCoreApplication.translate("Labels", "Basemap"),
        "Traffic": QCoreApplication.translate("Labels", "Traffic"),
        "Vehicles": QCoreApplication.translate("Labels", "Vehicles"),
        "Places": QCoreApplication.translate("Labels", "Places"),
        "Incidents": QCoreApplication.translate("Labels", "Incidents"),
        "Routes": QCoreApplication.translate("Labels", "Routes"),
        "Coverage": QCoreApplication.translate("Labels", "Coverage"),
        "Call location": QCoreApplication.translate("Labels", "Call location"),
        "Cameras": QCoreApplication.translate("Labels", "Cameras"),
        "Facilities": QCoreApplication.translate("Labels", "Facilities"),
        "Field markers": QCoreApplication.translate("Labels", "Field markers"),
    }
    return names.get(key, key)


def feed_columns() -> list[str]:
    return [QCoreApplication.translate("Labels", "Feed"), QCoreApplication.translate("Labels", "State"),
            QCoreApplication.translate("Labels", "msg/s"), QCoreApplication.translate("Labels", "Age"),
            QCoreApplication.translate("Labels", "Gaps"), QCoreApplication.translate("Labels", "Restarts"),
            QCoreApplication.translate("Labels", "Errors"), QCoreApplication.translate("Labels", "Endpoint"),
            QCoreApplication.translate("Labels", "Last error")]


def detail_columns() -> list[str]:
    return [QCoreApplication.translate("Labels", "ID"), QCoreApplication.translate("Labels", "Type"),
            QCoreApplication.translate("Labels", "Status"), QCoreApplication.translate("Labels", "Speed"),
            QCoreApplication.translate("Labels", "Heading"), QCoreApplication.translate("Labels", "Updated")]


def incident_type(code: str) -> str:
    names = {
        "fire": QCoreApplication.translate("Labels", "fire"),
        "medical": QCoreApplication.translate("Labels", "medical"),
        "traffic": QCoreApplication.translate("Labels", "traffic accident"),
        "crime": QCoreApplication.translate("Labels", "crime"),
        "disaster": QCoreApplication.translate("Labels", "disaster"),
    }
    return names.get(code, code)


INCIDENT_STATUS_CODES = frozenset({"new", "acknowledged", "dispatched", "en_route", "on_scene", "closed",
                                   "cancelled"})


def incident_status(code: str) -> str:
    names = {
        "new": QCoreApplication.translate("Labels", "NEW"),
        "acknowledged": QCoreApplication.translate("Labels", "acknowledged"),
        "dispatched": QCoreApplication.translate("Labels", "dispatched"),
        "en_route": QCoreApplication.translate("Labels", "en route"),
        "on_scene": QCoreApplication.translate("Labels", "on scene"),
        "closed": QCoreApplication.translate("Labels", "closed"),
        "cancelled": QCoreApplication.translate("Labels", "cancelled"),
    }
    return names.get(code, code)


def queue_columns() -> list[str]:
    return [QCoreApplication.translate("Labels", "P"), QCoreApplication.translate("Labels", "Type"),
            QCoreApplication.translate("Labels", "Incident"), QCoreApplication.translate("Labels", "Status"),
            QCoreApplication.translate("Labels", "Age"), QCoreApplication.translate("Labels", "Golden time"),
            QCoreApplication.translate("Labels", "Units"), QCoreApplication.translate("Labels", "Description")]


def duration(seconds: float) -> str:
    """m:ss, or h:mm:ss past an hour; negative durations keep their sign."""
    sign = "-" if seconds < 0 else ""
    s = int(abs(seconds))
    return f"{sign}{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{sign}{s // 60}:{s % 60:02d}"


def refusal(exc: Exception) -> str:
    """A refusal of the rules (services/refusal.py) in the interface's language; other errors as they are."""
    code, p = getattr(exc, "code", None), dict(getattr(exc, "params", {}))
    if isinstance(p.get("status"), str):
        p["status"] = incident_status(p["status"])
    elif "status" in p:
        p["status"] = vehicle_status(p["status"])
    if "to" in p:
        p["to"] = incident_status(p["to"])
    texts = {
        "no-incident": QCoreApplication.translate("Labels",
            "There is no incident {incident}."),
        "bad-type": QCoreApplication.translate("Labels",
            "Unknown incident type {type}."),
        "bad-priority": QCoreApplication.translate("Labels",
            "The priority must be 1 (most urgent) to 5."),
        "cannot-become": QCoreApplication.translate("Labels",
            "{incident} is {status}: it cannot become {to}."),
        "needs-disposition": QCoreApplication.translate("Labels",
            "Give a disposition to close or cancel {incident}."),
        "ack-first": QCoreApplication.translate("Labels",
            "Acknowledge {incident} first (A)."),
        "finished": QCoreApplication.translate("Labels",
            "{incident} is {status}: it is finished."),
        "outside-roads": QCoreApplication.translate("Labels",
            "No route reaches {incident}: is it outside the kit's roads?"),
        "no-road-near": QCoreApplication.translate("Labels",
            "No road within {metres} m of that point."),
        "no-cad": QCoreApplication.translate("Labels",
            "No CAD is configured: commands cannot be sent."),
        "already-assigned": QCoreApplication.translate("Labels",
            "Unit {unit} is already assigned to {incident}."),
        "command-waiting": QCoreApplication.translate("Labels",
            "A command for unit {unit} is already waiting for the CAD."),
        "just-dispatched": QCoreApplication.translate("Labels",
            "Unit {unit} was just dispatched; its position report has not caught up."),
        "not-on-map": QCoreApplication.translate("Labels",
            "Unit {unit} is not on the map."),
        "not-available": QCoreApplication.translate("Labels",
            "Unit {unit} is {status}, not available."),
        "needs-reason": QCoreApplication.translate("Labels",
            "Give a dispatcher and a reason to reassign {incident}."),
        "no-alarms": QCoreApplication.translate("Labels",
            "This room has no facility alarms."),
    }
    if code == "not-permitted":
        return QCoreApplication.translate("Labels", "{0} is logged in as {1}: only a {2} may {3}.").format(
            p["who"], role(p["role"]), QCoreApplication.translate("Labels", " or ").join(role(r) for r in p["roles"]),
            action(p["action"]))
    text = texts.get(code)
    if text is None:
        return str(exc)
    text = text.format(**p)
    if code == "cannot-become":
        allowed = [incident_status(a) for a in p["allowed"]]
        text += " " + (QCoreApplication.translate("Labels",
            "It can become: {0}.").format(", ".join(allowed)) if allowed
                       else QCoreApplication.translate("Labels",
            "It is finished."))
    return text


def role(code: str) -> str:
    names = {
        "dispatcher": QCoreApplication.translate("Labels", "dispatcher"),
        "supervisor": QCoreApplication.translate("Labels", "supervisor"),
        "wall": QCoreApplication.translate("Labels", "wall"),
    }
    return names.get(code, code)


def action(code: str) -> str:
    """What an action of services/access.py does, as the end of "only a dispatcher may …"."""
    names = {
        "acknowledge": QCoreApplication.translate("Labels", "acknowledge incidents"),
        "dispatch": QCoreApplication.translate("Labels", "dispatch units"),
        "close": QCoreApplication.translate("Labels", "close incidents"),
        "cancel": QCoreApplication.translate("Labels", "cancel incidents"),
        "reassign": QCoreApplication.translate("Labels", "reassign incidents"),
        "new-incident": QCoreApplication.translate("Labels", "take calls"),
        "close-road": QCoreApplication.translate("Labels", "close roads"),
        "reopen-roads": QCoreApplication.translate("Labels", "reopen roads"),
        "unit-service": QCoreApplication.translate("Labels", "take units in or out of service"),
        "alarm-acknowledge": QCoreApplication.translate("Labels", "acknowledge alarms"),
        "alarm-shelve": QCoreApplication.translate("Labels", "shelve alarms"),
        "alarm-unshelve": QCoreApplication.translate("Labels", "unshelve alarms"),
        "alarm-out-of-service": QCoreApplication.translate("Labels", "take alarms out of service"),
        "alarm-in-service": QCoreApplication.translate("Labels", "return alarms to service"),
        "open-kit": QCoreApplication.translate("Labels", "open another kit"),
        "wall-control": QCoreApplication.translate("Labels", "control the wall"),
        "figures": QCoreApplication.translate("Labels", "see the supervisor's figures"),
    }
    return names.get(code, code)


def disposition(code: str) -> str:
    names = {
        "extinguished": QCoreApplication.translate("Labels", "fire extinguished"),
        "false-alarm": QCoreApplication.translate("Labels", "false alarm"),
        "no-fire-found": QCoreApplication.translate("Labels", "no fire found"),
        "handed-over": QCoreApplication.translate("Labels", "handed over to another agency"),
        "transported": QCoreApplication.translate("Labels", "patient transported to hospital"),
        "treated-on-scene": QCoreApplication.translate("Labels", "treated on scene"),
        "refused-care": QCoreApplication.translate("Labels", "patient refused care"),
        "deceased": QCoreApplication.translate("Labels", "deceased"),
        "no-patient": QCoreApplication.translate("Labels", "no patient found"),
        "cleared": QCoreApplication.translate("Labels", "road cleared"),
        "injured-transported": QCoreApplication.translate("Labels", "injured transported"),
        "no-injuries": QCoreApplication.translate("Labels", "no injuries"),
        "arrest": QCoreApplication.translate("Labels", "arrest made"),
        "report-taken": QCoreApplication.translate("Labels", "report taken"),
        "unfounded": QCoreApplication.translate("Labels", "unfounded"),
        "rescued": QCoreApplication.translate("Labels", "people rescued"),
        "area-secured": QCoreApplication.translate("Labels", "area secured"),
        "evacuated": QCoreApplication.translate("Labels", "evacuation completed"),
        "duplicate": QCoreApplication.translate("Labels", "duplicate call"),
        "caller-cancelled": QCoreApplication.translate("Labels", "caller cancelled"),
        "prank": QCoreApplication.translate("Labels", "prank call"),
        "wrong-address": QCoreApplication.translate("Labels", "wrong address"),
    }
    return names.get(code, code)


def found_kind(kind: str) -> str:
    """What a search result is, for the list under the search box."""
    names = {
        "vehicle": QCoreApplication.translate("Labels", "vehicle"),
        "incident": QCoreApplication.translate("Labels", "incident"),
        "road": QCoreApplication.translate("Labels", "road"),
        "intersection": QCoreApplication.translate("Labels", "intersection"),
        "place": QCoreApplication.translate("Labels", "place"),
        "district": QCoreApplication.translate("Labels", "district"),
        "address": QCoreApplication.translate("Labels", "address"),
        "lot": QCoreApplication.translate("Labels", "lot address"),
    }
    return names.get(kind, kind)


def stream_state(code: str) -> str:
    """A camera stream's state (services/video/stream_state.py StreamState values)."""
    names = {
        "no-source": QCoreApplication.translate("Labels", "no video"),
        "connecting": QCoreApplication.translate("Labels", "connecting"),
        "live": QCoreApplication.translate("Labels", "live"),
        "frozen": QCoreApplication.translate("Labels", "FROZEN"),
        "lost": QCoreApplication.translate("Labels", "LOST"),
        "refused": QCoreApplication.translate("Labels", "REFUSED"),
    }
    return names.get(code, code)


def facility_kind(code: str) -> str:
    names = {
        "hospital": QCoreApplication.translate("Labels", "hospital"),
        "tunnel": QCoreApplication.translate("Labels", "tunnel"),
        "bridge": QCoreApplication.translate("Labels", "bridge"),
        "underground_mall": QCoreApplication.translate("Labels", "underground mall"),
        "public_building": QCoreApplication.translate("Labels", "public building"),
        "school": QCoreApplication.translate("Labels", "school"),
    }
    return names.get(code, code)


def camera_group(code: str) -> str:
    """The Layers dock's camera filters (layers/cameras.py STATE_GROUPS)."""
    names = {
        "live": QCoreApplication.translate("Labels", "live or connecting"),
        "trouble": QCoreApplication.translate("Labels", "frozen, lost or out of order"),
        "idle": QCoreApplication.translate("Labels", "with video, not shown"),
        "no-video": QCoreApplication.translate("Labels", "without video"),
    }
    return names.get(code, code)


def sensor_kind(code: str) -> str:
    """What a sensor measures (device alarm types too: smoke, water leak, negative pressure lost, tamper)."""
    names = {
        "crack": QCoreApplication.translate("Labels", "crack width"),
        "tilt": QCoreApplication.translate("Labels", "tilt"),
        "displacement": QCoreApplication.translate("Labels", "displacement"),
        "deflection": QCoreApplication.translate("Labels", "deflection"),
        "pm10": QCoreApplication.translate("Labels", "fine dust PM10"),
        "pm25": QCoreApplication.translate("Labels", "ultrafine dust PM2.5"),
        "pressure": QCoreApplication.translate("Labels", "differential pressure"),
        "temperature": QCoreApplication.translate("Labels", "temperature"),
        "humidity": QCoreApplication.translate("Labels", "humidity"),
        "co": QCoreApplication.translate("Labels", "carbon monoxide"),
        "smoke": QCoreApplication.translate("Labels", "smoke"),
        "leak": QCoreApplication.translate("Labels", "water leak"),
        "pressure_loss": QCoreApplication.translate("Labels", "negative pressure lost"),
        "tamper": QCoreApplication.translate("Labels", "tampering"),
    }
    return names.get(code, code)


def alarm_condition(code: str) -> str:
    names = {
        "alarm_hi": QCoreApplication.translate("Labels", "high alarm"),
        "warn_hi": QCoreApplication.translate("Labels", "high warning"),
        "warn_lo": QCoreApplication.translate("Labels", "low warning"),
        "alarm_lo": QCoreApplication.translate("Labels", "low alarm"),
    }
    return names.get(code, sensor_kind(code))


def alarm_state(code: str) -> str:
    names = {
        "normal": QCoreApplication.translate("Labels", "normal"),
        "unack": QCoreApplication.translate("Labels", "UNACKNOWLEDGED"),
        # The same English as an incident's status and a vehicle's, but another word in Korean.
        "acked": QCoreApplication.translate("Labels", "acknowledged", "alarm state"),
        "rtn_unack": QCoreApplication.translate("Labels", "cleared, unacknowledged"),
        "shelved": QCoreApplication.translate("Labels", "shelved"),
        "out_of_service": QCoreApplication.translate("Labels", "out of service", "alarm state"),
    }
    return names.get(code, code)


def facility_state(code: int) -> str:
    names = {0: QCoreApplication.translate("Labels", "normal"), 1: QCoreApplication.translate("Labels", "silent"),
             2: QCoreApplication.translate("Labels", "warning"), 3: QCoreApplication.translate("Labels", "alarm")}
    return names.get(int(code), str(code))


def sensor_fault(reason: str) -> str:
    """The health rules of docs/protocol.md §6.4, by their counted reason."""
    names = {
        "not-a-number": QCoreApplication.translate("Labels", "not a number"),
        "bad-quality": QCoreApplication.translate("Labels", "device says bad"),
        "out-of-range": QCoreApplication.translate("Labels", "out of physical range"),
        "too-fast": QCoreApplication.translate("Labels", "changed faster than possible"),
        "future": QCoreApplication.translate("Labels", "time in the future"),
        "flooding": QCoreApplication.translate("Labels", "too many readings"),
        "silent": QCoreApplication.translate("Labels", "silent"),
        "flat": QCoreApplication.translate("Labels", "flat-lined"),
        "config": QCoreApplication.translate("Labels", "configuration cannot be judged"),
        "maintenance": QCoreApplication.translate("Labels", "under maintenance"),
        "bad-limits": QCoreApplication.translate("Labels", "limits in the wrong order"),
        "bad-unit": QCoreApplication.translate("Labels", "not its kind's unit"),
        "unknown-kind": QCoreApplication.translate("Labels", "unknown kind"),
        "unknown-sensor": QCoreApplication.translate("Labels", "unknown sensor"),
    }
    return names.get(reason, reason)


def alarm_refusal(exc: Exception) -> str:
    """An alarm action refused (services/alarms/engine.py AlarmError) in the interface's language."""
    code, p = getattr(exc, "code", None), dict(getattr(exc, "params", {}))
    texts = {
        "no-alarm": QCoreApplication.translate("Labels", "There is no alarm {alarm}."),
        "nothing-to-acknowledge": QCoreApplication.translate("Labels", "{alarm}: nothing to acknowledge."),
        "out-of-service": QCoreApplication.translate("Labels", "{alarm} is out of service."),
        "shelve-time": QCoreApplication.translate("Labels", "Shelve for a time, up to {hours:g} hours."),
        "not-shelved": QCoreApplication.translate("Labels", "{alarm} is not shelved."),
        "needs-reason": QCoreApplication.translate("Labels", "Taking {alarm} out of service needs a reason."),
        "in-service": QCoreApplication.translate("Labels", "{alarm} is in service."),
    }
    text = texts.get(code)
    return text.format(**p) if text is not None else str(exc)
