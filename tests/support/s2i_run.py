"""``seldon-s2i run`` as a user runs it, for tests: a real subprocess in its own process group with its output in a
log file, waiting for a line of that output, and the processes a run may have left behind.

Used by tests/engine/test_run_command.py (source folders) and tests/e2e/test_run_containers.py (images).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from microservice_process import BIN

SEL = str(BIN / "seldon-s2i")


def processes_mentioning(*needles: str) -> list[str]:
    """Live processes whose command line, working directory or cgroup mentions a needle (a container's id is in
    the cgroup of every process in that container)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
            cgroup = (entry / "cgroup").read_text(errors="replace")
            state = next(line for line in (entry / "status").read_text().splitlines() if line.startswith("State:"))
        except (OSError, StopIteration):
            continue
        if "Z" in state.split()[1]:
            continue  # a zombie holds nothing
        if any(needle in command or cwd.startswith(needle) or needle in cgroup for needle in needles):
            found.append(f"{entry.name}: {command.strip()} (cwd {cwd})")
    return found


@contextmanager
def running(graph: Path, log: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """``seldon-s2i run GRAPH ARGS`` in a process group of its own (a signal the test sends reaches it alone, as
    one a user sends from another terminal would); killed if the test leaves it running."""
    with log.open("wb") as out:
        process = subprocess.Popen([SEL, "run", str(graph), *args], stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def wait_for(log: Path, text: str, process: subprocess.Popen[bytes], timeout: float = 120) -> str:
    """The log once ``text`` appears in it; fails the test if the command exits or time runs out first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = log.read_text(errors="replace")
        if text in content:
            return content
        if process.poll() is not None:
            raise AssertionError(f"seldon-s2i run exited with {process.returncode}:\n{content[-4000:]}")
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} within {timeout} s:\n{log.read_text(errors='replace')[-4000:]}")
