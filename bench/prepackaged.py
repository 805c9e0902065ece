"""Latency each prepackaged component adds, at batch 1 and batch 1,000 rows (p50), against identity nodes.

    .venv/bin/python bench/prepackaged.py            # ~2 min on 2 cores
    .venv/bin/python bench/prepackaged.py --requests 2000 --output bench/results/components.md

Two measurements per component and batch size:
- in-process: the component's method called as the wrapper calls it (decoded numpy in), p50 of many calls,
  minus the p50 of an identity method of the same kind (route -> 0, aggregate -> first input, transform -> X);
- REST: one ``seldon-microservice`` per component (its defaults, gRPC off) and one per identity node, a client
  on one keep-alive connection posting the same body one request at a time; p50 of the component's server
  minus p50 of the identity server of the same service type. The two servers are called alternately, so a
  drift of the machine's speed during the run does not favour either.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import seldon_s2i.components as components

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
FEATURES = 4
CLASSES = 3
INPUTS = 3  # children of a combiner
BATCHES = (1, 1000)
WINDOW = 500  # the drift detector's default window_size


@dataclass(frozen=True)
class Case:
    label: str
    class_name: str  # in seldon_s2i.components
    kind: str  # ROUTER, COMBINER, TRANSFORMER
    parameters: dict[str, Any]
    method: str = ""  # "feedback" for a bandit's send_feedback; else the kind's method


def cases(data: Path) -> list[Case]:
    reference = str(data / "reference.npy")
    return [
        Case("ABTest", "ABTest", "ROUTER", {"weights": "0.5,0.3,0.2"}),
        Case("EpsilonGreedy (state file)", "EpsilonGreedy", "ROUTER", {"n_branches": 3, "state_path": str(data / "eg.json")}),
        Case("ThompsonSampling (state file)", "ThompsonSampling", "ROUTER", {"n_branches": 3, "state_path": str(data / "ts.json")}),
        Case("EpsilonGreedy feedback (state file)", "EpsilonGreedy", "ROUTER", {"n_branches": 3, "state_path": str(data / "egf.json")}, "feedback"),
        Case("EpsilonGreedy feedback (in memory)", "EpsilonGreedy", "ROUTER", {"n_branches": 3}, "feedback"),
        Case("Mean (3 inputs)", "Mean", "COMBINER", {}),
        Case("WeightedMean (3 inputs)", "WeightedMean", "COMBINER", {"weights": "1,2,3"}),
        Case("MajorityVote (3 inputs)", "MajorityVote", "COMBINER", {}),
        Case("SoftVote (3 inputs)", "SoftVote", "COMBINER", {"weights": "1,2,3"}),
        Case("StandardScaler", "StandardScaler", "TRANSFORMER", {"mean": "1,2,3,4", "std": "1,2,3,4"}),
        Case("MahalanobisOutlierDetector", "MahalanobisOutlierDetector", "TRANSFORMER", {"reference_path": reference}),
        Case("KSDriftDetector (window 500)", "KSDriftDetector", "TRANSFORMER", {"reference_path": reference}),
    ]


# ---- what is sent ------------------------------------------------------------------------------------------
def rows(batch: int, width: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, width)).round(4)


def body(case: Case, batch: int) -> dict[str, Any]:
    if case.method == "feedback":
        response = {"meta": {"routing": {"bench": 1}}, "data": {"ndarray": [[0.0]]}}
        return {"request": {"data": {"ndarray": rows(batch, FEATURES).tolist()}}, "response": response, "reward": 1.0}
    if case.kind == "COMBINER":
        names = [f"class{i}" for i in range(CLASSES)]
        messages = [{"data": {"names": names, "ndarray": rows(batch, CLASSES, i).tolist()}} for i in range(INPUTS)]
        return {"seldonMessages": messages}
    return {"data": {"names": list("abcd"), "ndarray": rows(batch, FEATURES).tolist()}}


def path(case: Case) -> str:
    if case.method == "feedback":
        return "/send-feedback"
    return {"ROUTER": "/route", "COMBINER": "/aggregate", "TRANSFORMER": "/transform-input"}[case.kind]


# ---- in-process ----------------------------------------------------------------------------------------------
def in_process_call(case: Case, instance: Any, batch: int) -> Callable[[], Any]:
    names = list("abcd")
    if case.method == "feedback":
        X = rows(batch, FEATURES)
        return lambda: instance.send_feedback(X, names, 1.0, None, routing=1)
    if case.kind == "ROUTER":
        X = rows(batch, FEATURES)
        return lambda: instance.route(X, names)
    if case.kind == "COMBINER":
        inputs = [rows(batch, CLASSES, i) for i in range(INPUTS)]
        input_names = [[f"class{i}" for i in range(CLASSES)]] * INPUTS
        return lambda: instance.aggregate(inputs, input_names)
    X = rows(batch, FEATURES)
    return lambda: instance.transform_input(X, names)


def identity_call(case: Case, batch: int) -> Callable[[], Any]:
    X = rows(batch, FEATURES)
    if case.kind == "ROUTER":
        return lambda: (lambda features, names: 0)(X, [])
    if case.kind == "COMBINER":
        inputs = [rows(batch, CLASSES, i) for i in range(INPUTS)]
        return lambda: (lambda features_list, names_list: features_list[0])(inputs, [])
    return lambda: (lambda features, names: features)(X, [])


def p50_seconds(call: Callable[[], Any], seconds: float) -> float:
    for _ in range(20):
        call()
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 50:
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return float(np.median(samples))


# ---- servers -----------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    connection: http.client.HTTPConnection | None = None

    def post(self, route: str, payload: bytes) -> float:
        try:
            return self._post(route, payload)
        except (ConnectionError, http.client.HTTPException):  # an idle keep-alive connection the server closed
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            self._post(route, payload)
            return self._post(route, payload)

    def _post(self, route: str, payload: bytes) -> float:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        start = time.perf_counter()
        self.connection.request("POST", route, payload, {"Content-Type": "application/json"})
        answer = self.connection.getresponse()
        content = answer.read()
        elapsed = time.perf_counter() - start
        if answer.status != 200:
            raise RuntimeError(f"{route} answered {answer.status}: {content[:300]!r}")
        return elapsed


@contextmanager
def serving(interface: str, kind: str, parameters: dict[str, Any], workdir: Path) -> Iterator[Server]:
    port = free_port()
    typed = [{"name": k, "value": str(v), "type": "INT" if isinstance(v, int) else "STRING"} for k, v in parameters.items()]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREDICTIVE_UNIT_", "GUNICORN_", "GRPC_", "SELDON_"))}
    env.update({"PREDICTIVE_UNIT_PARAMETERS": json.dumps(typed), "PREDICTIVE_UNIT_ID": "bench"})
    command = [str(BIN / "seldon-microservice"), interface, "--service-type", kind, "--host", "127.0.0.1"]
    command += ["--http-port", str(port), "--metrics-port", str(free_port()), "--grpc-workers", "0"]
    log = (workdir / f"{interface}-{port}.log").open("wb")
    process = subprocess.Popen(command, cwd=HERE / "components", stdout=log, stderr=subprocess.STDOUT, env=env)
    server = Server(port, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{interface} exited: {(workdir / log.name).read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{interface} did not start") from None
                time.sleep(0.1)
        yield server
    finally:
        if server.connection is not None:
            server.connection.close()
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


Target = tuple[Server, str, bytes]  # server, path, body


def rest_p50s(targets: tuple[Target, Target], requests: int) -> tuple[float, float]:
    """p50 of two targets called alternately (the order flipping each time), so drift hits both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for server, route, payload in targets:
        for _ in range(5):  # warm-up: connection, caches
            server.post(route, payload)
    for index in range(requests):
        for which in (0, 1) if index % 2 == 0 else (1, 0):
            server, route, payload = targets[which]
            samples[which].append(server.post(route, payload))
    return float(np.median(samples[0])), float(np.median(samples[1]))


