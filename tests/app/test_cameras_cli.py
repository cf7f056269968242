"""``sitroom cameras log --csv FILE``: the viewing log as CSV, and what a killed app leaves in it."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from sitroom.services.incidents.audit import AuditLog

ROOT = Path(__file__).resolve().parents[2]


def test_the_viewing_log_exports_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite"
    audit = AuditLog(path)
    a = audit.camera_opened("kim", "D017", "대덕대로 D017", 1_700_000_000_000, "INC-7")
    audit.camera_closed(a, 1_700_000_090_000)
    audit.camera_opened("lee", "D018", "계룡로 D018", 1_700_000_100_000)
    audit.cameras_seen(1_700_000_130_000)
    audit.close()  # like a kill: D018 is never closed
    AuditLog(path).close()  # the next start closes it at the last time it was seen
    out = tmp_path / "views.csv"
    proc = subprocess.run([sys.executable, "-m", "sitroom", "cameras", "log", "--csv", str(out), "--audit", str(path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["who"], r["camera"], r["incident"], r["seconds"], r["ended"]) for r in rows] == [
        ("kim", "D017", "INC-7", "90.0", "closed"), ("lee", "D018", "", "30.0", "app stopped")]
    assert rows[0]["name"] == "대덕대로 D017"
    only = tmp_path / "late.csv"
    subprocess.run([sys.executable, "-m", "sitroom", "cameras", "log", "--csv", str(only), "--audit", str(path),
                    "--from", "1700000095000"], cwd=ROOT, check=True, capture_output=True)
    assert [r["camera"] for r in csv.DictReader(only.open(encoding="utf-8"))] == ["D018"]


def test_no_audit_log_is_an_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sitroom", "cameras", "log", "--csv", str(tmp_path / "x.csv"),
                           "--audit", str(tmp_path / "none.sqlite")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1 and "no audit log" in proc.stderr
