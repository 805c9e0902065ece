"""The V2 benchmark's harness (bench/v2.py), without timing anything.

Checks the bodies it sends (the binary extension's layout, its header, the gRPC messages) are what a real
server reads, by sending them to one, and that the table states each target's verdict.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from seldon_s2i.protos import v2 as v2_protos

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # bench/ is a folder of scripts: import it from the repository root, then forget it
try:
    from bench import serving_servers, v2
    from bench.serving import Contender
    from bench.serving_load import LoadResult
finally:
    sys.path.remove(str(REPO))


def test_binary_body_is_json_then_little_endian_floats() -> None:
    body, head = v2._binary_body(v2.SMALL)
    document = json.loads(body[:head])
    assert document["inputs"][0]["parameters"]["binary_data_size"] == 16
    assert document["parameters"] == {"binary_data_output": True}
    assert body[head:] == v2.SMALL.astype("<f4").tobytes()


def test_grpc_messages_are_typed_for_small_and_raw_for_large() -> None:
    typed = v2_protos.ModelInferRequest.FromString(v2._grpc_message("m", v2.SMALL, raw=False))
    assert list(typed.inputs[0].contents.fp32_contents) == [1.0, 2.0, 3.0, 4.0] and not typed.raw_input_contents
    raw = v2_protos.ModelInferRequest.FromString(v2._grpc_message("m", v2.LARGE, raw=True))
    assert len(raw.raw_input_contents[0]) == 400_000 and list(raw.inputs[0].shape) == [1, 100_000]


def test_ours_answers_every_body_with_its_identity(tmp_path: Path) -> None:
    spec = v2.ours_spec()
    bodies = v2.write_bodies(spec, v2.OURS_MODEL, tmp_path)
    assert bodies["large"].rest_headers and bodies["large"].rest_content_type == "application/octet-stream"
    server = serving_servers.start(spec, tmp_path)
    try:
        contender = Contender(spec, server, bodies)
        v2.validate(contender, first=True)  # raises unless every answer is the identity of its request
        assert all(b.grpc_answer_bytes > 0 for b in contender.bodies.values())
    finally:
        server.stop()


def test_the_table_gives_each_target_its_verdict() -> None:
    ours_spec = next(s for s in serving_servers.SERVERS if s.key == "ours")
    mlserver_spec = next(s for s in serving_servers.SERVERS if s.key == "mlserver")
    fake = [Contender(ours_spec, None, {}), Contender(mlserver_spec, None, {})]  # type: ignore[arg-type]

    def result(rate: float) -> LoadResult:
        return LoadResult(requests=int(rate * 10), seconds=10.0, p50_ms=1.0, p99_ms=2.0, failed=0, client_cores=0.1)

    results: v2.Results = {
        ("ours", "rest", "small", 1): result(300),
        ("mlserver", "rest", "small", 1): result(100),
        ("ours", "grpc", "large", 1): result(150),
        ("mlserver", "grpc", "large", 1): result(100),
    }
    args = argparse.Namespace(transports=["rest", "grpc"], concurrency=[1], warmup=1, seconds=1, repeat=1)
    table = v2.render(fake, results, args, 60.0, "normal priority")
    assert "- REST small, c=1: met (3.00x)" in table
    assert "- gRPC large, c=1: MISSED (1.50x)" in table


def test_the_command_refuses_bad_arguments() -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "v2.py"), "--repeat", "0"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2 and "--repeat must be positive" in done.stderr
