"""Prometheus metrics scraped from the real metrics port, with several REST and gRPC worker processes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from google.protobuf import json_format
from microservice_process import Microservice, running
from prometheus_client.parser import text_string_to_metric_families
from seldon_s2i.protos import prediction_pb2 as pb
from seldon_s2i.protos import prediction_pb2_grpc as pb_grpc

COMPONENTS = Path(__file__).parent / "components"
REST_CALLS = 12
GRPC_CALLS = 8


@pytest.fixture(scope="module")
def markers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("load-markers")


@pytest.fixture(scope="module")
def instrumented(log_dir: Path, markers: Path) -> Iterator[Microservice]:
    env = {
        "LOAD_MARKER_DIR": str(markers),
        "PREDICTIVE_UNIT_ID": "scorer",
        "PREDICTIVE_UNIT_IMAGE": "registry.local/team/scorer:0.3",
        "SELDON_DEPLOYMENT_ID": "fraud",
        "PREDICTOR_ID": "main",
        "PREDICTOR_LABELS": '{"version": "v7"}',
        "PREDICTIVE_UNIT_METRICS_ENDPOINT": "/custom-metrics",
    }
    args = ["--workers", "2", "--threads", "2", "--grpc-workers", "2", "--grpc-threads", "2"]
    with running("Instrumented", COMPONENTS, log_dir, args, env) as service:
        for _ in range(REST_CALLS):
            answer = requests.post(f"{service.url}/predict", json={"data": {"ndarray": [[1.0]]}}, timeout=5)
            assert answer.status_code == 200
        with service.channel() as channel:
            stub = pb_grpc.ModelStub(channel)
            for _ in range(GRPC_CALLS):
                stub.Predict(pb.SeldonMessage(strData="x"))
        for reward in (1.0, 0.0, 2.5):
            feedback = {"request": {"data": {"ndarray": [[1]]}}, "reward": reward, "truth": {"data": {"ndarray": [[0]]}}}
            assert requests.post(f"{service.url}/send-feedback", json=feedback, timeout=5).status_code == 200
        yield service


def scrape(service: Microservice, path: str = "/prometheus") -> dict[str, list[tuple[dict[str, str], float]]]:
    answer = requests.get(f"{service.metrics_url}{path}", timeout=5)
    assert answer.status_code == 200
    samples: dict[str, list[tuple[dict[str, str], float]]] = defaultdict(list)
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[sample.name].append((sample.labels, sample.value))
    return samples


def total(samples: list[tuple[dict[str, str], float]], **match: str) -> float:
    return sum(value for labels, value in samples if all(labels.get(k) == v for k, v in match.items()))


def test_every_serving_process_loads_the_model_once(instrumented: Microservice, markers: Path) -> None:
    assert len(list(markers.glob("load-*"))) == 4  # 2 REST workers + 2 gRPC workers


def test_custom_counters_are_summed_over_all_workers(instrumented: Microservice) -> None:
    samples = scrape(instrumented)
    assert total(samples["instrumented_requests_total"], method="predict") == REST_CALLS + GRPC_CALLS
    workers = {labels["worker_id"] for labels, _ in samples["instrumented_requests_total"]}
    assert len(workers) >= 2  # REST and gRPC processes both reported
    assert total(samples["instrumented_by_colour_total"], colour="blue") == REST_CALLS + GRPC_CALLS


def test_seldon_labels_on_custom_metrics(instrumented: Microservice) -> None:
    labels, _ = scrape(instrumented)["instrumented_requests_total"][0]
    assert labels["deployment_name"] == labels["seldon_deployment_name"] == "fraud"
    assert labels["model_name"] == "scorer"
    assert labels["model_image"] == labels["image_name"] == "registry.local/team/scorer"
    assert labels["model_version"] == labels["image_version"] == "0.3"
    assert labels["predictor_name"] == "main"
    assert labels["predictor_version"] == "v7"
    assert labels["method"] == "predict"
    assert labels["worker_id"].isdigit()


def test_gauge_and_timer(instrumented: Microservice) -> None:
    samples = scrape(instrumented)
    gauges = {value for _, value in samples["instrumented_gauge"]}
    assert gauges == {42.0}
    assert total(samples["instrumented_inference_ms_count"]) == REST_CALLS + GRPC_CALLS
    assert total(samples["instrumented_inference_ms_sum"]) == pytest.approx(0.02 * (REST_CALLS + GRPC_CALLS))
    assert total(samples["instrumented_inference_ms_bucket"], le="0.01") == 0
    assert total(samples["instrumented_inference_ms_bucket"], le="+Inf") == REST_CALLS + GRPC_CALLS


def test_feedback_reward_counters(instrumented: Microservice) -> None:
    samples = scrape(instrumented)
    assert total(samples["seldon_api_model_feedback_total"], method="feedback") == 2  # zero rewards do not count
    assert total(samples["seldon_api_model_feedback_reward_total"], method="feedback") == 3.5


def test_request_timings_by_transport(instrumented: Microservice) -> None:
    samples = scrape(instrumented)["seldon_api_microservice_requests_seconds_count"]
    assert total(samples, method="predict", transport="rest", code="200") == REST_CALLS
    assert total(samples, method="predict", transport="grpc", code="OK") == GRPC_CALLS
    assert total(samples, method="send_feedback", transport="rest") == 3


def test_metrics_paths(instrumented: Microservice) -> None:
    for path in ("/metrics", "/prometheus", "/custom-metrics"):
        assert "instrumented_requests_total" in requests.get(f"{instrumented.metrics_url}{path}", timeout=5).text
    assert requests.get(f"{instrumented.metrics_url}/elsewhere", timeout=5).status_code == 404


def test_metrics_and_tags_in_the_response(instrumented: Microservice) -> None:
    body = requests.post(f"{instrumented.url}/predict", json={"data": {"ndarray": [[1.0]]}}, timeout=5).json()
    assert body["meta"]["tags"] == {"static": "overridden", "pid_loaded": True, "request_tag": "yes"}
    keys = [m["key"] for m in body["meta"]["metrics"]]
    assert keys == ["instrumented_requests", "instrumented_gauge", "instrumented_inference_ms", "instrumented_by_colour"]


def test_metrics_can_be_kept_out_of_responses(log_dir: Path) -> None:
    env = {"INCLUDE_METRICS_IN_CLIENT_RESPONSE": "false"}
    with running("Instrumented", COMPONENTS, log_dir, ["--grpc-workers", "0"], env) as service:
        body = requests.post(f"{service.url}/predict", json={"data": {"ndarray": [[1.0]]}}, timeout=5).json()
        assert "metrics" not in body["meta"]
        assert total(scrape(service)["instrumented_requests_total"]) == 1


def test_raw_methods_metrics_are_recorded(log_dir: Path) -> None:
    with running("RawModel", COMPONENTS, log_dir) as service:
        body = requests.post(f"{service.url}/predict", json={"data": {"ndarray": [[1, 2]]}}, timeout=5).json()
        assert body["data"] == {"names": ["doubled"], "ndarray": [[2, 4]]}
        assert body["meta"]["tags"] == {"raw": "rest"}
        with service.channel() as channel:
            request = pb.SeldonMessage()
            rows: list[Any] = [[1.0, 3.0]]
            request.data.ndarray.extend(rows)
            reply = pb_grpc.ModelStub(channel).Predict(request)
        assert json_format.MessageToDict(reply)["data"]["ndarray"] == [[2.0, 6.0]]
        assert reply.meta.tags["raw"].string_value == "grpc"
        assert total(scrape(service)["raw_calls_total"], method="predict") == 2
