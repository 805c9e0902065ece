"""Open Inference (V2) benchmark: ours vs MLServer 1.7.1, REST and gRPC, in one run and one table.

Run as `.venv/bin/python bench/v2.py` (about 3 minutes on 2 cores). Both servers serve an identity model with
their defaults (ours: bench/components/Identity.py through `seldon-microservice`; MLServer: the serving
benchmark's identity runtime), started by bench/serving_servers.py on free ports of 127.0.0.1. Payloads: a
1x4 FP32 tensor in JSON (REST) and typed `fp32_contents` (gRPC); a 1x100,000 FP32 tensor in binary: the
binary tensor data extension over REST (request and answer) and `raw_input_contents` over gRPC. MLServer 1.7.1
refuses the REST binary extension (422), so its large REST row sends JSON, and ours is also timed with JSON
there. Every server answers each body once with the identity of the request before and after timing; load
and CPU accounting are the serving benchmark's (wrk, h2load; bench/serving_load.py). The table is printed and
written to bench/results/v2.md (raw numbers in v2.json).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
import numpy as np

if not __package__:  # run as a script: this file's folder is on sys.path, the repository root is not
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seldon_s2i.protos import v2 as v2_protos

from bench import serving, serving_load, serving_payloads, serving_report, serving_servers
from bench.serving_load import LoadResult, LoadToolError
from bench.serving_servers import RunningServer, ServerSpec

HEADER = "Inference-Header-Content-Length"
LARGE_SIZE = 100_000
TARGET_RATIO = 2.0
OURS_MODEL = "Identity"  # ours calls the model by its class name
GRPC_PATH = "/inference.GRPCInferenceService/ModelInfer"


@dataclass(frozen=True)
class Body:
    """One request as the load tools send it, and what it must be answered with."""

    label: str
    transport: str
    path: Path
    content_type: str = "application/json"
    headers: tuple[str, ...] = ()
    answer_bytes: int = 0  # gRPC: framed size of the correct answer (h2load counts answered calls by it)


@dataclass
class Server:
    spec: ServerSpec
    running: RunningServer
    model: str
    bodies: dict[str, Body]


def _values(size: int) -> np.ndarray:
    return np.random.default_rng(serving_payloads.LARGE_TENSOR_SEED).random(size).astype(np.float32)


SMALL = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
LARGE = _values(LARGE_SIZE)


def _json_body(values: np.ndarray) -> bytes:
    tensor = {"name": "input-0", "shape": [1, values.size], "datatype": "FP32", "data": values.tolist()}
    return json.dumps({"inputs": [tensor]}, separators=(",", ":")).encode()


def _binary_body(values: np.ndarray) -> tuple[bytes, int]:
    tensor = {"name": "input-0", "shape": [1, values.size], "datatype": "FP32",
              "parameters": {"binary_data_size": values.nbytes}}  # fmt: skip
    head = json.dumps({"inputs": [tensor], "parameters": {"binary_data_output": True}}).encode()
    return head + values.astype("<f4").tobytes(), len(head)


def _grpc_message(model: str, values: np.ndarray, raw: bool) -> bytes:
    request = v2_protos.ModelInferRequest(model_name=model)
    tensor = request.inputs.add(name="input-0", datatype="FP32", shape=[1, values.size])
    if raw:
        request.raw_input_contents.append(values.astype("<f4").tobytes())
    else:
        tensor.contents.fp32_contents.extend(values.tolist())
    return bytes(request.SerializeToString())


INFORMATIONAL = "1x100,000 FP32, JSON"
# (key, transport, label, values): the cells of the table, in order.
CELLS = (
    ("small", "rest", "1x4 FP32, JSON", SMALL),
    ("large-binary", "rest", "1x100,000 FP32, binary", LARGE),
    ("large-json", "rest", INFORMATIONAL, LARGE),
    ("small", "grpc", "1x4 FP32, typed contents", SMALL),
    ("large-raw", "grpc", "1x100,000 FP32, raw contents", LARGE),
)


def write_bodies(server: Server, workdir: Path) -> None:
    for key, transport, label, values in CELLS:
        path = workdir / f"{key}.{transport}"
        if transport == "grpc":
            message = _grpc_message(server.model, values, raw=key == "large-raw")
            path.write_bytes(serving_payloads.grpc_frame(message))
            server.bodies[f"{transport}:{key}"] = Body(label, transport, path)
        elif key == "large-binary":
            if server.spec.key == "mlserver":
                continue  # refused by MLServer 1.7.1 (422): its large REST row is the JSON one
            body, head = _binary_body(values)
            path.write_bytes(body)
            server.bodies[f"{transport}:{key}"] = Body(label, transport, path, "application/octet-stream",
                                                       (f"{HEADER}: {head}",))  # fmt: skip
        else:
            path.write_bytes(_json_body(values))
            server.bodies[f"{transport}:{key}"] = Body(label, transport, path)


def _answer_values(body: Body, answer: bytes, headers: dict[str, str]) -> np.ndarray:
    if body.transport == "grpc":
        response = v2_protos.ModelInferResponse.FromString(answer)
        if response.raw_output_contents:
            return np.frombuffer(response.raw_output_contents[0], dtype="<f4")
        return np.array(response.outputs[0].contents.fp32_contents, dtype=np.float32)
    if HEADER.lower() in headers:
        head = int(headers[HEADER.lower()])
        return np.frombuffer(answer[head:], dtype="<f4")
    output = json.loads(answer)["outputs"][0]
    return np.asarray(output["data"], dtype=np.float32).reshape(-1)


def validate(server: Server, first: bool) -> None:
    """Each body once with a real client; the answer must carry exactly the request's values."""
    deadline = time.monotonic() + (60 if first else 0)  # MLServer listens before its model is loaded
    for name, body in server.bodies.items():
        expected = SMALL if name.endswith(":small") else LARGE
        while True:
            try:
                answer, headers = _send(server, body)
                break
            except (OSError, grpc.RpcError) as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{server.spec.label} {name}: {error}") from error
                time.sleep(0.5)
        got = _answer_values(body, answer, headers)
        if not np.array_equal(got, expected):
            raise RuntimeError(f"{server.spec.label} {name}: the answer is not the identity of the request")
        if body.transport == "grpc":
            server.bodies[name] = dataclasses.replace(body, answer_bytes=len(answer) + 5)


