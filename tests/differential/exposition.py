"""A server's Prometheus exposition as comparable samples."""

from __future__ import annotations

from typing import Any

import requests
from microservice_process import Microservice
from prometheus_client.parser import text_string_to_metric_families

# Process-specific labels: each server's worker pids.
PROCESS_LABELS = {"worker_id"}


def samples(service: Microservice) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample, summed over processes, keyed by name and labels (process labels left out)."""
    text = requests.get(f"{service.metrics_url}/metrics", timeout=30).text
    summed: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k not in PROCESS_LABELS))
            key = (sample.name, labels)
            summed[key] = summed.get(key, 0.0) + sample.value
    return {key: round(value, 9) for key, value in summed.items()}


def table(exposed: dict[Any, float]) -> list[str]:
    """One line a sample, sorted: pytest shows a readable difference."""
    return sorted(
        f"{name}{{{','.join(f'{k}={v}' for k, v in labels)}}} {value}" for (name, labels), value in exposed.items()
    )
