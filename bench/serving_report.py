"""The serving benchmark's one table: results of every cell, the ratios ours/competitor, notes and target verdicts.

bench/serving.py fills a `Report` while it runs and renders it once at the end (Markdown, printed and written to
bench/results/serving.md; `raw()` is the JSON written next to it).
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from typing import Any

from bench import serving_payloads
from bench.serving_load import LoadResult
from bench.serving_payloads import Payload
from bench.serving_servers import SIDE_VENVS, ServerSpec

CellKey = tuple[str, str, str, int]  # server key, transport, payload key, concurrency
TRANSPORT_LABELS = {"rest": "REST", "grpc": "gRPC"}
# Issue 3's targets for ours at concurrency 16: minimum req/s ratio against seldon-core, per transport and payload.
SELDON_CORE_TARGETS = {("rest", "small"): 3.0, ("grpc", "small"): 2.0, ("rest", "large"): 5.0, ("grpc", "large"): 5.0}
TARGET_CONCURRENCY = 16


@dataclass
class Report:
    payloads: list[Payload]
    specs: list[ServerSpec]
    concurrencies: list[int]
    seconds: float
    warmup: float
    repeat: int
    cells: dict[CellKey, LoadResult | str] = field(default_factory=dict)
    server_problems: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    wall_seconds: float = 0.0
    priority: str = "normal priority"
    extra_args: dict[str, list[str]] = field(default_factory=dict)  # server key -> arguments added to its command

    def server_failed(self, spec: ServerSpec, problem: str) -> None:
        self.server_problems[spec.key] = problem

    def has_failures(self) -> bool:
        cell_failed = any(isinstance(result, str) or result.failed for result in self.cells.values())
        return bool(self.server_problems) or cell_failed

    def render(self) -> str:
        lines = [f"# Serving benchmark ({datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC)", ""]
        lines += [*self._notes(), ""]
        lines += [*self._table(), ""]
        lines += self._verdicts()
        return "\n".join(lines) + "\n"

    def raw(self) -> dict[str, Any]:
        cells = []
        for (server, transport, payload, concurrency), result in self.cells.items():
            entry: dict[str, Any] = {
                "server": server,
                "transport": transport,
                "payload": payload,
                "concurrency": concurrency,
            }
            if isinstance(result, str):
                entry["error"] = result
            else:
                entry |= asdict(result) | {"requests_per_second": result.requests_per_second}
            cells.append(entry)
        return {
            "cells": cells,
            "server_problems": self.server_problems,
            "versions": self.versions,
            "seconds": self.seconds,
            "warmup": self.warmup,
            "repeat": self.repeat,
            "priority": self.priority,
            "extra_args": self.extra_args,
        }

    # ---------------------------------------------------------------------------------------- parts

    def _notes(self) -> list[str]:
        machine = (
            f"{os.cpu_count()} CPUs ({_cpu_model()}), Linux {platform.release()}, Python {platform.python_version()}"
        )
        lines = [
            f"Machine: {machine}. Everything on 127.0.0.1, {self.priority}; total wall time "
            f"{self.wall_seconds / 60:.1f} min. All servers are started first and wait idle (under 1 % of a core) "
            "while the others are timed; for each cell they take turns, so a drift in the machine's speed over the "
            "run does not favour any of them.",
            f"Each cell: {self.warmup:g} s warm-up (discarded), a wait until every server is idle, then {self._timed()}, "
            "closed loop with `c` "
            "connections each keeping one request in flight. REST: `wrk -t1` (latency histogram). gRPC: `h2load -t1 "
            "-m1` (p50/p99 from its per-request log). Tools: "
            + ", ".join(f"{tool} {tool_version(tool)}" for tool in ("wrk", "h2load"))
            + ".",
            "Correctness: before and after its cells, every server gets each payload once per transport from a real "
            "client (urllib, grpcio) and must answer the identity of the request. `failed` counts non-2xx, socket "
            "errors and timeouts (REST) and calls without a full answer body (gRPC: h2load cannot read grpc-status; "
            "a failed call is answered without DATA, so received DATA bytes / correct answer size = answered calls).",
            "CPU columns: cores used during the timed run by all processes of the server, by the load generator, and by "
            f"everything else on the machine; where the three add up to about the {os.cpu_count()} cores, the server "
            "competed with background work for CPU (the numbers are then low: rerun that cell).",
            "Payloads: " + "; ".join(_payload_note(payload) for payload in self.payloads) + ". MLServer gets the "
            "equivalent Open Inference (v2) request: one FP64 input of the same shape (JSON `data`, gRPC "
            "`fp64_contents`).",
            *self._lengthened(),
            "",
            "| server | version | settings |",
            "|---|---|---|",
        ]
        for spec in self.specs:
            settings = spec.settings()
            if spec.key in self.extra_args:
                settings = f"**not its defaults**: `{' '.join(self.extra_args[spec.key])}` added to the command"
            if spec.key in self.server_problems:
                settings += f" — **{self.server_problems[spec.key].splitlines()[0][:300]}**"
            lines.append(f"| {spec.label} | {self.versions.get(spec.key, '?')} | {settings} |")
        return lines

    def _lengthened(self) -> list[str]:
        """Cells timed longer than asked, so every connection completed ten requests (see serving.py)."""
        longer = [
            f"{spec} {TRANSPORT_LABELS[transport]} {payload} c={concurrency} ({result.seconds:.0f} s)"
            for (spec, transport, payload, concurrency), result in self.cells.items()
            if isinstance(result, LoadResult) and result.seconds > self.seconds * 1.5
        ]
        if not longer:
            return []
        return [
            "Slow cells are timed longer, until each connection completed 10 requests (up to 60 s), so their "
            "latencies describe the steady state rather than the first burst: " + ", ".join(longer) + "."
        ]

    def _timed(self) -> str:
        if self.repeat == 1:
            return f"{self.seconds:g} s timed"
        return (
            f"{self.repeat} timed runs of {self.seconds:g} s, one per round of turns (the row shows the run with "
            "the median req/s)"
        )

    def _table(self) -> list[str]:
        header = (
            "transport",
            "payload",
            "c",
            "server",
            "req/s",
            "p50 ms",
            "p99 ms",
            "failed",
            "server CPU",
            "client CPU",
            "other CPU",
            "ours ÷ seldon-core",
            "ours ÷ MLServer",
            "ours ÷ bare",
        )
        lines = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---:" if i > 3 else "---" for i in range(len(header))) + "|",
        ]
        transports = list(dict.fromkeys(key[1] for key in self.cells))
        for transport in transports:
            for payload in self.payloads:
                for concurrency in self.concurrencies:
                    for spec in self.specs:
                        key = (spec.key, transport, payload.key, concurrency)
                        if key not in self.cells:
                            continue
                        prefix = [TRANSPORT_LABELS[transport], payload.label, str(concurrency), spec.label]
                        lines.append("| " + " | ".join(prefix + self._measures(key)) + " |")
        if len(lines) == 2:
            lines.append("| no cell was measured |" + " |" * (len(header) - 1))
        return lines

    def _measures(self, key: CellKey) -> list[str]:
        result = self.cells[key]
        if isinstance(result, str):
            return [result.replace("|", "/").replace("\n", " ")[:200]] + [""] * 9
        ratios = ["", "", ""]
        if key[0] in ("ours", "baseline"):
            ratios = [_ratio_text(self.ratio(key, competitor)) for competitor in ("seldon-core", "mlserver", "bare")]
        return [
            _rate(result.requests_per_second),
            _ms(result.p50_ms),
            _ms(result.p99_ms),
            str(result.failed),
            f"{result.server_cores:.2f}",
            f"{result.client_cores:.2f}",
            f"{result.other_cores:.2f}",
            *ratios,
        ]

    def ratio(self, ours_key: CellKey, competitor: str) -> float | None:
        ours, theirs = self.cells.get(ours_key), self.cells.get((competitor, *ours_key[1:]))
        if not isinstance(ours, LoadResult) or not isinstance(theirs, LoadResult) or not theirs.requests_per_second:
            return None
        return ours.requests_per_second / theirs.requests_per_second

    def _verdicts(self) -> list[str]:
        lines = [f"Issue 3 targets for ours at c={TARGET_CONCURRENCY} (req/s ratios):"]
        for (transport, payload), minimum in SELDON_CORE_TARGETS.items():
            key = ("ours", transport, payload, TARGET_CONCURRENCY)
            label = f"{TRANSPORT_LABELS[transport]} {payload}"
            lines.append(
                f"- {label}: >= {minimum:g}x seldon-core: {_verdict(self.ratio(key, 'seldon-core'), minimum)}; "
                f"ahead of MLServer: {_verdict(self.ratio(key, 'mlserver'), 1.0)}"
            )
        return lines


def brief(result: LoadResult | str) -> str:
    if isinstance(result, str):
        return result
    return (
        f"{_rate(result.requests_per_second)} req/s, p50 {_ms(result.p50_ms)} ms, p99 {_ms(result.p99_ms)} ms, "
        f"failed {result.failed}, server CPU {result.server_cores:.2f}"
    )


def tool_version(tool: str) -> str | None:
    try:
        done = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return None
    words = (done.stdout + done.stderr).split()
    # "wrk debian/4.1.0-3+b2 [epoll] ..." and "h2load nghttp2/1.52.0"
    return words[1] if len(words) > 1 else "?"


def server_version(server_key: str) -> str:
    if server_key == "ours":
        return f"seldon-s2i {_version('seldon-s2i')}, granian {_version('granian')}, grpcio {_version('grpcio')}"
    if server_key == "baseline":
        return "another build of seldon-s2i (--baseline), granian and grpcio of its virtualenv"
    if server_key == "bare":
        return f"Flask {_version('flask')}, granian {_version('granian')}, grpcio {_version('grpcio')}"
    if server_key == "bare-gunicorn":
        return f"Flask {_version('flask')}, gunicorn {_version('gunicorn')}, grpcio {_version('grpcio')}"
    distribution = {"seldon-core": "seldon-core", "mlserver": "mlserver"}[server_key]
    python = SIDE_VENVS / distribution / "bin" / "python"
    script = "import importlib.metadata as m, sys; print(' '.join(m.version(d) for d in sys.argv[1:]))"
    companions = {"seldon-core": ["seldon-core", "gunicorn", "grpcio"], "mlserver": ["mlserver", "uvicorn", "grpcio"]}
    names = companions[server_key]
    done = subprocess.run([python, "-c", script, *names], capture_output=True, text=True, check=False)
    versions = done.stdout.split()
    return ", ".join(f"{name} {version}" for name, version in zip(names, versions, strict=False)) or "?"


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo").read().splitlines():  # noqa: SIM115 - tiny read-only file
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _payload_note(payload: Payload) -> str:
    json_size, proto_size = len(serving_payloads.seldon_json(payload)), len(serving_payloads.seldon_proto(payload))
    return (
        f"{payload.label} = Seldon `data.{payload.seldon_kind}`, {_size(json_size)} JSON / {_size(proto_size)} protobuf"
    )


def _size(size: int) -> str:
    return f"{size} B" if size < 10_000 else f"{size / 1e6:.2f} MB"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _ms(value: float) -> str:
    return f"{value:.3g}" if value < 1000 else f"{value:,.0f}"


def _ratio_text(ratio: float | None) -> str:
    return "" if ratio is None else f"{ratio:.2f}x"


def _verdict(ratio: float | None, minimum: float) -> str:
    if ratio is None:
        return "not measured"
    return f"{'met' if ratio >= minimum else 'MISSED'} ({ratio:.2f}x)"
