"""What the fuzzing found answered 500 is the client's fault: 400 (or 414/431) with Seldon's error JSON."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
import requests
from microservice_process import Microservice
from raw_http import exchange, seldon_error


def _assert_bad_data(answer: requests.Response, mentions: str) -> None:
    assert answer.status_code == 400, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    status = seldon_error(answer.content)
    assert status["reason"] == "MICROSERVICE_BAD_DATA"
    assert mentions in str(status["info"])


@pytest.mark.parametrize(
    ("meta", "mentions"),
    [({"tags": [1]}, "meta.tags"), ({"tags": "x"}, "meta.tags"), ({"metrics": {"a": 1}}, "meta.metrics"),
     ({"metrics": [1]}, "meta.metrics"), ({"routing": []}, "meta.routing"), ({"requestPath": "x"}, "meta.requestPath")],
)
def test_meta_of_the_wrong_shape_is_400(echo: Microservice, meta: dict[str, Any], mentions: str) -> None:
    answer = requests.post(f"{echo.url}/predict", json={"meta": meta, "data": {"ndarray": [1]}}, timeout=10)
    _assert_bad_data(answer, mentions)


@pytest.mark.parametrize("dims", [["-1"], ["2", "-3"], ["-2", "-3"]])
def test_a_tftensor_with_a_negative_dimension_is_400(echo: Microservice, dims: list[str]) -> None:
    tensor = {"dtype": "DT_FLOAT", "tensorShape": {"dim": [{"size": d} for d in dims]}, "floatVal": [1.0] * 6}
    answer = requests.post(f"{echo.url}/predict", json={"data": {"tftensor": tensor}}, timeout=10)
    _assert_bad_data(answer, "negative dimension")


@pytest.mark.parametrize("depth", [255, 300, 900, 1024, 5000])
@pytest.mark.parametrize("field", ["jsonData", "ndarray"])
def test_json_nested_too_deep_to_answer_is_400(echo: Microservice, depth: int, field: str) -> None:
    nested = "[" * depth + "1" + "]" * depth
    body = f'{{"jsonData":{nested}}}' if field == "jsonData" else f'{{"data":{{"ndarray":{nested}}}}}'
    answer = requests.post(f"{echo.url}/predict", data=body, headers={"Content-Type": "application/json"}, timeout=10)
    _assert_bad_data(answer, "nested more than 254 levels" if depth < 1000 else "depth limit")


def test_json_nested_as_deep_as_can_be_answered_is_200(echo: Microservice) -> None:
    nested = "[" * 200 + "]" * 200
    answer = requests.post(f"{echo.url}/predict", data=f'{{"jsonData":{nested}}}', timeout=10)
    assert answer.status_code == 200, answer.text


def test_a_form_file_that_is_not_utf8_text_is_400(echo: Microservice) -> None:
    answer = requests.post(f"{echo.url}/predict", files={"strData": ("x.bin", b"\xff\xfe\xfa")}, timeout=10)
    _assert_bad_data(answer, "UTF-8")
    answer = requests.post(f"{echo.url}/predict", files={"strData": ("x.txt", "héllo".encode())}, timeout=10)
    assert answer.status_code == 200 and answer.json()["strData"] == "héllo"


def test_an_over_long_url_is_414_with_seldon_json(echo: Microservice) -> None:
    status, headers, payload = exchange(
        echo.http_port, b"GET /predict?json=" + b"a" * 40_000 + b" HTTP/1.1\r\nHost: model\r\n\r\n"
    )
    assert status == 414 and headers["content-type"] == "application/json"
    assert "URI Too Long" in str(seldon_error(payload)["info"])


def test_an_over_long_header_is_431_with_seldon_json(echo: Microservice) -> None:
    status, headers, payload = exchange(
        echo.http_port, b"GET /health/ping HTTP/1.1\r\nHost: model\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n"
    )
    assert status == 431 and headers["content-type"] == "application/json"
    assert "X-Big" in str(seldon_error(payload)["info"])


@pytest.mark.parametrize("method", ["/seldon.protos.Model/Predict", "/seldon.protos.Seldon/Predict", "/seldon.protos.Generic/SendFeedback"])
def test_malformed_grpc_bytes_are_invalid_argument(echo: Microservice, method: str) -> None:
    with echo.channel() as channel:
        call = channel.unary_unary(method, request_serializer=lambda raw: raw, response_deserializer=lambda raw: raw)
        with pytest.raises(grpc.RpcError) as raised:
            call(b"\xff\xff\xff\xff", timeout=10)
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "not a valid seldon.protos." in str(raised.value.details())


def test_the_server_still_serves_after_the_faults(echo: Microservice) -> None:
    answer = requests.post(f"{echo.url}/predict", json={"data": {"ndarray": [[1.5]]}}, timeout=10)
    assert answer.status_code == 200 and answer.json()["data"]["ndarray"] == [[1.5]]
    assert echo.process.poll() is None


def test_an_empty_grpc_message_is_invalid_argument_as_in_seldon(echo: Microservice) -> None:
    from seldon_s2i.protos import prediction_pb2, prediction_pb2_grpc

    with echo.channel() as channel:
        with pytest.raises(grpc.RpcError) as raised:
            prediction_pb2_grpc.ModelStub(channel).Predict(prediction_pb2.SeldonMessage(), timeout=10)
        assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert "Unknown data in SeldonMessage" in str(raised.value.details())
        # A feedback's response may still carry meta only (its routing).
        response = prediction_pb2.SeldonMessage()
        response.meta.routing["router"] = 1
        feedback = prediction_pb2.Feedback(request=prediction_pb2.SeldonMessage(strData="x"), response=response, reward=1)
        prediction_pb2_grpc.ModelStub(channel).SendFeedback(feedback, timeout=10)
