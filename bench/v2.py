"""Open Inference (V2) benchmark: ours vs MLServer 1.7.1, REST and gRPC, in one run and one table.

Run as `.venv/bin/python bench/v2.py` (about 4 minutes on 2 cores). Both servers serve an identity model with
their defaults (ours: bench/components/Identity.py through `seldon-microservice`; MLServer: the serving
benchmark's identity runtime), started by bench/serving_servers.py on free ports of 127.0.0.1. Payloads:
- small: a 1x4 FP32 tensor, JSON `data` over REST and typed `fp32_contents` over gRPC;
- large: a 1x100,000 FP32 tensor in binary: the binary tensor data extension over REST (request and answer)
  and `raw_input_contents` over gRPC. MLServer 1.7.1 refuses the REST binary extension (422), so it gets the
  same tensor as JSON there, the only form it reads;
- large-json: the large tensor as JSON for both, for reference (not a target: both sides parse and write
  100,000 JSON numbers).
Each server answers every body once with the identity of the request before and after timing. Timing is the
serving benchmark's (bench/serving.py `time_cell`: warm-up, servers taking turns, the median of `--repeat`
runs; wrk and h2load). The table is printed and written to bench/results/v2.md (raw numbers in v2.json).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import grpc
import numpy as np

if not __package__:  # run as a script: this file's folder is on sys.path, the repository root is not
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seldon_s2i.protos import v2 as v2_protos

from bench import serving, serving_payloads, serving_report, serving_servers
from bench.serving import Bodies, Contender
from bench.serving_load import LoadResult
from bench.serving_payloads import Payload
from bench.serving_servers import ServerSpec

HEADER = "Inference-Header-Content-Length"
TARGET_RATIO = 2.0
OURS_MODEL = "Identity"  # ours calls the model by its class name
GRPC_PATH = "/inference.GRPCInferenceService/ModelInfer"
SMALL = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
LARGE = np.random.default_rng(serving_payloads.LARGE_TENSOR_SEED).random(100_000).astype(np.float32)
# key: (values, REST form for ours, REST form for MLServer, label); gRPC: typed for small, raw for the others.
PAYLOADS = {
    "small": (SMALL, "json", "json", "1x4 FP32: REST JSON, gRPC typed contents"),
    "large": (LARGE, "binary", "json", "1x100,000 FP32: REST binary (MLServer: JSON), gRPC raw contents"),
    "large-json": (LARGE, "json", "json", "1x100,000 FP32 JSON (reference, not a target)"),
}


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


def write_bodies(spec: ServerSpec, model: str, workdir: Path) -> dict[str, Bodies]:
    bodies = {}
    for key, (values, ours_form, mlserver_form, _) in PAYLOADS.items():
        form = ours_form if spec.key == "ours" else mlserver_form
        rest, grpc_path = workdir / f"{key}.rest", workdir / f"{key}.grpc"
        grpc_path.write_bytes(serving_payloads.grpc_frame(_grpc_message(model, values, raw=key != "small")))
        if form == "binary":
            body, head = _binary_body(values)
            rest.write_bytes(body)
            bodies[key] = Bodies(rest, "application/octet-stream", grpc_path, rest_headers=(f"{HEADER}: {head}",))
        else:
            rest.write_bytes(_json_body(values))
            bodies[key] = Bodies(rest, "application/json", grpc_path)
    return bodies


def _rest_values(answer: bytes, headers: dict[str, str]) -> np.ndarray:
    if HEADER.lower() in headers:
        return np.frombuffer(answer[int(headers[HEADER.lower()]) :], dtype="<f4")
    return np.asarray(json.loads(answer)["outputs"][0]["data"], dtype=np.float32).reshape(-1)


def _grpc_values(answer: bytes) -> np.ndarray:
    response = v2_protos.ModelInferResponse.FromString(answer)
    if response.raw_output_contents:
        return np.frombuffer(response.raw_output_contents[0], dtype="<f4")
    return np.array(response.outputs[0].contents.fp32_contents, dtype=np.float32)


def validate(contender: Contender, first: bool) -> None:
    """Each body once per transport with a real client: the answer must be exactly the request's values."""
    server = contender.server
    deadline = time.monotonic() + (60 if first else 0)  # MLServer listens before its model is loaded
    for key, bodies in list(contender.bodies.items()):
        expected = PAYLOADS[key][0]
        headers = {"Content-Type": bodies.rest_content_type}
        headers.update(dict(h.split(": ", 1) for h in bodies.rest_headers))
        while True:
            try:
                request = urllib.request.Request(server.rest_url(), data=bodies.rest.read_bytes(), headers=headers)
                with urllib.request.urlopen(request, timeout=60) as response:
                    answer = bytes(response.read())
                    answer_headers = {name.lower(): value for name, value in response.headers.items()}
                break
            except OSError as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{server.spec.label} REST {key}: {error}") from error
                time.sleep(0.5)
        if not np.array_equal(_rest_values(answer, answer_headers), expected):
            raise RuntimeError(f"{server.spec.label} REST {key}: the answer is not the identity of the request")
        options = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
        with grpc.insecure_channel(f"127.0.0.1:{server.ports.grpc}", options=options) as channel:
            call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(GRPC_PATH)
            reply = call(bodies.grpc.read_bytes()[5:], timeout=60)
        if not np.array_equal(_grpc_values(reply), expected):
            raise RuntimeError(f"{server.spec.label} gRPC {key}: the answer is not the identity of the request")
        contender.bodies[key] = dataclasses.replace(bodies, grpc_answer_bytes=len(reply) + 5)


