"""JSON POSTs to the prediction paths skip Flask (transport/rest_direct.py): they must answer exactly as Flask does.

A query string sends the same request through Flask, so each request is sent both ways to a real server and
the two answers (status, headers but the date, body) must be the same.
"""

from __future__ import annotations

import pytest
from microservice_process import Microservice
from raw_http import exchange

JSON = "application/json"


def both_ways(service: Microservice, path: str, body: bytes, *headers: str) -> tuple[tuple[int, dict[str, str], bytes], ...]:
    answers = []
    for target in (path, f"{path}?via=flask"):
        head = "\r\n".join(
            [f"POST {target} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}", "Connection: close", *headers]
        )
        status, answer_headers, payload = exchange(service.http_port, f"{head}\r\n\r\n".encode(), [body])
        answer_headers.pop("date", None)
        answers.append((status, answer_headers, payload))
    return tuple(answers)


NDARRAY = b'{"data":{"ndarray":[[1.0,2.0,3.0,4.0]]},"meta":{"puid":"p-7","tags":{"client":"c"}}}'
# (path, body, request headers)
CASES: list[tuple[str, bytes, tuple[str, ...]]] = [
    ("/api/v1.0/predictions", NDARRAY, (f"Content-Type: {JSON}",)),
    ("/api/v0.1/predictions", NDARRAY, (f"Content-Type: {JSON}; charset=utf-8", "Origin: http://app.example")),
    ("/predict", b'{"strData":"hello"}', ("Content-Type: text/plain",)),
    ("/predict", NDARRAY, ()),
    ("/api/v1.0/predictions", b'{"data":{"ndarray":[[1.0,', (f"Content-Type: {JSON}",)),
    ("/api/v1.0/predictions", b"", (f"Content-Type: {JSON}",)),
    ("/api/v1.0/predictions", b'{"data":{"tensor":{"shape":[2,-1],"values":[1]}}}', (f"Content-Type: {JSON}",)),
    ("/api/v1.0/predictions", b'{"meta":{"tags":[1]},"data":{"ndarray":[1]}}', (f"Content-Type: {JSON}",)),
    ("/api/v1.0/feedback", b'{"request":{"data":{"ndarray":[[1]]}},"reward":1.0}', (f"Content-Type: {JSON}",)),
    ("/send-feedback", b'{"reward":"much"}', (f"Content-Type: {JSON}",)),
    ("/transform-input", NDARRAY, (f"Content-Type: {JSON}",)),
    ("/route", NDARRAY, (f"Content-Type: {JSON}",)),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{case[0]}:{index}" for index, case in enumerate(CASES)])
def test_a_model_answers_the_same_with_and_without_flask(
    echo: Microservice, case: tuple[str, bytes, tuple[str, ...]]
) -> None:
    path, body, headers = case
    direct, flask = both_ways(echo, path, body, *headers)
    assert direct == flask
    assert direct[2], "every answer has a body"


@pytest.mark.parametrize("text", ["value-error", "teapot", "seldon-422", "bad-return", "fine"])
def test_errors_raised_by_the_model_answer_the_same_with_and_without_flask(faulty_model: Microservice, text: str) -> None:
    direct, flask = both_ways(faulty_model, "/api/v1.0/predictions", f'{{"strData":"{text}"}}'.encode(), f"Content-Type: {JSON}")
    assert direct == flask
    assert (direct[0] == 200) == (text == "fine")


def test_predict_raw_answers_the_same_with_and_without_flask(raw_model: Microservice) -> None:
    direct, flask = both_ways(raw_model, "/api/v1.0/predictions", b'{"data":{"ndarray":[[1,2]]}}', f"Content-Type: {JSON}")
    assert direct == flask
    assert direct[0] == 200 and b'"doubled"' in direct[2]


def test_payload_passthrough_hands_the_same_bytes_with_and_without_flask(passthrough: Microservice) -> None:
    # RawModel reads a dict; with PAYLOAD_PASSTHROUGH it is handed the body's bytes, and says so the same way.
    direct, flask = both_ways(passthrough, "/api/v1.0/predictions", b'{"data":{"ndarray":[[1,2]]}}', f"Content-Type: {JSON}")
    assert direct == flask
    assert direct[0] == 500 and b"bytes" in direct[2], direct
