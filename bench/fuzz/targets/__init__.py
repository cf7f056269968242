"""Every decoder of outside input the fuzz run feeds, by name, in the order of the report."""

from __future__ import annotations

from bench.fuzz.targets.base import Target
from bench.fuzz.targets.dispatch import AckTarget, CadTarget, CommandTarget
from bench.fuzz.targets.kit import KitTarget
from bench.fuzz.targets.mbtiles import TilesTarget
from bench.fuzz.targets.points_csv import CsvTarget
from bench.fuzz.targets.protocol import (
    ArrayTarget,
    DecodeTarget,
    EnvelopeTarget,
    IncidentTarget,
    MapTarget,
    MarkerTarget,
    SnapshotEndTarget,
    SnapshotRequestTarget,
    VehicleInfoTarget,
)

TARGETS: dict[str, type[Target]] = {t.name: t for t in (
    DecodeTarget, EnvelopeTarget, ArrayTarget, MapTarget, IncidentTarget, VehicleInfoTarget, MarkerTarget,
    CommandTarget, AckTarget,
    SnapshotRequestTarget, SnapshotEndTarget, KitTarget, TilesTarget, CsvTarget, CadTarget)}
