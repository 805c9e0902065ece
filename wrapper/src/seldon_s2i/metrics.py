"""Prometheus metrics: the component's custom metrics, feedback rewards and request timings.

Runs in prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``
is set by the supervisor before any worker starts), so every REST and gRPC
worker process contributes and the metrics port reports the sum. Metric names
and labels are Seldon Core 1.x's: a COUNTER key ``c`` is exposed as
``c_total``, a GAUGE as ``c``, a TIMER (milliseconds) as a histogram ``c`` in
seconds.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from seldon_s2i.unit import NOT_IMPLEMENTED, UnitInfo

# The upper bounds Seldon's TIMER histograms expose: numpy.logspace(-3, log10(30), 50) as numpy 1.26 computes it
# in seldon-core 1.18.2 (other numpy versions differ in the last digit, which changes the `le` label), and +Inf.
# Seldon's bins start at 0, but it exposes upper bounds only, so it has no le="0" series.
TIMER_BUCKETS = (
    0.001, 0.0012341553253454693, 0.0015231393670785815, 0.0018797905611233593,
    0.0023199535315445415, 0.002863183005509725, 0.0035336125536884733, 0.004361026750842238,
    0.005382184388525997, 0.006642451525090608, 0.008197816923039709, 0.010117379411776668,
    0.012486417679584786, 0.015410178873747385, 0.019018554321561593, 0.02347185009632733,
    0.028967908792092944, 0.03575089889988335, 0.04412216226317852, 0.05445360152285871,
    0.06720420230367624, 0.0829404241586763, 0.10236136616184238, 0.12632982515827532,
    0.15591062646904755, 0.19241792993472334, 0.2374736129208902, 0.2930793240153456,
    0.3617054084821892, 0.44640065608455204, 0.5509277469444613, 0.6799304127720881,
    0.8391397397870157, 1.035628778567157, 1.2781267721496807, 1.5774069623151439,
    1.9467652027782552, 2.402610642206036, 2.965194718810281, 3.65951085290597,
    4.516404807273444, 5.573945044312399, 6.879113959621136, 8.489895126924782,
    10.477849282518772, 12.931293490187748, 15.959224724520412, 19.696162182151948,
    24.30812344597087, 29.999999999999996,
    float("inf"),
)
REQUEST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, float("inf"))

FEEDBACK_COUNTER = "seldon_api_model_feedback"
FEEDBACK_REWARD_COUNTER = "seldon_api_model_feedback_reward"
REQUESTS_HISTOGRAM = "seldon_api_microservice_requests_seconds"


class MetricsRecorder:
    """Records metrics with Seldon's labels; safe to share between threads of one process."""

    def __init__(self, unit: UnitInfo) -> None:
        self.labels = {
            "deployment_name": unit.deployment_name,
            "model_name": unit.unit_id or NOT_IMPLEMENTED,
            "model_image": unit.image_name,
            "model_version": unit.image_version,
            "predictor_name": unit.predictor_name,
            "predictor_version": unit.predictor_version,
            # Seldon's legacy duplicates, kept so existing dashboards keep working.
            "seldon_deployment_name": unit.deployment_name,
            "image_name": unit.image_name,
            "image_version": unit.image_version,
            "worker_id": str(os.getpid()),
        }
        self._feedback_enabled = unit.executor_enabled
        self._metrics: dict[tuple[str, str, tuple[str, ...]], Any] = {}
        self._lock = threading.Lock()
        self._request_children: dict[tuple[str, str, int | str], Any] = {}
        self._children: dict[tuple[str, str, tuple[tuple[str, str], ...]], Any] = {}
        self._requests = Histogram(
            REQUESTS_HISTOGRAM,
            "Time the microservice took to answer, by method, transport and status code",
            ["method", "transport", "code", "deployment_name", "model_name", "predictor_name"],
            buckets=REQUEST_BUCKETS,
            registry=None,
        )

    def _metric(self, kind: str, key: str, label_names: tuple[str, ...]) -> Any:
        identity = (kind, key, label_names)
        metric = self._metrics.get(identity)
        if metric is None:
            with self._lock:
                metric = self._metrics.get(identity)
                if metric is None:
                    documentation = f"Custom {kind.lower()} {key} reported by the component"
                    if kind == "COUNTER":
                        metric = Counter(key, documentation, label_names, registry=None)
                    elif kind == "GAUGE":
                        metric = Gauge(key, documentation, label_names, registry=None, multiprocess_mode="mostrecent")
                    else:
                        metric = Histogram(key, documentation, label_names, buckets=TIMER_BUCKETS, registry=None)
                    self._metrics[identity] = metric
        return metric

    def record(self, metrics: list[dict[str, Any]], method: str) -> None:
        for item in metrics:
            if isinstance(item.get("tags"), dict):
                # As Seldon does, a metric that has tags shows the method in them in the answer's meta.metrics too.
                item["tags"] = {**item["tags"], "method": method}
            tags = {str(k): str(v) for k, v in (item.get("tags") or {}).items()}
            labels = {**tags, **self.labels, "method": method}
            kind = item.get("type", "COUNTER")
            identity = (kind, item["key"], tuple(sorted(labels.items())))
            metric = self._children.get(identity)
            if metric is None:  # labels() is costly on the hot path: keep each labelled child
                metric = self._metric(kind, item["key"], tuple(sorted(labels))).labels(**labels)
                self._children[identity] = metric
            value = float(item["value"])
            if kind == "COUNTER":
                metric.inc(value)
            elif kind == "GAUGE":
                metric.set(value)
            else:
                metric.observe(value / 1000.0)

    def feedback(self, reward: float) -> None:
        if not self._feedback_enabled or reward == 0:
            return
        labels = {**self.labels, "method": "feedback"}
        names = tuple(sorted(labels))
        self._metric("COUNTER", FEEDBACK_COUNTER, names).labels(**labels).inc(1)
        self._metric("COUNTER", FEEDBACK_REWARD_COUNTER, names).labels(**labels).inc(reward)

    def request(self, method: str, transport: str, code: int | str, seconds: float) -> None:
        key = (method, transport, code)
        child = self._request_children.get(key)
        if child is None:  # labels() is costly on the hot path: keep each labelled child
            child = self._requests.labels(
                method,
                transport,
                str(code),
                self.labels["deployment_name"],
                self.labels["model_name"],
                self.labels["predictor_name"],
            )
            self._request_children[key] = child
        child.observe(seconds)
