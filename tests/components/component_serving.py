"""Helpers of the component tests: reference data and serving a component in a real process."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from microservice_process import Microservice, start

FEATURES = 4
# A correlated 4-feature Gaussian: the outlier detector's distance must use the correlations to be right.
COVARIANCE = np.array(
    [[1.0, 0.8, 0.0, 0.0], [0.8, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, -0.5], [0.0, 0.0, -0.5, 1.0]]
)
MEAN = np.array([1.0, -2.0, 0.0, 10.0])


def gaussian_rows(rng: np.random.Generator, rows: int) -> np.ndarray:
    return rng.multivariate_normal(MEAN, COVARIANCE, size=rows)


def seldon_parameters(**values: Any) -> str:
    """``PREDICTIVE_UNIT_PARAMETERS`` for Python values (int INT, float FLOAT, bool BOOL, else STRING)."""
    kinds = {bool: "BOOL", int: "INT", float: "FLOAT"}
    return json.dumps(
        [{"name": name, "value": str(value), "type": kinds.get(type(value), "STRING")} for name, value in values.items()]
    )


@contextmanager
def serving(
    class_name: str,
    service_type: str,
    folder: Path,
    log_dir: Path,
    parameters: str = "[]",
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Iterator[Microservice]:
    service = start(
        f"seldon_s2i.components.{class_name}",
        folder,
        log_dir,
        ["--service-type", service_type, *args],
        {"PREDICTIVE_UNIT_PARAMETERS": parameters, **(env or {})},
    )
    try:
        yield service
    finally:
        service.stop()
