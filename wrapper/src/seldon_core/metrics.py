"""``seldon_core.metrics`` helpers for building custom metrics in ``metrics()``."""

from __future__ import annotations

from typing import Any

COUNTER = "COUNTER"
GAUGE = "GAUGE"
TIMER = "TIMER"


def create_counter(key: str, value: float) -> dict[str, Any]:
    return {"type": COUNTER, "key": key, "value": value}


def create_gauge(key: str, value: float) -> dict[str, Any]:
    return {"type": GAUGE, "key": key, "value": value}


def create_timer(key: str, value: float) -> dict[str, Any]:
    """A timer observation; ``value`` is in milliseconds, as in Seldon Core."""
    return {"type": TIMER, "key": key, "value": value}
