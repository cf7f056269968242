"""Translated display names for codes (vehicle types, statuses, layers, table columns).

Written as literal ``translate`` calls so Qt's lupdate finds every string.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from services.vocabulary import VehicleStatus, VehicleType


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
