"""bench/build_bench.py's table, without building anything.

Checks: the table puts our numbers and the competitor's (pip-installed
seldon-core) side by side, computes the incremental speed-up from medians and
says plainly whether each target is met.
"""

from __future__ import annotations

import sys

from model_images import REPO

# bench/ is a folder of scripts, not an installed package: import it from the repository root, then forget it.
sys.path.insert(0, str(REPO))
try:
    from bench import build_bench
finally:
    sys.path.remove(str(REPO))


def numbers(incremental: list[float], ours_ready: list[float]) -> dict[str, object]:
    return {
        "build_seconds": {"clean": [20.0, 30.0], "incremental": incremental, "incremental_s2i_way": [12.0]},
        "ours_build_seconds": 2.0,
        "seldon_core_build_seconds": 25.0,
        "image_bytes": {"ours": 334_000_000, "seldon_core": 348_000_000, "base": 183_000_000},
        "start_to_ready_seconds": {"ours": ours_ready, "seldon_core": [0.9, 1.1, 1.0], "python_floor": [0.3]},
    }


def test_table_compares_with_seldon_core_and_judges_the_targets() -> None:
    table = build_bench.report(numbers(incremental=[2.0, 9.0, 2.5], ours_ready=[0.5, 0.6, 2.0]))
    assert "Seldon's approach (pip install seldon-core 1.18.2)" in table.splitlines()[0]
    assert "| incremental speed-up | 10.0x | | >= 5x: met |" in table  # median 25 s / median 2.5 s
    assert "| image size, examples/model | 334 MB | 348 MB | smaller |" in table
    assert "| container start -> ready, median of 3 | 0.60 s | 1.00 s | <= 1 s: met |" in table


def test_missed_targets_are_reported_as_not_met() -> None:
    table = build_bench.report(numbers(incremental=[10.0], ours_ready=[1.5]))
    assert ">= 5x: NOT met" in table
    assert "<= 1 s: NOT met" in table
