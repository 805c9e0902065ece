"""Overhead of the graph orchestrator: chains of 1, 3 and 5 identity models through seldon-engine, against calling
one model directly, over REST and gRPC, at 1 and 16 requests in flight. One table.

    .venv/bin/python bench/engine.py                 # ~3 min on 2 cores
    .venv/bin/python bench/engine.py --seconds 10 --output bench/results/engine.md

Five ``seldon-microservice`` processes serve the identity model (bench/components/Identity.py, their defaults);
three ``seldon-engine`` processes serve a chain of the first 1, 3 and 5 of them (a MODEL with a child is a
chain: each node's answer is the next one's input). The load is the serving benchmark's: wrk (REST, POST
/api/v1.0/predictions) and h2load (gRPC, seldon.protos.Seldon/Predict) in a closed loop, a warm-up run thrown
away, then the timed run; the targets take turns per cell. Before timing, every target must answer the request's
values (and the engines the chain's ``meta.routing``).

``added/hop`` (1 in flight only) is what the orchestrator adds per node call: (p50 through the chain of N minus
N times the p50 of one direct call) / N, i.e. the engine's own work and its extra network hop, the nodes' own
time taken out. Over gRPC a floor is measured beside it: bench/bare_forwarder.py, a grpcio server that forwards
the request's bytes to the model with no graph logic at all — what any Python forwarder on grpcio pays per hop.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

if not __package__:  # run as a script: put the repository root on sys.path for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seldon_s2i.protos import prediction_pb2

from bench import serving_load, serving_payloads
from bench.serving_load import LoadResult

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CHAINS = (1, 3, 5)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Target:
    label: str
    hops: int  # 0: the model called directly
    http_port: int  # 0: serves gRPC only
    grpc_port: int
    process: subprocess.Popen[bytes]
    engine: bool = False  # answers with the chain's meta.routing


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("PREDICTIVE_UNIT_", "GUNICORN_", "GRPC_", "SELDON_", "ENGINE_", "PROMETHEUS_"))}


def _answers(url: str) -> bool:
    """``http://…`` answers 200, or the gRPC server at ``grpc://host:port`` takes a connection."""
    if url.startswith("grpc://"):
        with grpc.insecure_channel(url.removeprefix("grpc://")) as channel:
            try:
                grpc.channel_ready_future(channel).result(timeout=1)
                return True
            except grpc.FutureTimeoutError:
                return False
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}: {log.read_text()[-2000:]}")
        if _answers(url):
            return
        time.sleep(0.2)
    raise RuntimeError(f"not ready: {url}")


@contextmanager
def started(command: list[str], env: dict[str, str], cwd: Path | None, log: Path, ready_url: str,
            label: str, hops: int, http_port: int, grpc_port: int, engine: bool = False) -> Iterator[Target]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        _wait_ready(ready_url, process, log)
        yield Target(label, hops, http_port, grpc_port, process, engine)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def start_model(stack: ExitStack, index: int, scratch: Path) -> Target:
    http, grpc_port = free_port(), free_port()
    command = [str(BIN / "seldon-microservice"), "Identity", "--service-type", "MODEL", "--host", "127.0.0.1",
               "--http-port", str(http), "--grpc-port", str(grpc_port), "--metrics-port", str(free_port())]
    env = {**_clean_environment(), "PREDICTIVE_UNIT_ID": f"id{index}"}
    return stack.enter_context(started(command, env, HERE / "components", scratch / f"id{index}.log",
                                       f"http://127.0.0.1:{http}/health/ping", "direct (one model)", 0, http,
                                       grpc_port))


def chain_predictor(models: Sequence[Target]) -> dict[str, Any]:
    node: dict[str, Any] | None = None
    for index in reversed(range(len(models))):
        model = models[index]
        current: dict[str, Any] = {"name": f"id{index + 1}", "type": "MODEL", "endpoint": {
            "service_host": "127.0.0.1", "httpPort": model.http_port, "grpcPort": model.grpc_port, "type": "REST"}}
        if node is not None:
            current["children"] = [node]
        node = current
    assert node is not None
    return {"name": "bench", "graph": node}


def start_engine(stack: ExitStack, models: Sequence[Target], scratch: Path) -> Target:
    http, grpc_port = free_port(), free_port()
    env = {**_clean_environment(),
           "ENGINE_PREDICTOR": base64.b64encode(json.dumps(chain_predictor(models)).encode()).decode(),
           "SELDON_DEPLOYMENT_ID": "bench"}
    command = [str(BIN / "seldon-engine"), "--host", "127.0.0.1", "--http-port", str(http), "--grpc-port",
               str(grpc_port)]
    hops = len(models)
    return stack.enter_context(started(command, env, None, scratch / f"engine{hops}.log",
                                       f"http://127.0.0.1:{http}/ready", f"engine, chain of {hops}", hops, http,
                                       grpc_port, engine=True))


def start_forwarder(stack: ExitStack, model: Target, scratch: Path) -> Target:
    port = free_port()
    command = [str(BIN / "python"), str(HERE / "bare_forwarder.py"), f"127.0.0.1:{model.grpc_port}", str(port), "16"]
    return stack.enter_context(started(command, _clean_environment(), None, scratch / "forwarder.log",
                                       f"grpc://127.0.0.1:{port}", "bare grpcio forwarder, 1 hop (floor)", 1, 0,
                                       port))


