"""Serving benchmark of issue 3: ours vs seldon-core 1.18.2 vs MLServer 1.7.1 vs a bare echo ceiling, one table.

Run from anywhere as `.venv/bin/python bench/serving.py` (the project venv); `--help` lists the knobs. It installs
the competitors into .venvs/ when missing, starts the servers on 127.0.0.1, checks once with a real client that
each answers the identity of the request, times every transport x payload x concurrency cell with wrk (REST) or
h2load (gRPC), the servers taking turns, checks the answers again, and prints one Markdown table that is also
written to bench/results/serving.md (raw numbers in serving.json next to it). Exit status 1 if anything failed.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import shlex
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc

if not __package__:  # run as a script: this file's folder is on sys.path, the repository root is not
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import serving_load, serving_payloads, serving_report, serving_servers
from bench.serving_load import LoadResult, LoadToolError
from bench.serving_payloads import Payload
from bench.serving_servers import RunningServer, ServerError, ServerSpec

TRANSPORTS = ("rest", "grpc")
# Slow cells are timed longer (up to MAX_CELL_SECONDS) so that every connection completes STEADY_ROUNDS requests.
STEADY_ROUNDS = 10
MAX_CELL_SECONDS = 60
# Priority of everything the benchmark runs, so background jobs on a shared machine disturb it less.
BENCH_NICENESS = -10
# The first answer may take a while: MLServer listens before its model is loaded.
FIRST_ANSWER_SECONDS = 60


class ValidationError(RuntimeError):
    """A server answered something other than the identity of the request."""


@dataclass(frozen=True)
class Bodies:
    """The bytes one server gets for one payload, and the framed size of its correct gRPC answer."""

    rest: Path
    rest_content_type: str
    grpc: Path  # already framed for h2load
    grpc_answer_bytes: int = 0
    rest_headers: tuple[str, ...] = ()  # extra "Name: value" headers (bench/v2.py: Inference-Header-Content-Length)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for tool in ("wrk", "h2load"):
        if serving_report.tool_version(tool) is None:
            print(f"serving.py: error: {tool} is not installed (run scripts/setup-dev)", file=sys.stderr)
            return 2
    payloads = [
        payload
        for payload in (serving_payloads.small_payload(), serving_payloads.large_payload())
        if payload.key in args.payloads
    ]
    if args.baseline is not None:
        serving_servers.BASELINE["venv"] = args.baseline.resolve()
        args.servers = [*args.servers, "baseline"] if "baseline" not in args.servers else args.servers
    specs = [spec for spec in serving_servers.SERVERS if spec.key in args.servers]
    report = serving_report.Report(payloads, specs, args.concurrency, args.seconds, args.warmup, args.repeat)
    report.priority = raise_priority(args.nice)
    report.extra_args = {"ours": args.ours_args} if args.ours_args else {}
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="seldon-s2i-bench-") as scratch:
            contenders = start_contenders(specs, payloads, args, Path(scratch), report)
            try:
                benchmark(contenders, payloads, args, report)
            finally:
                for contender in contenders:
                    contender.server.stop()
    except KeyboardInterrupt:
        print("serving.py: interrupted; servers stopped, nothing written", file=sys.stderr)
        return 130
    report.wall_seconds = time.monotonic() - started
    table = report.render()
    print(table)
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table)
        args.output.with_suffix(".json").write_text(json.dumps(report.raw(), indent=1) + "\n")
    except OSError as error:
        print(f"serving.py: error: cannot write the results: {error}", file=sys.stderr)
        return 2
    print(f"\nwritten to {args.output} and {args.output.with_suffix('.json').name}", file=sys.stderr)
    return 1 if report.has_failures() else 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="serving.py", description=__doc__.split("\n\n")[0])
    keys = [spec.key for spec in serving_servers.SERVERS]
    parser.add_argument(
        "--servers",
        type=_choices(keys),
        default=list(serving_servers.DEFAULT_SERVERS),
        help=f"comma list of {','.join(keys)} (default {','.join(serving_servers.DEFAULT_SERVERS)})",
    )
    parser.add_argument("--transports", type=_choices(TRANSPORTS), default=list(TRANSPORTS), help="rest,grpc")
    parser.add_argument("--payloads", type=_choices(("small", "large")), default=["small", "large"])
    parser.add_argument("--concurrency", type=_positive_ints, default=[1, 16], help="comma list (default 1,16)")
    parser.add_argument("--seconds", type=int, default=5, help="timed seconds per cell (default 5)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed seconds before each cell (default 2)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per cell, the median is shown (default 1)")
    parser.add_argument(
        "--ours-args",
        type=shlex.split,
        default=[],
        metavar="ARGS",
        help="extra seldon-microservice arguments, e.g. '--workers 2' (default none: its defaults, as issue 3 asks)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="VENV",
        help="also run the seldon-microservice of this virtualenv (another checkout's build) in the same turns",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=BENCH_NICENESS,
        help=f"niceness of the servers and load generators, if allowed (default {BENCH_NICENESS}; 0 to leave it)",
    )
    parser.add_argument("--output", type=Path, default=serving_servers.BENCH / "results" / "serving.md")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or args.repeat < 1:
        parser.error("--seconds and --repeat must be positive and --warmup not negative")
    return args


def raise_priority(niceness: int) -> str:
    """Run this process and every server and load generator it starts at `niceness`; say what was done.

    On a shared machine, background jobs then take less of the CPU the servers compete for; every server gets
    the same treatment. Lowering niceness below 0 needs root; without it the run goes on at normal priority.
    """
    if niceness == 0:
        return "normal priority"
    try:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
    except PermissionError:
        return f"normal priority (niceness {niceness} not allowed for this user)"
    return f"niceness {niceness} for servers and load generators"


def benchmark(
    contenders: list[Contender], payloads: list[Payload], args: argparse.Namespace, report: serving_report.Report
) -> None:
    if not contenders:
        return
    for transport in args.transports:
        for payload in payloads:
            for concurrency in args.concurrency:
                results = time_cell(contenders, transport, payload, concurrency, args)
                for key, result in results.items():
                    report.cells[(key, transport, payload.key, concurrency)] = result
                    print(
                        f"    {key} {transport} {payload.key} c={concurrency}: {serving_report.brief(result)}",
                        file=sys.stderr,
                        flush=True,
                    )
    for contender in contenders:
        try:
            for payload in payloads:
                validate(contender.server, payload, contender.bodies[payload.key], args.transports, first=False)
        except ValidationError as error:
            report.server_failed(contender.spec, f"wrong answer after timing: {error}")


@dataclass
class Contender:
    """A started server that answered correctly, with the bodies it gets."""

    spec: ServerSpec
    server: RunningServer
    bodies: dict[str, Bodies]


def start_contenders(
    specs: list[ServerSpec],
    payloads: list[Payload],
    args: argparse.Namespace,
    scratch: Path,
    report: serving_report.Report,
) -> list[Contender]:
    """Start every server and check its answers; the ones that fail are reported and left out."""
    contenders = []
    for spec in specs:
        if (why := spec.missing()) is not None:
            report.server_failed(spec, f"not run: {why}")
            print(f"--> {spec.label}: not run: {why}", file=sys.stderr)
            continue
        workdir = scratch / spec.key
        workdir.mkdir()
        print(f"--> {spec.label}: starting", file=sys.stderr, flush=True)
        try:
            server = serving_servers.start(spec, workdir, args.ours_args if spec.key == "ours" else ())
        except ServerError as error:
            report.server_failed(spec, f"did not start: {error}")
            print(f"--> {spec.label}: did not start: {error}", file=sys.stderr)
            continue
        try:
            bodies = {}
            for payload in payloads:
                written = write_bodies(spec, payload, workdir)
                bodies[payload.key] = validate(server, payload, written, args.transports, first=True)
        except ValidationError as error:
            server.stop()
            report.server_failed(spec, f"wrong answer before timing: {error}")
            print(f"--> {spec.label}: wrong answer: {error}", file=sys.stderr)
            continue
        report.versions[spec.key] = serving_report.server_version(spec.key)
        contenders.append(Contender(spec, server, bodies))
    return contenders


def time_cell(
    contenders: list[Contender], transport: str, payload: Payload, concurrency: int, args: argparse.Namespace
) -> dict[str, LoadResult | str]:
    """Time one cell for every server, taking turns, so that a drift of the machine's speed hits all of them.

    Each server gets its warm-up in the first round (which also sets how long its runs last); every timed run
    starts once all servers are idle; each round starts with the next server. A failure becomes the cell's text.
    """
    all_sessions = [session for contender in contenders for session in contender.server.session_ids]
    seconds: dict[str, int] = {}
    runs: dict[str, list[LoadResult]] = {contender.spec.key: [] for contender in contenders}
    failures: dict[str, str] = {}
    for round_index in range(args.repeat):
        shift = round_index % len(contenders)
        for contender in contenders[shift:] + contenders[:shift]:
            key = contender.spec.key
            if key in failures:
                continue
            try:
                if round_index == 0:
                    seconds[key] = args.seconds
                    if args.warmup > 0:
                        warmup = _load(contender, transport, payload, concurrency, args.warmup)
                        seconds[key] = steady_state_seconds(warmup, concurrency, args.seconds)
                # Requests a previous run left in flight are still being served: let every server finish them.
                serving_load.wait_until_idle(all_sessions)
                run = functools.partial(_load, contender, transport, payload, concurrency, seconds[key])
                runs[key].append(serving_load.measure_cpu(contender.server.session_ids, run))
            except LoadToolError as error:
                failures[key] = f"failed: {error}"
            if (why := contender.server.exited()) is not None:
                failures[key] = f"server {why.splitlines()[0]}"
    # The median run by throughput, with its own latencies, so every number in a row comes from one run.
    return {
        key: failures.get(key) or sorted(results, key=lambda result: result.requests_per_second)[len(results) // 2]
        for key, results in runs.items()
    }


def _load(contender: Contender, transport: str, payload: Payload, concurrency: int, seconds: int) -> LoadResult:
    server, bodies = contender.server, contender.bodies[payload.key]
    if transport == "rest":
        return serving_load.run_rest(
            server.rest_url(), bodies.rest, bodies.rest_content_type, concurrency, seconds, bodies.rest_headers
        )
    log = bodies.grpc.with_suffix(".h2load.log")
    return serving_load.run_grpc(server.grpc_url(), bodies.grpc, concurrency, seconds, bodies.grpc_answer_bytes, log)


def write_bodies(spec: ServerSpec, payload: Payload, workdir: Path) -> Bodies:
    if spec.protocol == "seldon":
        rest, message = serving_payloads.seldon_json(payload), serving_payloads.seldon_proto(payload)
    else:
        rest = serving_payloads.v2_json(payload)
        message = serving_payloads.v2_proto(payload, serving_servers.MLSERVER_MODEL)
    rest_path, grpc_path = workdir / f"{payload.key}.json", workdir / f"{payload.key}.grpc"
    rest_path.write_bytes(rest)
    grpc_path.write_bytes(serving_payloads.grpc_frame(message))
    return Bodies(rest_path, "application/json", grpc_path)


def validate(server: RunningServer, payload: Payload, bodies: Bodies, transports: Sequence[str], first: bool) -> Bodies:
    """Send the payload once per transport with a real client; return `bodies` with the gRPC answer size."""
    v2 = server.spec.protocol == "v2"
    answer_bytes = bodies.grpc_answer_bytes
    if "rest" in transports:
        answer = _post(server, bodies, FIRST_ANSWER_SECONDS if first else 0)
        check = serving_payloads.v2_json_mismatch if v2 else serving_payloads.seldon_json_mismatch
        if (mismatch := check(payload, answer)) is not None:
            raise ValidationError(f"REST {payload.label}: {mismatch}")
    if "grpc" in transports:
        message = bodies.grpc.read_bytes()[5:]
        options = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
        with grpc.insecure_channel(f"127.0.0.1:{server.ports.grpc}", options=options) as channel:
            call: grpc.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(server.spec.grpc_path)
            try:
                reply: bytes = call(message, timeout=60, wait_for_ready=first)
            except grpc.RpcError as error:
                raise ValidationError(f"gRPC {payload.label}: {error.code().name} {error.details()}") from error
        check = serving_payloads.v2_proto_mismatch if v2 else serving_payloads.seldon_proto_mismatch
        if (mismatch := check(payload, reply)) is not None:
            raise ValidationError(f"gRPC {payload.label}: {mismatch}")
        answer_bytes = len(serving_payloads.grpc_frame(reply))
    return Bodies(bodies.rest, bodies.rest_content_type, bodies.grpc, answer_bytes, bodies.rest_headers)


def _post(server: RunningServer, bodies: Bodies, retry_seconds: float) -> bytes:
    request = urllib.request.Request(
        server.rest_url(), data=bodies.rest.read_bytes(), headers={"Content-Type": bodies.rest_content_type}
    )
    deadline = time.monotonic() + retry_seconds
    while True:
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as error:
            problem = f"HTTP {error.code}: {error.read()[:300]!r}"
        except OSError as error:
            problem = str(error)
        if time.monotonic() > deadline or server.exited():
            raise ValidationError(f"REST: {problem}")
        time.sleep(0.5)


def steady_state_seconds(warmup: LoadResult, concurrency: int, minimum: int) -> int:
    """How long to time a cell so that each connection completes STEADY_ROUNDS requests.

    A timed run starts with all connections sending at once; the first round of answers comes back faster than
    the steady state (the first in the queue waits for nobody). Ten rounds keep that round under a tenth of the
    samples. Latency per round comes from the warm-up, by Little's law: concurrency / throughput.
    """
    if warmup.requests_per_second <= 0:
        return MAX_CELL_SECONDS
    round_seconds = concurrency / warmup.requests_per_second
    return max(minimum, min(MAX_CELL_SECONDS, math.ceil(STEADY_ROUNDS * round_seconds)))


def _choices(allowed: Sequence[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        chosen = [item.strip() for item in text.split(",") if item.strip()]
        unknown = [item for item in chosen if item not in allowed]
        if unknown or not chosen:
            raise argparse.ArgumentTypeError(f"choose from {','.join(allowed)} (got {text!r})")
        return chosen

    return parse


def _positive_ints(text: str) -> list[int]:
    try:
        values = [int(item) for item in text.split(",")]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, got {text!r}")
    return values


if __name__ == "__main__":
    sys.exit(main())
