"""Which ``seldon-s2i run --containers`` owns a graph container, so that a second run never breaks a live one.

Every container the runner starts carries labels naming its run: the run's pid and that process's start time
(``/proc/<pid>/stat``). Before starting anything, a run looks at the containers that already hold its names: one
whose run is still alive (that pid is a ``seldon-s2i run`` process started at that time) is refused with a clear
error; any other (its run was killed, or it predates the labels) is a leftover and is removed. At the end a run
removes only the containers it labelled itself.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from seldon_s2i.command_error import CommandError

RUN_PID_LABEL = "io.seldon-s2i.run-pid"
RUN_STARTED_LABEL = "io.seldon-s2i.run-started"  # the process's start time, in clock ticks after boot


def process_started(pid: int) -> str | None:
    """The start time of process ``pid`` (field 22 of /proc/<pid>/stat); None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # after the command name, which may hold spaces and parentheses
    return fields[19] if len(fields) > 19 else None


def run_labels() -> list[str]:
    """``podman run`` arguments labelling a container as this process's."""
    pid = os.getpid()
    return ["--label", f"{RUN_PID_LABEL}={pid}", "--label", f"{RUN_STARTED_LABEL}={process_started(pid) or ''}"]


def _is_seldon_s2i_run(pid: int) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return False
    for index, argument in enumerate(argv):
        if os.path.basename(argument) == "seldon-s2i" or argument == "seldon_s2i.cli.main":
            return "run" in argv[index + 1:]
    return False


def live_owner(labels: dict[str, str]) -> int | None:
    """The pid of the run that owns a container with these labels if that run is still going, else None."""
    try:
        pid = int(labels.get(RUN_PID_LABEL, ""))
    except ValueError:
        return None  # no label: a leftover of a run older than the labels
    if pid <= 0 or pid == os.getpid() or not _is_seldon_s2i_run(pid):
        return None
    started = labels.get(RUN_STARTED_LABEL)
    if started and process_started(pid) != started:
        return None  # the pid now belongs to another, later seldon-s2i run
    return pid


def _existing(podman: str, names: Sequence[str]) -> list[tuple[str, str, dict[str, str]]]:
    """(name, id, labels) of each container, running or not, whose name is one of ``names``."""
    filters = [f"--filter=name=^{re.escape(name)}$" for name in names]
    listed = subprocess.run([podman, "ps", "--all", "--format", "json", *filters], capture_output=True, text=True,
                            timeout=60, check=False)
    if listed.returncode != 0:
        raise CommandError(f"podman ps failed: {listed.stderr.strip() or f'exit status {listed.returncode}'}")
    entries: list[dict[str, Any]] = json.loads(listed.stdout or "[]") or []
    return [(name, str(entry.get("Id", "")), dict(entry.get("Labels") or {}))
            for entry in entries for name in entry.get("Names") or [] if name in names]


def _remove(podman: str, ids: Sequence[str], timeout: float) -> None:
    if ids:
        subprocess.run([podman, "rm", "--force", "--ignore", *ids], capture_output=True, timeout=timeout, check=False)


def claim(podman: str, names: Sequence[str], deployment: str) -> None:
    """Make ``names`` free for this run: CommandError if a live run holds one, else remove the leftovers."""
    existing = _existing(podman, names)
    held: dict[int, list[str]] = {}
    for name, _, labels in existing:
        owner = live_owner(labels)
        if owner is not None:
            held.setdefault(owner, []).append(name)
    if held:
        runs = "; ".join(f"{'container' if len(taken) == 1 else 'containers'} {', '.join(sorted(taken))} "
                         f"{'belongs' if len(taken) == 1 else 'belong'} to the seldon-s2i run with pid {pid}, "
                         "which is still running" for pid, taken in sorted(held.items()))
        pids = " ".join(str(pid) for pid in sorted(held))
        raise CommandError(f"{runs}. Nothing was started: stop that run first (Ctrl-C in its terminal, or "
                           f"kill -TERM {pids}), or run this copy under another metadata.name than {deployment!r}")
    # By id: a container a run started in the meantime under the same name is not removed.
    _remove(podman, [container_id for _, container_id, _ in existing], timeout=120)


def release(podman: str, names: Sequence[str]) -> None:
    """Remove this run's containers among ``names`` (podman keeps one whose client was killed, not stopped)."""
    own = {RUN_PID_LABEL: str(os.getpid()), RUN_STARTED_LABEL: process_started(os.getpid()) or ""}
    try:
        existing = _existing(podman, names)
    except (CommandError, ValueError, OSError, subprocess.TimeoutExpired):
        return  # podman cannot list them now; what it keeps is removed as a leftover by the next run
    _remove(podman, [container_id for _, container_id, labels in existing
                     if all(labels.get(key) == value for key, value in own.items())], timeout=120)
