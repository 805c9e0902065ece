"""The serving benchmark's harness (bench/serving.py), without timing anything.

Checks: the request bodies are valid Seldon v1 / Open Inference messages carrying the payload; the identity
checks accept a faithful answer and reject altered ones, also against a real server answering the wrong
payload; h2load's failed-call detection counts gRPC errors that h2load itself reports as successes; slow cells
are timed longer; and the one command runs end to end against the bare echo servers, validating them with real
clients and writing its table. No assertion is about speed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf import json_format
from seldon_s2i.protos import prediction_pb2

REPO = Path(__file__).resolve().parents[2]
# bench/ is a folder of scripts, not an installed package: import it from the repository root, then forget it.
sys.path.insert(0, str(REPO))
try:
    from bench import serving, serving_load, serving_payloads, serving_servers
finally:
    sys.path.remove(str(REPO))

SMALL = serving_payloads.small_payload()
LARGE = serving_payloads.large_payload(1_000)  # same builders as the 100,000-float tensor, smaller


def test_seldon_json_bodies_are_seldon_messages_with_the_payload() -> None:
    small = json_format.Parse(serving_payloads.seldon_json(SMALL), prediction_pb2.SeldonMessage())
    assert json_format.MessageToDict(small.data.ndarray) == [[1.0, 2.0, 3.0, 4.0]]
    large = json_format.Parse(serving_payloads.seldon_json(LARGE), prediction_pb2.SeldonMessage())
    assert list(large.data.tensor.shape) == [1, 1_000]
    assert tuple(large.data.tensor.values) == LARGE.values


def test_the_issue_payloads_have_the_issue_shapes() -> None:
    assert json.loads(serving_payloads.seldon_json(SMALL)) == {"data": {"ndarray": [[1.0, 2.0, 3.0, 4.0]]}}
    tensor = json.loads(serving_payloads.seldon_json(serving_payloads.large_payload()))["data"]["tensor"]
    assert tensor["shape"] == [1, 100_000]
    assert len(tensor["values"]) == 100_000


def test_seldon_proto_bodies_parse_with_the_seldon_protos() -> None:
    message = prediction_pb2.SeldonMessage.FromString(serving_payloads.seldon_proto(LARGE))
    assert message.data.WhichOneof("data_oneof") == "tensor"
    assert tuple(message.data.tensor.values) == LARGE.values
    assert serving_payloads.seldon_proto_mismatch(SMALL, serving_payloads.seldon_proto(SMALL)) is None


def test_v2_bodies_carry_one_fp64_input_of_the_same_shape() -> None:
    body = json.loads(serving_payloads.v2_json(SMALL))
    assert body == {"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": [1.0, 2.0, 3.0, 4.0]}]}
    request = serving_payloads.ModelInferRequest.FromString(serving_payloads.v2_proto(LARGE, "identity"))
    assert request.model_name == "identity"
    assert list(request.inputs[0].shape) == [1, 1_000]
    assert tuple(request.inputs[0].contents.fp64_contents) == LARGE.values


def test_identity_checks_accept_the_payload_and_name_what_differs() -> None:
    values = list(LARGE.values)
    answer = {"data": {"names": [], "tensor": {"shape": [1, 1_000], "values": values}}, "meta": {}}
    assert serving_payloads.seldon_json_mismatch(LARGE, json.dumps(answer).encode()) is None
    values[7] += 1.0
    assert "value 7" in str(serving_payloads.seldon_json_mismatch(LARGE, json.dumps(answer).encode()))
    as_ndarray = {"data": {"ndarray": [list(LARGE.values)]}}
    assert "no data.tensor" in str(serving_payloads.seldon_json_mismatch(LARGE, json.dumps(as_ndarray).encode()))
    error = {"status": {"status": 1, "info": "boom", "code": -1, "reason": "MICROSERVICE_INTERNAL_ERROR"}}
    assert serving_payloads.seldon_json_mismatch(SMALL, json.dumps(error).encode()) is not None
    v2_answer = {"outputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": [1.0, 2.0, 3.0, 5.0]}]}
    assert "value 3" in str(serving_payloads.v2_json_mismatch(SMALL, json.dumps(v2_answer).encode()))


def test_grpc_frame_is_flag_length_message() -> None:
    assert serving_payloads.grpc_frame(b"abc") == b"\x00\x00\x00\x00\x03abc"


def test_slow_cells_are_timed_until_each_connection_completed_ten_requests() -> None:
    def warmup(requests_per_second: float) -> serving_load.LoadResult:
        return serving_load.LoadResult(int(requests_per_second * 2), 2.0, 1.0, 2.0, 0, 0.1)

    assert serving.steady_state_seconds(warmup(4_000), concurrency=16, minimum=5) == 5
    assert serving.steady_state_seconds(warmup(8), concurrency=16, minimum=5) == 20  # 2 s per round
    assert serving.steady_state_seconds(warmup(1), concurrency=16, minimum=5) == serving.MAX_CELL_SECONDS
    assert serving.steady_state_seconds(warmup(0), concurrency=1, minimum=5) == serving.MAX_CELL_SECONDS


@pytest.fixture
def bare_grpc_echo(tmp_path: Path) -> Iterator[serving_servers.RunningServer]:
    spec = next(spec for spec in serving_servers.SERVERS if spec.key == "bare")
    server = serving_servers.start(spec, tmp_path)
    yield server
    server.stop()


def test_h2load_failures_count_calls_answered_without_a_message(
    bare_grpc_echo: serving_servers.RunningServer, tmp_path: Path
) -> None:
    framed = serving_payloads.grpc_frame(serving_payloads.seldon_proto(SMALL))
    body = tmp_path / "small.grpc"
    body.write_bytes(framed)
    port = bare_grpc_echo.ports.grpc
    good = serving_load.run_grpc(
        f"http://127.0.0.1:{port}/seldon.protos.Model/Predict", body, 2, 1, len(framed), tmp_path / "good.log"
    )
    assert good.requests > 0 and good.failed == 0
    # An unknown method gets HTTP 200 and grpc-status UNIMPLEMENTED: h2load calls it a success.
    unknown = serving_load.run_grpc(
        f"http://127.0.0.1:{port}/seldon.protos.Model/Nope", body, 2, 1, len(framed), tmp_path / "bad.log"
    )
    assert unknown.requests > 0 and unknown.failed == unknown.requests


def test_a_server_answering_something_else_is_refused_before_timing(
    bare_grpc_echo: serving_servers.RunningServer, tmp_path: Path
) -> None:
    small_bodies = serving.write_bodies(bare_grpc_echo.spec, SMALL, tmp_path)
    checked = serving.validate(bare_grpc_echo, SMALL, small_bodies, ("rest", "grpc"), first=True)
    assert checked.grpc_answer_bytes == len(serving_payloads.grpc_frame(serving_payloads.seldon_proto(SMALL)))
    # The echo sends back the small payload where the large one is expected: both transports must refuse it.
    with pytest.raises(serving.ValidationError, match=re.escape("REST 1x1,000 tensor: answer has no data.tensor")):
        serving.validate(bare_grpc_echo, LARGE, small_bodies, ("rest",), first=False)
    with pytest.raises(serving.ValidationError, match=re.escape("gRPC 1x1,000 tensor: answer carries data.ndarray")):
        serving.validate(bare_grpc_echo, LARGE, small_bodies, ("grpc",), first=False)


def test_one_command_benchmarks_the_bare_servers_and_writes_the_table(tmp_path: Path) -> None:
    output = tmp_path / "serving.md"
    command = [
        sys.executable,
        str(REPO / "bench" / "serving.py"),
        "--servers",
        "bare",
        "--payloads",
        "small",
        "--concurrency",
        "2",
        "--seconds",
        "1",
        "--warmup",
        "0",
        "--output",
        str(output),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = output.read_text()
    assert done.stdout.strip() == table.strip()
    rows = [line for line in table.splitlines() if line.startswith("| REST |") or line.startswith("| gRPC |")]
    assert [row.split(" | ")[:4] for row in rows] == [
        ["| REST", "1x4 ndarray", "2", "bare echo (ceiling)"],
        ["| gRPC", "1x4 ndarray", "2", "bare echo (ceiling)"],
    ]
    cells = json.loads(output.with_suffix(".json").read_text())["cells"]
    assert all(cell["requests"] > 0 and cell["failed"] == 0 for cell in cells)


def test_bad_arguments_get_one_clear_line() -> None:
    command = [sys.executable, str(REPO / "bench" / "serving.py"), "--servers", "ours,nginx"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "choose from ours,seldon-core,mlserver,bare" in done.stderr
    assert "Traceback" not in done.stderr