def _send(server: Server, body: Body) -> tuple[bytes, dict[str, str]]:
    if body.transport == "grpc":
        options = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
        with grpc.insecure_channel(f"127.0.0.1:{server.running.ports.grpc}", options=options) as channel:
            call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(GRPC_PATH)
            return call(body.path.read_bytes()[5:], timeout=60), {}
    headers = {"Content-Type": body.content_type}
    for header in body.headers:
        name, _, value = header.partition(":")
        headers[name.strip()] = value.strip()
    request = urllib.request.Request(server.running.rest_url(), data=body.path.read_bytes(), headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return bytes(response.read()), {name.lower(): value for name, value in response.headers.items()}


def _load(server: Server, body: Body, concurrency: int, seconds: int) -> LoadResult:
    if body.transport == "rest":
        return serving_load.run_rest(
            server.running.rest_url(), body.path, body.content_type, concurrency, seconds, body.headers
        )
    log = body.path.with_suffix(".h2load.log")
    return serving_load.run_grpc(server.running.grpc_url(), body.path, concurrency, seconds, body.answer_bytes, log)


def time_cells(servers: list[Server], args: argparse.Namespace) -> dict[tuple[str, str, int], LoadResult | str]:
    """Every cell for every server, the servers taking turns per cell (a warm-up first, then the timed run)."""
    results: dict[tuple[str, str, int], LoadResult | str] = {}
    sessions = [session for server in servers for session in server.running.session_ids]
    for key, transport, _, _ in CELLS:
        name = f"{transport}:{key}"
        for concurrency in args.concurrency:
            for server in servers:
                body = server.bodies.get(name)
                if body is None:
                    continue
                try:
                    _load(server, body, concurrency, args.warmup)
                    serving_load.wait_until_idle(sessions)
                    timed = functools.partial(_load, server, body, concurrency, args.seconds)
                    result: LoadResult | str = serving_load.measure_cpu(server.running.session_ids, timed)
                except LoadToolError as error:
                    result = f"failed: {error}"
                results[(server.spec.key, name, concurrency)] = result
                print(f"    {server.spec.key} {name} c={concurrency}: {serving_report.brief(result)}", file=sys.stderr)
    return results


def render(
    servers: list[Server],
    results: dict[tuple[str, str, int], LoadResult | str],
    args: argparse.Namespace,
    wall: float,
    priority: str,
) -> str:
    lines = [
        f"# Open Inference (V2) benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"Machine: {serving_report._cpu_model()}; everything on 127.0.0.1, {priority}; total wall time "
        f"{wall / 60:.1f} min. "
        f"Each cell: {args.warmup} s warm-up (discarded), a wait until both servers are idle, then {args.seconds} s "
        "timed, closed loop with `c` connections each keeping one request in flight; the servers take turns per "
        "cell. REST: wrk; gRPC: h2load (answered calls counted by answer bytes). Answers were checked to be the "
        "identity of the request before and after timing.",
        "",
        "| server | version |",
        "|---|---|",
        *(f"| {s.spec.label} | {serving_report.server_version(s.spec.key)} |" for s in servers),
        "",
        "| transport | payload | c | server | req/s | p50 ms | p99 ms | failed | server CPU | ours ÷ MLServer |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for key, transport, label, _ in CELLS:
        name = f"{transport}:{key}"
        for concurrency in args.concurrency:
            ours = results.get(("ours", name, concurrency))
            theirs = results.get(("mlserver", name if name != "rest:large-binary" else "rest:large-json", concurrency))
            ratio = None
            if isinstance(ours, LoadResult) and isinstance(theirs, LoadResult) and theirs.requests_per_second:
                ratio = ours.requests_per_second / theirs.requests_per_second
                verdicts.append((transport, label, concurrency, ratio))
            for server in servers:
                result = results.get((server.spec.key, name, concurrency))
                if result is None:
                    continue
                row = f"| {transport.upper() if transport == 'rest' else 'gRPC'} | {label} | {concurrency} | {server.spec.label} | "
                if isinstance(result, str):
                    lines.append(row + f"{result} |  |  |  |  |  |")
                    continue
                shown = f"{ratio:.2f}x" if server.spec.key == "ours" and ratio is not None else ""
                if server.spec.key == "ours" and name == "rest:large-binary" and ratio is not None:
                    shown += " (vs its JSON)"
                lines.append(
                    row + f"{result.requests_per_second:,.0f} | {result.p50_ms:.3g} | {result.p99_ms:.3g} | "
                    f"{result.failed} | {result.server_cores:.2f} | {shown} |"
                )
    lines += ["", f"Target: ours >= {TARGET_RATIO:g}x MLServer's req/s on both transports, small and large-binary "
              "payloads (MLServer's large REST row is JSON, the only form it reads):"]
    for transport, label, concurrency, ratio in verdicts:
        cell = f"{transport.upper() if transport == 'rest' else 'gRPC'} {label}, c={concurrency}"
        if label == INFORMATIONAL:
            lines.append(f"- {cell}: {ratio:.2f}x (not a target: both sides parse and write 100,000 JSON numbers)")
        else:
            lines.append(f"- {cell}: {'met' if ratio >= TARGET_RATIO else 'MISSED'} ({ratio:.2f}x)")
    return "\n".join(lines) + "\n"


def _ours_spec() -> ServerSpec:
    spec = next(spec for spec in serving_servers.SERVERS if spec.key == "ours")
    return dataclasses.replace(spec, protocol="v2", rest_path=f"/v2/models/{OURS_MODEL}/infer", grpc_path=GRPC_PATH)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="v2.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=lambda t: [int(c) for c in t.split(",")], default=[1, 16])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--output", type=Path, default=serving_servers.BENCH / "results" / "v2.md")
    args = parser.parse_args(argv)
    for tool in ("wrk", "h2load"):
        if serving_report.tool_version(tool) is None:
            print(f"v2.py: error: {tool} is not installed (run scripts/setup-dev)", file=sys.stderr)
            return 2
    mlserver_spec = next(spec for spec in serving_servers.SERVERS if spec.key == "mlserver")
    priority = serving.raise_priority(serving.BENCH_NICENESS)
    started = time.monotonic()
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="seldon-s2i-v2-bench-") as scratch:
        try:
            for spec, model in ((_ours_spec(), OURS_MODEL), (mlserver_spec, serving_servers.MLSERVER_MODEL)):
                workdir = Path(scratch) / spec.key
                workdir.mkdir()
                print(f"--> {spec.label}: starting", file=sys.stderr, flush=True)
                server = Server(spec, serving_servers.start(spec, workdir), model, {})
                servers.append(server)
                write_bodies(server, workdir)
                validate(server, first=True)
            results = time_cells(servers, args)
            for server in servers:
                validate(server, first=False)
        finally:
            for server in servers:
                server.running.stop()
    table = render(servers, results, args, time.monotonic() - started, priority)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table)
    raw = {f"{k[0]} {k[1]} c={k[2]}": dataclasses.asdict(v) if isinstance(v, LoadResult) else v for k, v in results.items()}
    args.output.with_suffix(".json").write_text(json.dumps(raw, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
