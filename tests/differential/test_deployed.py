"""A unit of a deployment: the operator's environment (identity, metrics in answers, metadata) read as Seldon reads it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deliberate import assert_same, reconcile
from exposition import samples, table
from servers import Pair, serving_pair
from wire import grpc_call, rest

NDARRAY = {"data": {"ndarray": [[1, 2]]}}
ENVIRONMENT = {
    "PREDICTIVE_UNIT_ID": "everything",
    "PREDICTIVE_UNIT_IMAGE": "quay.io/acme/everything:1.2",
    "SELDON_DEPLOYMENT_ID": "shop",
    "PREDICTOR_ID": "main",
    "PREDICTOR_LABELS": '{"version": "v3"}',
    "INCLUDE_METRICS_IN_CLIENT_RESPONSE": "false",
    "MODEL_METADATA": "platform: sklearn\ninputs:\n- messagetype: ndarray\n  schema:\n    names: [a, b]\n",
}


@pytest.fixture(scope="module")
def deployed(diff_log_dir: Path) -> Iterator[Pair]:
    with serving_pair("Everything", diff_log_dir, env=ENVIRONMENT) as pair:
        yield pair


@pytest.mark.parametrize(
    ("path", "request_"),
    [
        ("/predict", NDARRAY),
        (
            "/predict",
            {
                "meta": {"puid": "p", "requestPath": {"upstream": "img:1"}, "metrics": [{"key": "in", "value": 1}]},
                **NDARRAY,
            },
        ),
        ("/route", NDARRAY),
        ("/aggregate", [NDARRAY]),
        ("/send-feedback", {"request": NDARRAY, "response": {"meta": {"routing": {"everything": 0}}}, "reward": 1}),
    ],
    ids=["predict", "incoming-meta", "route", "aggregate", "feedback-routing"],
)
def test_answers(deployed: Pair, path: str, request_: Any) -> None:
    allowed = ("feedback-json",) if path == "/send-feedback" else ()
    assert_same(*(rest(service, path, json_body=request_) for service in deployed), *allowed)


@pytest.mark.parametrize("path", ["/metadata", "/health/status"])
def test_metadata_and_health(deployed: Pair, path: str) -> None:
    assert_same(*(rest(service, path, method="GET") for service in deployed))


def test_grpc(deployed: Pair) -> None:
    assert_same(*(grpc_call(service, "Model", "Predict", NDARRAY) for service in deployed))
    assert_same(*(grpc_call(service, "Model", "Metadata", None) for service in deployed))


def test_metric_labels(deployed: Pair) -> None:
    for service in deployed:
        assert rest(service, "/predict", json_body=NDARRAY).status == 200
        assert rest(service, "/send-feedback", json_body={"request": NDARRAY, "reward": 1}).status == 200
    seldon, ours = reconcile(samples(deployed.seldon), samples(deployed.ours), "request-metrics")
    assert table(ours) == table(seldon)
