"""Each bandit arm's pulls and value as Prometheus gauges, one series per arm across all worker processes.

The arm counts are shared through the state file, so the latest value any worker saw is the current one:
the gauges use prometheus-client's multiprocess ``mostrecent`` mode, without the per-process ``worker_id``
label the wrapper's custom metrics carry. Labels are Seldon's deployment, predictor and node names.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from prometheus_client import Gauge

from seldon_s2i.unit import UnitInfo

PULLS = "seldon_bandit_pulls"
VALUE = "seldon_bandit_value"
_LABELS = ("deployment_name", "predictor_name", "model_name", "branch")


class ArmGauges:
    def __init__(self, component: str, branch_names: list[str]) -> None:
        self._component = component
        self._branches = branch_names
        self._children: tuple[list[Any], list[Any]] | None = None
        self._shown: tuple[bytes, bytes] | None = None
        self._lock = threading.Lock()

    def _create(self) -> tuple[list[Any], list[Any]]:
        # Created on first use, in the serving process: the multiprocess files are per process.
        unit = UnitInfo.from_environment()  # this process's environment, read by seldon_s2i.environment
        fixed = (unit.deployment_name, unit.predictor_name, unit.unit_id or self._component)
        pulls = Gauge(PULLS, "Rewards received per bandit arm", _LABELS, registry=None, multiprocess_mode="mostrecent")
        value = Gauge(VALUE, "Estimated reward per bandit arm", _LABELS, registry=None, multiprocess_mode="mostrecent")
        return (
            [pulls.labels(*fixed, branch) for branch in self._branches],
            [value.labels(*fixed, branch) for branch in self._branches],
        )

    def show(self, pulls: np.ndarray, values: np.ndarray) -> None:
        """Set the gauges, unless they already show these numbers (the hot path then only compares bytes)."""
        shown = (pulls.tobytes(), values.tobytes())
        if shown == self._shown:
            return
        with self._lock:
            if self._children is None:
                self._children = self._create()
            for child, number in zip(self._children[0], pulls.tolist(), strict=True):
                child.set(number)
            for child, number in zip(self._children[1], values.tolist(), strict=True):
                child.set(number)
            self._shown = shown


__all__ = ["PULLS", "VALUE", "ArmGauges"]