def identity_target(case: Case, identity: Server, batch: int) -> Target:
    """The identity node of the case's kind, with the same request (a bandit's feedback: against a route)."""
    if case.method == "feedback":
        return identity, "/route", json.dumps(body(Case("", "", "ROUTER", {}), batch)).encode()
    return identity, path(case), json.dumps(body(case, batch)).encode()


# ---- the run -----------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000, help="REST requests per server at batch 1 (3/10 at 1,000)")
    parser.add_argument("--seconds", type=float, default=1.0, help="in-process timing per method and batch")
    parser.add_argument("--output", type=Path, help="also write the table (markdown) to this file")
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-components-") as folder:
        workdir = Path(folder)
        np.save(workdir / "reference.npy", np.random.default_rng(0).normal(size=(2000, FEATURES)))
        lines = [
            "| component | in-process added, batch 1 | in-process added, batch 1,000 | REST added, batch 1 (p50 ours / identity) | REST added, batch 1,000 (p50 ours / identity) |",
            "|---|---:|---:|---:|---:|",
        ]
        with serving("identity_nodes.IdentityRouter", "ROUTER", {}, workdir) as router, serving(
            "identity_nodes.IdentityCombiner", "COMBINER", {}, workdir
        ) as combiner, serving("identity_nodes.IdentityTransformer", "TRANSFORMER", {}, workdir) as transformer:
            identities = {"ROUTER": router, "COMBINER": combiner, "TRANSFORMER": transformer}
            for case in cases(workdir):
                instance = getattr(components, case.class_name)(**case.parameters)
                if case.class_name == "KSDriftDetector":  # a full window, so every call runs the tests
                    instance.transform_input(rows(WINDOW, FEATURES), list("abcd"))
                cells_local, cells_rest = [], []
                for batch in BATCHES:
                    added = p50_seconds(in_process_call(case, instance, batch), options.seconds)
                    added -= p50_seconds(identity_call(case, batch), options.seconds)
                    cells_local.append(_micro(added))
                with serving(f"seldon_s2i.components.{case.class_name}", case.kind, case.parameters, workdir) as server:
                    if case.class_name == "KSDriftDetector":
                        server.post(path(case), json.dumps({"data": {"ndarray": rows(WINDOW, FEATURES).tolist()}}).encode())
                    for batch in BATCHES:
                        requests = options.requests if batch == 1 else max(10, options.requests * 3 // 10)
                        target = (server, path(case), json.dumps(body(case, batch)).encode())
                        baseline_target = identity_target(case, identities[case.kind], batch)
                        ours, identity = rest_p50s((target, baseline_target), requests)
                        cells_rest.append(f"{_signed(ours - identity)} ({_micro(ours)} / {_micro(identity)})")
                lines.append(f"| {case.label} | {' | '.join(cells_local)} | {' | '.join(cells_rest)} |")
                print(lines[-1], flush=True)
    table = "\n".join(lines)
    print()
    print(table)
    if options.output:
        options.output.write_text(table + "\n")
    return 0


def _signed(seconds: float) -> str:
    text = _micro(seconds)
    return text if text.startswith("-") else f"+{text}"


def _micro(seconds: float) -> str:
    micro = seconds * 1e6
    return f"{micro:,.0f} µs" if abs(micro) < 10_000 else f"{micro / 1000:,.1f} ms"


if __name__ == "__main__":
    sys.exit(main())
