"""The supervisor's figures, Qt-free: computed by SitRoom from the live session (:mod:`.live`) or from any
journal (:mod:`.journal`), the same way (:mod:`.compute`)."""

from sitroom.services.figures.compute import (
    AlarmFigures,
    AlarmTimes,
    CoverageSample,
    Figures,
    IncidentTimes,
    ResponseFigures,
    compute,
)

__all__ = ["AlarmFigures", "AlarmTimes", "CoverageSample", "Figures", "IncidentTimes", "ResponseFigures", "compute"]
