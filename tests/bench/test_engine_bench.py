"""bench/engine.py runs end to end (one second a cell, nothing timed seriously): every target answers right,
the chains carry their routing, and the gRPC floor (a bare grpcio forwarder) is measured beside them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from microservice_process import REPO


@pytest.mark.slow
def test_engine_benchmark_prints_chains_and_the_grpc_floor(tmp_path: Path) -> None:
    output = tmp_path / "engine.md"
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "engine.py"), "--seconds", "1", "--warmup", "1", "--concurrency", "1",
         "--nice", "0", "--output", str(output)],
        capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in output.read_text().splitlines()
            if line.startswith("| REST") or line.startswith("| gRPC")]
    targets = {(row[0], row[2]) for row in rows}
    for transport in ("REST", "gRPC"):
        assert {(transport, f"engine, chain of {hops}") for hops in (1, 3, 5)} <= targets
        assert (transport, "direct (one model)") in targets
    assert ("gRPC", "bare grpcio forwarder, 1 hop (floor)") in targets
    assert ("REST", "bare grpcio forwarder, 1 hop (floor)") not in targets
    assert all(row[6] == "0" for row in rows), "a request failed"
    assert all(float(row[7]) > 0 for row in rows if row[2] != "direct (one model)")
