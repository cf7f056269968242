"""What of the camera frames the journal keeps: one a second per camera, every frame of an incident's cameras,
and never more than the frames' share of the journal's budget."""

from __future__ import annotations

import pytest

from sitroom.services.video.recording import FrameRecorder, budget_bytes_per_s


def run(rec: FrameRecorder, camera: str, seconds: float, fps: float, nbytes: int = 1000, t0: float = 0.0) -> int:
    kept = 0
    for i in range(int(seconds * fps)):
        kept += rec.keep(camera, nbytes, t0 + i / fps)
    return kept


def test_one_frame_a_second_per_camera() -> None:
    rec = FrameRecorder(fps=1.0)
    assert run(rec, "A", 10, 10) == 10
    assert run(rec, "B", 10, 10) == 10
    assert rec.skipped_rate == 180


def test_an_incidents_cameras_at_full_rate() -> None:
    rec = FrameRecorder(fps=1.0, full_rate={"A"})
    assert run(rec, "A", 10, 10) == 100
    assert run(rec, "B", 10, 10) == 10


def test_the_budget_caps_the_bytes_whatever_the_rates() -> None:
    rec = FrameRecorder(fps=1.0, bytes_per_s=5000.0, full_rate={"A"})
    kept = run(rec, "A", 100, 10, nbytes=1000)
    # 10 s of budget in the bucket at the start, then 5 frames a second.
    assert kept == pytest.approx(50 + 5 * 100, abs=6)
    assert rec.skipped_budget == 1000 - kept
    assert rec.recorded_bytes == kept * 1000


def test_budget_from_the_journals_retention() -> None:
    assert budget_bytes_per_s(20 * 1024**3) == pytest.approx(20 * 1024**3 * 0.5 / 86400)
    assert budget_bytes_per_s(None) == float("inf")
