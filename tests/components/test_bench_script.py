"""bench/prepackaged.py runs end to end (few requests, nothing timed seriously) and prints a row per case."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from microservice_process import REPO


@pytest.mark.slow
def test_component_benchmark_prints_its_table(tmp_path: Path) -> None:
    output = tmp_path / "components.md"
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "prepackaged.py"), "--requests", "20", "--seconds", "0.02", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    rows = [line for line in output.read_text().splitlines() if line.startswith("| ") and "component" not in line]
    assert len(rows) == 12
    assert all(row.count("µs") + row.count("ms") >= 4 for row in rows)
