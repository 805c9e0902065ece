"""Resident memory of a worker process, read by the process that watches it (``--max-worker-memory``)."""

from __future__ import annotations

import os

SAMPLE_SECONDS = 1.0
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def resident_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return None


def past_ceiling(size: int, ceiling: int) -> str:
    """Why a worker of ``size`` bytes is replaced."""
    return f"resident memory {size / 2**20:.0f} MiB is past --max-worker-memory ({ceiling / 2**20:.0f} MiB)"
