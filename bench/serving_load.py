"""Load generation for the serving benchmark: wrk for REST, h2load for gRPC, and CPU accounting.

Both tools are C programs, so the client costs little of the CPU the servers compete for. Each run is a
closed loop: `concurrency` connections, each with one request in flight. bench/serving.py calls
`run_rest` and `run_grpc` for every cell, after a warm-up run of the same shape whose numbers are thrown away.
"""

from __future__ import annotations

import dataclasses
import os
import re
import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_post.lua"
# Generous request timeout: a slow server must show up as high latency, not as dropped requests.
REQUEST_TIMEOUT_SECONDS = 60
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class LoadToolError(RuntimeError):
    """A load generator failed or printed something this module cannot read."""


@dataclass(frozen=True)
class LoadResult:
    """What one timed run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    failed: int  # requests without a valid answer (HTTP status, socket error, timeout, gRPC error)
    client_cores: float  # CPU the load generator used, in cores (1.0 = one core busy all the time)
    server_cores: float = 0.0
    other_cores: float = 0.0  # CPU used by everything else on the machine meanwhile: noise if well above 0

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_rest(
    url: str, body: Path, content_type: str, concurrency: int, seconds: int, headers: Sequence[str] = ()
) -> LoadResult:
    """Time POSTs of ``body`` with wrk; ``headers`` are extra "Name: value" request headers."""
    command = [
        "wrk",
        "-t",
        "1",
        "-c",
        str(concurrency),
        "-d",
        f"{seconds}s",
        "--timeout",
        f"{REQUEST_TIMEOUT_SECONDS}s",
        "-s",
        str(WRK_SCRIPT),
        url,
        "--",
        str(body),
        content_type,
        *headers,
    ]
    output, client_cpu = _run_tool(command, seconds)
    match = re.search(r"^WRK_RESULT (.*)$", output, re.MULTILINE)
    if not match:
        raise LoadToolError(f"wrk printed no result line: {output[-300:]}")
    fields = {key: int(value) for key, value in (item.split("=") for item in match.group(1).split())}
    elapsed = fields["duration_us"] / 1e6
    return LoadResult(
        requests=fields["requests"],
        seconds=elapsed,
        p50_ms=fields["p50_us"] / 1000,
        p99_ms=fields["p99_us"] / 1000,
        failed=fields["status_errors"] + fields["socket_errors"] + fields["timeouts"],
        client_cores=client_cpu / elapsed if elapsed else 0.0,
    )


def run_grpc(url: str, framed_body: Path, concurrency: int, seconds: int, answer_bytes: int, log: Path) -> LoadResult:
    """Time unary gRPC calls with h2load.

    h2load speaks HTTP/2 but not gRPC: it sees the HTTP status (always 200 from a gRPC server) and never the
    grpc-status trailer. A failed call is answered trailers-only, without a body, so the bytes of DATA received
    tell how many calls got a real answer: `answer_bytes` is the framed size of the correct answer.
    """
    command = [
        "h2load",
        "-t",
        "1",
        "-c",
        str(concurrency),
        "-m",
        "1",
        "-D",
        str(seconds),
        "-d",
        str(framed_body),
        "-H",
        "content-type: application/grpc",
        "-H",
        "te: trailers",
        "--log-file",
        str(log),
        url,
    ]
    log.unlink(missing_ok=True)  # h2load appends to an existing log
    output, client_cpu = _run_tool(command, seconds)
    done = re.search(
        r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout",
        output,
    )
    traffic = re.search(r"traffic: .*?, (?:.*?) headers .*?, .*?\((\d+)\) data", output)
    if not done or not traffic:
        raise LoadToolError(f"h2load printed no summary: {output[-300:]}")
    completed, succeeded = int(done.group(1)), int(done.group(2))
    answered = min(succeeded, int(traffic.group(1)) // answer_bytes) if answer_bytes else succeeded
    latencies_us = sorted(int(line.split("\t")[2]) for line in log.read_text().splitlines() if line.strip())
    if not latencies_us:
        raise LoadToolError("h2load logged no request")
    return LoadResult(
        requests=completed,
        seconds=float(seconds),
        p50_ms=_percentile(latencies_us, 50) / 1000,
        p99_ms=_percentile(latencies_us, 99) / 1000,
        failed=completed - answered,
        client_cores=client_cpu / seconds,
    )


def measure_cpu(session_ids: Sequence[int], run: Callable[[], LoadResult]) -> LoadResult:
    """Run `run`; add the CPU, in cores, of the server's processes and of everything else on the machine."""
    server_before, machine_before, started = session_cpu_seconds(session_ids), machine_busy_seconds(), time.monotonic()
    result = run()
    elapsed = time.monotonic() - started
    server = session_cpu_seconds(session_ids) - server_before
    machine = machine_busy_seconds() - machine_before
    client = result.client_cores * result.seconds
    return dataclasses.replace(
        result, server_cores=server / elapsed, other_cores=max(0.0, machine - server - client) / elapsed
    )


def wait_until_idle(session_ids: Sequence[int], timeout: float = 120.0) -> None:
    """Return once the server's processes have used under 5 % of a core for 0.3 s (or after `timeout`)."""
    deadline = time.monotonic() + timeout
    used = session_cpu_seconds(session_ids)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = session_cpu_seconds(session_ids)
        if now - used < 0.015:
            return
        used = now


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling and waiting for I/O (first line of /proc/stat)."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(tick) for tick in stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def session_cpu_seconds(session_ids: Sequence[int]) -> float:
    """User + system CPU of the live processes in these sessions (every server process starts its own)."""
    total_ticks = 0
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = stat_file.read_text()
        except OSError:  # the process ended while we looked
            continue
        # Fields after the parenthesised command name: state ppid pgrp session ... utime(14) stime(15).
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) in session_ids:
            total_ticks += int(fields[11]) + int(fields[12])
    return total_ticks / CLOCK_TICKS


def _run_tool(command: Sequence[str], seconds: float) -> tuple[str, float]:
    """Run a load generator; return its output and the CPU seconds it used."""
    # The tool is the only child reaped while it runs, so the growth of RUSAGE_CHILDREN is its CPU.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + REQUEST_TIMEOUT_SECONDS + 30, check=False
        )
    except FileNotFoundError as error:
        raise LoadToolError(f"{command[0]} is not installed (scripts/setup-dev installs it)") from error
    except subprocess.TimeoutExpired as error:
        raise LoadToolError(f"{command[0]} did not finish in time") from error
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise LoadToolError(f"{command[0]} exited with {completed.returncode}: {output[-300:].strip()}")
    return output, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _percentile(sorted_values: Sequence[int], percent: float) -> float:
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    # "inclusive" interpolates between samples, like wrk's and most latency tools' percentiles.
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[int(percent) - 1]
