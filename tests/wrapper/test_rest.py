"""The REST API of a served component, over real HTTP: paths, request forms, encodings and meta."""

from __future__ import annotations

import base64
import json
import urllib.parse

import numpy as np
import requests
from flask import Flask
from microservice_process import Microservice
from seldon_s2i.component.adapter import Component
from seldon_s2i.metrics import MetricsRecorder
from seldon_s2i.service import SeldonService, ServiceOptions
from seldon_s2i.transport.rest import create_app
from seldon_s2i.unit import UnitInfo

IRIS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]


def post(service: Microservice, path: str, body: object) -> requests.Response:
    return requests.post(f"{service.url}{path}", json=body, timeout=10)


def test_predict_ndarray_with_class_names_tags_metrics_and_request_path(model: Microservice) -> None:
    answer = post(model, "/api/v1.0/predictions", {"data": {"ndarray": IRIS}, "meta": {"puid": "p-1", "tags": {"client": "c"}}})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    body = answer.json()
    assert body["data"]["names"] == ["setosa", "versicolor", "virginica"]
    probabilities = np.array(body["data"]["ndarray"])
    assert probabilities.shape == (2, 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert probabilities[0].argmax() == 0 and probabilities[1].argmax() == 2
    meta = body["meta"]
    assert meta["puid"] == "p-1"
    assert meta["tags"] == {"client": "c", "model": "softmax", "temperature": 1.0}
    assert {m["key"] for m in meta["metrics"]} == {"mymodel_predictions", "mymodel_feedback_reward_sum"}
    assert meta["requestPath"] == {"classifier": "quay.io/acme/iris:1.2"}
    assert "routing" not in meta


def test_every_predict_path_and_request_form_agree(model: Microservice) -> None:
    message = {"data": {"ndarray": IRIS}}
    expected = post(model, "/predict", message).json()["data"]
    as_json = json.dumps(message)
    text = urllib.parse.quote(as_json)
    answers = [
        post(model, "/api/v0.1/predictions", message),
        requests.get(f"{model.url}/predict?json={text}", timeout=10),
        requests.post(f"{model.url}/predict", data={"json": as_json}, timeout=10),
        requests.post(f"{model.url}/predict", files={"data": (None, json.dumps({"ndarray": IRIS}))}, timeout=10),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"] == expected


def test_tensor_and_tftensor_requests_get_the_same_encoding_back(model: Microservice) -> None:
    tensor = post(model, "/predict", {"data": {"tensor": {"shape": [2, 4], "values": [v for row in IRIS for v in row]}}}).json()
    assert tensor["data"]["tensor"]["shape"] == [2, 3]
    assert len(tensor["data"]["tensor"]["values"]) == 6
    tftensor = {
        "dtype": "DT_DOUBLE",
        "tensorShape": {"dim": [{"size": "2"}, {"size": "4"}]},
        "tensorContent": base64.b64encode(np.array(IRIS, dtype="<f8").tobytes()).decode(),
    }
    answer = post(model, "/predict", {"data": {"tftensor": tftensor}}).json()["data"]["tftensor"]
    assert answer["dtype"] == "DT_DOUBLE"
    assert [int(d["size"]) for d in answer["tensorShape"]["dim"]] == [2, 3]
    values = np.frombuffer(base64.b64decode(answer["tensorContent"]), dtype="<f8")
    assert np.allclose(values, tensor["data"]["tensor"]["values"])


def test_json_str_and_bin_data_are_handed_over_and_mirrored(described: Microservice) -> None:
    answer = post(described, "/predict", {"jsonData": {"question": [1, 2]}}).json()
    assert answer["jsonData"] == {"received": {"question": [1, 2]}, "names": []}
    assert post(described, "/predict", {"strData": "hello"}).json()["strData"] == "HELLO"
    encoded = base64.b64encode(b"\x00\x01abc").decode()
    assert base64.b64decode(post(described, "/predict", {"binData": encoded}).json()["binData"]) == b"cba\x01\x00"
    # A multipart binData file part arrives as bytes too.
    files = {"binData": ("payload.bin", b"xyz", "application/octet-stream")}
    multipart = requests.post(f"{described.url}/predict", files=files, timeout=10).json()
    assert base64.b64decode(multipart["binData"]) == b"zyx"
    # Numbers from a jsonData-less request default to a tensor answer (Seldon's rule).
    assert post(described, "/predict", {"data": {"ndarray": [[1, 2]]}}).json()["data"]["ndarray"] == [[1, 2]]


def test_integers_stay_integers_over_rest(echo: Microservice) -> None:
    body = post(echo, "/predict", {"data": {"ndarray": [[1, 2, 3]]}}).json()
    assert body["data"]["ndarray"] == [[1, 2, 3]]
    assert isinstance(body["data"]["ndarray"][0][0], int)


def test_meta_is_handed_to_predict(echo: Microservice) -> None:
    body = post(echo, "/predict", {"data": {"ndarray": [1]}, "meta": {"puid": "abc"}}).json()
    assert body["meta"]["tags"]["seen_puid"] == "abc"


def test_transform_route_aggregate_paths_fall_back_as_seldon_does(model: Microservice) -> None:
    # A MODEL without transform methods passes input through; route and aggregate are 400 "not defined".
    passthrough = post(model, "/transform-input", {"data": {"ndarray": [[1, 2]]}}).json()
    assert passthrough["data"]["ndarray"] == [[1, 2]]
    assert post(model, "/transform-output", {"data": {"ndarray": [[3]]}}).json()["data"]["ndarray"] == [[3]]
    route = post(model, "/route", {"data": {"ndarray": [[1]]}})
    assert route.status_code == 400 and route.json()["status"]["info"] == "Route not defined"
    aggregate = post(model, "/aggregate", [{"data": {"ndarray": [[1]]}}])
    assert aggregate.status_code == 400 and aggregate.json()["status"]["info"] == "Aggregate not defined"


def test_feedback_reaches_the_model(model: Microservice) -> None:
    feedback = {
        "request": {"data": {"ndarray": [IRIS[0]]}},
        "response": {"meta": {"routing": {"classifier": 0}}, "data": {"ndarray": [[0.9, 0.05, 0.05]]}},
        "reward": 1.0,
        "truth": {"data": {"ndarray": [[1, 0, 0]]}},
    }
    for path in ("/send-feedback", "/api/v1.0/feedback", "/api/v0.1/feedback"):
        answer = post(model, path, feedback)
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["ndarray"] == []
    # MyModel exposes the summed rewards as a gauge in its metrics.
    metrics = post(model, "/predict", {"data": {"ndarray": [IRIS[0]]}}).json()["meta"]["metrics"]
    assert {m["key"]: m["value"] for m in metrics}["mymodel_feedback_reward_sum"] == 3.0


def test_health_and_metadata(model: Microservice, described: Microservice) -> None:
    ping = requests.get(f"{model.url}/health/ping", timeout=5)
    assert ping.status_code == 200 and ping.text == "pong"
    status = requests.get(f"{model.url}/health/status", timeout=5).json()
    assert status["jsonData"]["loaded"] is True
    assert requests.get(f"{described.url}/api/v1.0/health/status", timeout=5).json()["jsonData"] == {"ok": True}
    metadata = requests.get(f"{model.url}/metadata", timeout=5).json()
    assert metadata["name"] == "iris-softmax"
    assert metadata["versions"] == ["1"]
    assert metadata["inputs"][0]["schema"]["names"] == ["sl", "sw", "pl", "pw"]
    described_metadata = requests.get(f"{described.url}/api/v1.0/metadata", timeout=5).json()
    assert described_metadata["custom"] == {"team": "ml"}
    assert described_metadata["outputs"] == [{"name": "out", "datatype": "FP64", "shape": [1, 2]}]


def test_cors_headers_for_browsers(model: Microservice) -> None:
    answer = requests.options(
        f"{model.url}/api/v1.0/predictions",
        headers={"Origin": "https://dashboard.example", "Access-Control-Request-Method": "POST"},
        timeout=5,
    )
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] in ("*", "https://dashboard.example")
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]


def test_openapi_document_lists_every_served_path(model: Microservice) -> None:
    document = requests.get(f"{model.url}/seldon.json", timeout=5).json()
    assert document["openapi"].startswith("3.")
    # Every route the app serves is documented, with the methods it allows.
    for rule in _identity_app().url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        assert rule.rule in document["paths"], rule.rule
        served = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        assert sorted(method.upper() for method in document["paths"][rule.rule]) == served, rule.rule


def _identity_app() -> Flask:
    class Identity:
        def predict(self, X: object, names: object) -> object:
            return X

    unit = UnitInfo.from_environment({})
    service = SeldonService(Component(Identity()), unit, MetricsRecorder(unit), ServiceOptions())
    return create_app(service, max_request_bytes=1024)