# ---- correctness first ---------------------------------------------------------------------------------------
def check(target: Target, payload: serving_payloads.Payload) -> int:
    """Fail unless both transports answer the request's values (and a chain its routing); the framed size of
    the gRPC answer, which h2load needs to count answered calls."""
    if target.http_port:
        _check_rest(target, payload)
    with grpc.insecure_channel(f"127.0.0.1:{target.grpc_port}") as channel:
        call: Any = channel.unary_unary("/seldon.protos.Seldon/Predict")
        reply = call(serving_payloads.seldon_proto(payload), timeout=30)
    problem = serving_payloads.seldon_proto_mismatch(payload, reply)
    if problem:
        raise RuntimeError(f"{target.label} over gRPC: {problem}")
    if target.engine and len(prediction_pb2.SeldonMessage.FromString(reply).meta.routing) != target.hops:
        raise RuntimeError(f"{target.label} over gRPC: no routing")
    return len(serving_payloads.grpc_frame(reply))


def _check_rest(target: Target, payload: serving_payloads.Payload) -> None:
    request = urllib.request.Request(f"http://127.0.0.1:{target.http_port}/api/v1.0/predictions",
                                     data=serving_payloads.seldon_json(payload),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        body = answer.read()
    problem = serving_payloads.seldon_json_mismatch(payload, body)
    if problem:
        raise RuntimeError(f"{target.label} over REST: {problem}")
    routing = json.loads(body).get("meta", {}).get("routing", {})
    if target.engine and routing != {f"id{i}": -1 for i in range(1, target.hops + 1)}:
        raise RuntimeError(f"{target.label}: routing {routing}")


# ---- timing --------------------------------------------------------------------------------------------------
def measure(target: Target, transport: str, concurrency: int, seconds: int, warmup: int, bodies: dict[str, Path],
            answer_bytes: int, scratch: Path) -> LoadResult:
    def run(duration: int) -> LoadResult:
        if transport == "rest":
            return serving_load.run_rest(f"http://127.0.0.1:{target.http_port}/api/v1.0/predictions",
                                         bodies["rest"], "application/json", concurrency, duration)
        return serving_load.run_grpc(f"http://127.0.0.1:{target.grpc_port}/seldon.protos.Seldon/Predict",
                                     bodies["grpc"], concurrency, duration, answer_bytes, scratch / "h2load.log")

    run(warmup)
    return run(seconds)


def table(results: dict[tuple[str, int, str], LoadResult], targets: Sequence[Target], transports: Sequence[str],
          concurrencies: Sequence[int]) -> str:
    lines = ["| transport | in flight | target | req/s | p50 ms | p99 ms | failed | added/hop ms (p50) |",
             "|---|---:|---|---:|---:|---:|---:|---:|"]
    for transport in transports:
        for concurrency in concurrencies:
            direct = results[(transport, concurrency, targets[0].label)]
            for target in targets:
                if (transport, concurrency, target.label) not in results:
                    continue
                result, hops, label = results[(transport, concurrency, target.label)], target.hops, target.label
                added = ""
                if hops and concurrency == 1:
                    added = f"{(result.p50_ms - hops * direct.p50_ms) / hops:.2f}"
                lines.append(f"| {transport.upper() if transport == 'rest' else 'gRPC'} | {concurrency} | {label} | "
                             f"{result.requests_per_second:,.0f} | {result.p50_ms:.2f} | {result.p99_ms:.2f} | "
                             f"{result.failed} | {added} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="timed seconds per cell (default 5)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per cell (default 2)")
    parser.add_argument("--concurrency", default="1,16", help="requests in flight (default 1,16)")
    parser.add_argument("--transports", default="rest,grpc", help="rest, grpc or both (default)")
    parser.add_argument("--output", type=Path, help="also write the table (with date and machine) to this file")
    parser.add_argument("--nice", type=int, default=-10,
                        help="niceness of everything the benchmark runs, when root (default -10), so background "
                             "jobs disturb it less")
    args = parser.parse_args(argv)
    if os.geteuid() == 0:
        os.nice(args.nice)  # the servers and load generators started below inherit it
    concurrencies = [int(value) for value in args.concurrency.split(",")]
    transports = [value.strip() for value in args.transports.split(",")]
    payload = serving_payloads.small_payload()
    results: dict[tuple[str, int, str], LoadResult] = {}
    with tempfile.TemporaryDirectory(prefix="seldon-s2i-bench-engine-") as folder, ExitStack() as stack:
        scratch = Path(folder)
        models = [start_model(stack, index + 1, scratch) for index in range(max(CHAINS))]
        targets = [models[0], *(start_engine(stack, models[:hops], scratch) for hops in CHAINS)]
        if "grpc" in transports:
            targets.append(start_forwarder(stack, models[0], scratch))
        answer_bytes = {target.label: check(target, payload) for target in targets}
        bodies = {"rest": scratch / "body.json", "grpc": scratch / "body.grpc"}
        bodies["rest"].write_bytes(serving_payloads.seldon_json(payload))
        bodies["grpc"].write_bytes(serving_payloads.grpc_frame(serving_payloads.seldon_proto(payload)))
        for transport in transports:
            for concurrency in concurrencies:
                for target in targets:
                    if transport == "rest" and not target.http_port:
                        continue
                    key = (transport, concurrency, target.label)
                    results[key] = measure(target, transport, concurrency, args.seconds, args.warmup, bodies,
                                           answer_bytes[target.label], scratch)
                    print(f"  {transport} c={concurrency} {target.label}: {results[key].p50_ms:.2f} ms p50",
                          file=sys.stderr)
        for target in targets:
            check(target, payload)  # still right after the load
    report = (f"Measured {datetime.date.today().isoformat()} on {machine()}; payload {payload.label}, "
              f"{args.seconds} s per cell after {args.warmup} s of warm-up.\n\n"
              f"{table(results, targets, transports, concurrencies)}\n")
    print(report)
    if args.output:
        args.output.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