Results = dict[tuple[str, str, str, int], "LoadResult | str"]


def render(contenders: list[Contender], results: Results, args: argparse.Namespace, wall: float, priority: str) -> str:
    lines = [
        f"# Open Inference (V2) benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"Machine: {serving_report._cpu_model()}, everything on 127.0.0.1, {priority}; total wall time "
        f"{wall / 60:.1f} min. Each cell: {args.warmup} s warm-up (discarded), then {args.repeat} timed runs of "
        f"{args.seconds} s, one per round of turns (the row is the run with the median req/s), each starting once "
        "both servers are idle; closed loop with `c` connections each keeping one request in flight. REST: wrk; "
        "gRPC: h2load (answered calls counted by answer bytes). Answers were checked to be the identity of the "
        "request before and after timing. Payloads:",
        *(f"- `{key}`: {label}" for key, (_, _, _, label) in PAYLOADS.items()),
        "",
        "| server | version | settings |",
        "|---|---|---|",
        *(f"| {c.spec.label} | {serving_report.server_version(c.spec.key)} | {c.spec.settings()} |" for c in contenders),
        "",
        "| transport | payload | c | server | req/s | p50 ms | p99 ms | failed | server CPU | ours ÷ MLServer |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for transport in args.transports:
        for key in PAYLOADS:
            for concurrency in args.concurrency:
                ours, theirs = results.get(("ours", transport, key, concurrency)), results.get(
                    ("mlserver", transport, key, concurrency)
                )
                ratio = None
                if isinstance(ours, LoadResult) and isinstance(theirs, LoadResult) and theirs.requests_per_second:
                    ratio = ours.requests_per_second / theirs.requests_per_second
                    verdicts.append((f"{_transport(transport)} {key}, c={concurrency}", key, ratio))
                for contender in contenders:
                    result = results.get((contender.spec.key, transport, key, concurrency))
                    row = f"| {_transport(transport)} | {key} | {concurrency} | {contender.spec.label} | "
                    if result is None:
                        continue
                    if isinstance(result, str):
                        lines.append(row + f"{result} |  |  |  |  |  |")
                        continue
                    shown = f"{ratio:.2f}x" if contender.spec.key == "ours" and ratio is not None else ""
                    lines.append(
                        row + f"{result.requests_per_second:,.0f} | {result.p50_ms:.3g} | {result.p99_ms:.3g} | "
                        f"{result.failed} | {result.server_cores:.2f} | {shown} |"
                    )
    lines += ["", f"Target: ours >= {TARGET_RATIO:g}x MLServer's req/s on both transports (small and large):"]
    for cell, key, ratio in verdicts:
        if key == "large-json":
            lines.append(f"- {cell}: {ratio:.2f}x (reference, not a target)")
        else:
            lines.append(f"- {cell}: {'met' if ratio >= TARGET_RATIO else 'MISSED'} ({ratio:.2f}x)")
    return "\n".join(lines) + "\n"


def _transport(transport: str) -> str:
    return "REST" if transport == "rest" else "gRPC"


def ours_spec() -> ServerSpec:
    """Ours as the serving benchmark starts it, called on its V2 paths."""
    ours = next(spec for spec in serving_servers.SERVERS if spec.key == "ours")
    return dataclasses.replace(ours, protocol="v2", rest_path=f"/v2/models/{OURS_MODEL}/infer", grpc_path=GRPC_PATH)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="v2.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--transports", type=serving._choices(serving.TRANSPORTS), default=list(serving.TRANSPORTS))
    parser.add_argument("--concurrency", type=serving._positive_ints, default=[1, 16], help="default 1,16")
    parser.add_argument("--seconds", type=int, default=3, help="timed seconds per run (default 3)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed seconds before each cell (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per cell, the median is shown (default 3)")
    parser.add_argument("--nice", type=int, default=serving.BENCH_NICENESS, help="niceness, if allowed (0: leave it)")
    parser.add_argument("--output", type=Path, default=serving_servers.BENCH / "results" / "v2.md")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or args.repeat < 1:
        parser.error("--seconds and --repeat must be positive and --warmup not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for tool in ("wrk", "h2load"):
        if serving_report.tool_version(tool) is None:
            print(f"v2.py: error: {tool} is not installed (run scripts/setup-dev)", file=sys.stderr)
            return 2
    ours = ours_spec()
    mlserver = next(spec for spec in serving_servers.SERVERS if spec.key == "mlserver")
    priority = serving.raise_priority(args.nice)
    started = time.monotonic()
    contenders: list[Contender] = []
    results: Results = {}
    with tempfile.TemporaryDirectory(prefix="seldon-s2i-v2-bench-") as scratch:
        try:
            for spec, model in ((ours, OURS_MODEL), (mlserver, serving_servers.MLSERVER_MODEL)):
                workdir = Path(scratch) / spec.key
                workdir.mkdir()
                print(f"--> {spec.label}: starting", file=sys.stderr, flush=True)
                contender = Contender(spec, serving_servers.start(spec, workdir), write_bodies(spec, model, workdir))
                contenders.append(contender)
                validate(contender, first=True)
            for transport in args.transports:
                for key, (values, _, _, label) in PAYLOADS.items():
                    if transport == "grpc" and key == "large-json":
                        continue  # JSON is a REST form only
                    payload = Payload(key, label, (1, values.size), (), "tensor")
                    for concurrency in args.concurrency:
                        cell = serving.time_cell(contenders, transport, payload, concurrency, args)
                        for server_key, result in cell.items():
                            results[(server_key, transport, key, concurrency)] = result
                            print(f"    {server_key} {transport} {key} c={concurrency}: "
                                  f"{serving_report.brief(result)}", file=sys.stderr, flush=True)  # fmt: skip
            for contender in contenders:
                validate(contender, first=False)
        finally:
            for contender in contenders:
                contender.server.stop()
    table = render(contenders, results, args, time.monotonic() - started, priority)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table)
    raw = {" ".join(map(str, key)): dataclasses.asdict(v) if isinstance(v, LoadResult) else v for key, v in results.items()}
    args.output.with_suffix(".json").write_text(json.dumps(raw, indent=1) + "\n")
    return 0 if all(isinstance(result, LoadResult) and not result.failed for result in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
