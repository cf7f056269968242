"""The selected incident in full: what, where, who called, the notes, its units and its timeline."""

from __future__ import annotations

import html
import time

from PySide6 import QtWidgets

from sitroom.services.incidents.model import Incident
from sitroom.widgets import labels


class IncidentDetails(QtWidgets.QTextBrowser):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incidentDetails")
        self.setOpenLinks(False)
        self.shown: tuple[str, int] | None = None  # (incident id, history length) on screen

    def show_incident(self, inc: Incident | None, pending: list[int] | None = None) -> None:
        if inc is None:
            if self.shown is not None:
                self.clear()
                self.shown = None
            return
        key = (inc.id, len(inc.history), len(pending or []), inc.status)
        if key == self.shown:
            return
        self.shown = key
        e = html.escape
        rows = [(self.tr("Incident"), f"<b>{e(inc.id)}</b> · P{inc.priority} · {e(labels.incident_type(inc.type))}"
                 f" · {e(labels.incident_status(inc.status))}")]
        if inc.place:
            rows.append((self.tr("Where"), e(inc.place)))
        if inc.caller_number or inc.caller_name:
            rows.append((self.tr("Caller"), e(" · ".join(p for p in (inc.caller_number, inc.caller_name) if p))))
        if inc.desc:
            rows.append((self.tr("What"), e(inc.desc)))
        if inc.notes:
            rows.append((self.tr("Notes"), e(inc.notes).replace("\n", "<br>")))
        units = [str(u) for u in inc.units] + [self.tr("{0} (waiting for CAD)").format(u) for u in pending or []]
        if units:
            rows.append((self.tr("Units"), e(", ".join(units))))
        if inc.disposition:
            rows.append((self.tr("Disposition"), e(self._disposition(inc.disposition))))
        head = "".join(f"<tr><td style='padding-right:10px'>{k}</td><td>{v}</td></tr>" for k, v in rows)
        timeline = "".join(
            f"<tr><td style='padding-right:10px'>{time.strftime('%H:%M:%S', time.localtime(ms / 1000))}</td>"
            f"<td>{e(self._action(action))}</td><td style='padding:0 10px'>{e(who)}</td><td>{e(detail)}</td></tr>"
            for ms, action, who, detail in reversed(inc.history))
        self.setHtml(f"<table>{head}</table><p><b>{self.tr('Timeline')}</b></p><table>{timeline}</table>")

    def _action(self, action: str) -> str:
        return labels.incident_status(action) if action in labels.INCIDENT_STATUS_CODES else action

    def _disposition(self, text: str) -> str:
        code, _, note = text.partition(": ")
        said = labels.disposition(code)
        return f"{said}: {note}" if note else said
