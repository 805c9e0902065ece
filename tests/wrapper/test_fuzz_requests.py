"""Property tests: whatever JSON a client sends, the answer is a result or a Seldon 400, never a crash."""

from __future__ import annotations

from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from microservice_process import Microservice
from seldon_s2i.codec import json_codec
from seldon_s2i.errors import SeldonMicroserviceException

scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)
data_keys = st.sampled_from(["ndarray", "tensor", "tftensor", "names", "shape", "values", "dtype", "x"])
seldon_like = st.recursive(
    json_values,
    lambda inner: st.dictionaries(
        st.sampled_from(["data", "jsonData", "strData", "binData", "meta", "tensor", "ndarray", "values", "shape"]) | data_keys,
        inner,
        max_size=4,
    ),
    max_leaves=25,
)


@given(seldon_like)
@settings(max_examples=400, deadline=None, derandomize=True)
def test_decoding_any_json_either_works_or_says_why(document: Any) -> None:
    try:
        json_codec.decode_message(document)
    except SeldonMicroserviceException as error:
        assert error.status_code == 400 and error.message


@given(seldon_like)
@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_server_answers_any_json_with_a_result_or_a_400(echo: Microservice, document: Any) -> None:
    answer = requests.post(f"{echo.url}/predict", data=json_codec.dumps(document), headers={"Content-Type": "application/json"}, timeout=10)
    assert answer.status_code in (200, 400), answer.text
    body = answer.json()
    if answer.status_code == 400:
        assert body["status"]["status"] == 1 and body["status"]["reason"] == "MICROSERVICE_BAD_DATA"
    else:
        assert "meta" in body
