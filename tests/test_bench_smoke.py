"""Every benchmark runs end to end in its quick form and ends with a JSON line holding its figures.

Only the shape of the result is checked, never a timing: the figures depend on the machine.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Keys each benchmark must report as numbers (int or float, finite).
EXPECTED = {
    "ingest": ("updates_per_s", "raw_updates_per_s", "ratio_vs_raw", "dropped", "seq_gaps"),
    "render": ("frame_ms_10k", "frame_ms_50k", "frame_ms_100k", "scatter_ms_100k", "speedup_vs_scatter",
               "street_frame_ms_10k", "street_frame_ms_50k", "street_frame_ms_100k", "street_scatter_ms_100k",
               "street_speedup_vs_scatter", "drawn_100k", "street_drawn_100k"),
    "latency": ("p50_ms", "p99_ms", "updates_per_s", "transit_p50_ms", "transit_p99_ms",
                "ratio_p99_vs_transit"),
    "startup": ("baseline_import_s",),
    "kit": ("ways", "pyosmium_ms", "build_ms", "ways_per_s", "ratio_vs_pyosmium", "snap_100k_s",
            "snap_first_version_100k_s", "snap_speedup_vs_first_version"),
    "basemap": ("segments", "frame_ms_city", "frame_ms_street", "pan_ms_city", "pan_ms_street", "plain_ms_city",
                "plain_ms_street", "ratio_vs_plain_city", "ratio_vs_plain_street", "ratio_vs_plain"),
    "routing": ("recommend_ms_demo", "recommend_ms_200k", "route_alt_ms", "speedup_vs_unbounded",
                "unbounded_ms_demo", "unbounded_ms_200k", "best_agrees_demo"),
    "journal": ("gb_per_hour_72k", "baseline_gb_per_hour_72k", "compression_ratio", "append_cpu_share",
                "seek_ms_median", "baseline_seek_ms_median", "hours_in_20gib_72k"),
    "shift": ("calls", "dispatched", "keys_per_dispatch", "waiting_out_of_view_s", "ack_p90_s", "baseline_ack_p90_s"),
    "wall": ("frame_ms_4k_100k", "frame_ms_desk_100k", "fps_4k", "ratio_4k_vs_desk"),
    "cctv": ("wall_cores", "frame_age_p99_ms", "map_frame_ms", "speedup_vs_naive", "cpu_per_tile_cores",
             "naive_cores", "naive_frame_age_p99_ms", "tiles_live"),
    "geocode": ("keystroke_p99_ms_1m", "index_mb_1m", "speedup_vs_scan", "keystroke_p50_ms_1m", "index_ram_mb_1m",
                "index_build_s_1m", "scan_p99_ms_1m", "keystroke_p99_ms_real"),
    "coverage": ("coverage_ms_30", "unbounded_ms_30", "speedup_vs_unbounded", "report_ms", "fire_share_03h",
                 "fire_share_13h", "coverage_ms_30_200k"),
    "relay": ("subscribers", "relay_cpu_cores", "direct_p99_ms", "relay_p99_ms", "worst_subscriber_p99_ms",
              "publisher_cpu_cores_direct", "publisher_cpu_cores_relay"),
    "sensors": ("readings_per_s", "core_share_10k", "alarm_on_screen_p99_ms", "map_frame_ms", "speedup_vs_naive",
                "plot_ms_per_s", "naive_ms_per_s", "alarms_measured", "plots"),
}
# Keys that may be null: the quick demo run can end before its first live frame on a slow machine.
NULLABLE = {"startup": ("first_live_frame_s", "ratio_vs_import")}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_quick_benchmark_reports_its_figures(name: str, tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SITROOM_CONFIG=str(tmp_path / "config"))
    proc = subprocess.run([sys.executable, "-m", "bench", name, "--quick"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-5000:]}"
    lines = proc.stdout.strip().splitlines()
    assert len(lines) >= 2, "readable lines come before the JSON line"
    result = json.loads(lines[-1])
    assert isinstance(result, dict)
    assert result["benchmark"] == name
    assert result["quick"] is True
    for key in EXPECTED[name]:
        assert key in result, f"{name}: no {key!r} in {sorted(result)}"
        assert _is_number(result[key]), f"{name}: {key} = {result[key]!r}"
        assert result[key] >= 0, f"{name}: {key} = {result[key]!r}"
    if name == "shift":
        assert isinstance(result["plan_units_once"], bool)
    if name == "relay":  # what the relay adds may be less than nothing: a number of either sign
        assert _is_number(result["added_p99_ms"]) and result["lost_relay"] == 0
    for key in NULLABLE.get(name, ()):
        assert key in result, f"{name}: no {key!r} in {sorted(result)}"
        assert result[key] is None or (_is_number(result[key]) and result[key] >= 0), f"{name}: {key}"
