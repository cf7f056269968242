"""The journal: every received feed message kept on disk, replayable on a timeline and exportable as a slice.

``writer`` appends (off the GUI thread, checksummed segments, retention, disk-full handling), ``reader``
indexes and recovers, ``player`` replays through the feed client's interface, ``export`` cuts a slice.
"""

from sitroom.services.journal.export import ExportReport, export
from sitroom.services.journal.format import Record, frames_of
from sitroom.services.journal.player import IncidentEvent, JournalPlayer, ReplayDelivery
from sitroom.services.journal.reader import JournalReader, ReadStats, recover
from sitroom.services.journal.writer import JournalStatus, JournalWriter

__all__ = ["ExportReport", "IncidentEvent", "JournalPlayer", "JournalReader", "JournalStatus", "JournalWriter",
           "ReadStats", "Record", "ReplayDelivery", "export", "frames_of", "recover"]
