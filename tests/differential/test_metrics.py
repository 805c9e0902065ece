"""The Prometheus series of custom metrics and feedback rewards: the same names, labels, buckets and values."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from deliberate import reconcile
from exposition import samples, table
from microservice_process import Microservice
from servers import Pair, serving_pair
from wire import grpc_call, rest

NDARRAY = {"data": {"ndarray": [[1, 2]]}}


@pytest.fixture(scope="module")
def instrumented(diff_log_dir: Path) -> Iterator[Pair]:
    """A pair of its own, so that the calls of other tests do not count here."""
    with serving_pair("Everything", diff_log_dir) as pair:
        yield pair


def calls(service: Microservice) -> None:
    """Every method once or more, over both transports, plus feedback that is refused."""
    for path in ("/predict", "/predict", "/transform-input", "/transform-output", "/route"):
        assert rest(service, path, json_body=NDARRAY).status == 200
    assert rest(service, "/aggregate", json_body=[NDARRAY, NDARRAY]).status == 200
    assert rest(service, "/health/status", method="GET").status == 200
    assert rest(service, "/send-feedback", json_body={"request": NDARRAY, "reward": 1}).status == 200
    assert rest(service, "/send-feedback", json_body={"request": NDARRAY, "reward": 0.25}).status == 200
    assert rest(service, "/send-feedback", json_body={"request": NDARRAY, "reward": 0}).status == 200
    # An unknown field: refused before any reward is counted.
    assert rest(service, "/send-feedback", json_body={"request": NDARRAY, "reward": 5, "bogus": 1}).status == 400
    for rpc_service, rpc in (("Model", "Predict"), ("Generic", "TransformInput"), ("Router", "Route")):
        assert grpc_call(service, rpc_service, rpc, NDARRAY).code == "OK"
    assert grpc_call(service, "Model", "SendFeedback", {"request": NDARRAY, "reward": 2}).code == "OK"


def test_metrics_exposition(instrumented: Pair) -> None:
    for service in instrumented:
        calls(service)
    seldon, ours = reconcile(samples(instrumented.seldon), samples(instrumented.ours), "request-metrics")
    assert table(ours) == table(seldon)


def test_timer_buckets_and_method_tags(instrumented: Pair) -> None:
    """The points of the issue, spelt out: Seldon's bucket bounds (no le="0") and the method label on tagged metrics."""
    for service in instrumented:
        calls(service)
    seldon, ours = samples(instrumented.seldon), samples(instrumented.ours)
    for exposed in (seldon, ours):
        bounds = {dict(labels)["le"] for name, labels in exposed if name == "diff_timer_bucket"}
        # Seldon's last finite bound is numpy's 29.999999999999996, not 30.
        assert "0.0" not in bounds and {"0.001", "29.999999999999996", "+Inf"} <= bounds
        assert len(bounds) == 51
        methods = {dict(labels).get("method") for name, labels in exposed if name == "diff_tagged_total"}
        assert methods == {"predict", "inputtransform", "outputtransform", "router", "aggregate", "health", "feedback"}
    rewards = [value for (name, _), value in ours.items() if name == "seldon_api_model_feedback_reward_total"]
    assert rewards == [2 * (1 + 0.25 + 2)]  # two rounds of calls; the refused feedback's 5 never counted
