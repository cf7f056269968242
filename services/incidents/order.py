"""The order in which calls deserve a dispatcher's eye: the queue, N and the alerts all use it."""

from __future__ import annotations

from sitroom.services.incidents.model import Incident, IncidentBook


def call_urgency(inc: Incident) -> tuple:
    """Most urgent first: priority, then the oldest call."""
    return (inc.priority, inc.reported_ms)


def waiting_calls(book: IncidentBook) -> list[Incident]:
    """Open calls nobody has acknowledged yet, most urgent first."""
    return sorted((i for i in book.open_incidents() if i.status == "new"), key=call_urgency)
