"""The engine's own reading and writing of messages: a router's answer read as Seldon's executor reads it, and a
combiner's SeldonMessageList assembled from the children's bytes without parsing them."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import json_format
from seldon_s2i.engine.errors import GraphError
from seldon_s2i.engine.payload import Payload, message_list
from seldon_s2i.engine.walk import route_of
from seldon_s2i.protos import prediction_pb2


@pytest.mark.parametrize(("answer", "route"), [
    ({"data": {"ndarray": [[1]]}}, 1),
    ({"data": {"ndarray": [[0, 7]]}}, 0),  # the first element of the first row
    ({"data": {"ndarray": [2]}}, 2),
    ({"data": {"ndarray": [[-1]]}}, -1),
    ({"data": {"ndarray": [[-2.0]]}}, -2),
    ({"data": {"tensor": {"shape": [1, 1], "values": [1.0]}}}, 1),
    ({"data": {"tftensor": {"dtype": "DT_INT32", "intVal": [3]}}}, 3),
    ([1], 1),  # not a SeldonMessage: a JSON list of ints
])
def test_a_routers_answer_is_read_as_seldons_executor_reads_it(answer: Any, route: int) -> None:
    assert route_of("r", answer) == route


@pytest.mark.parametrize("answer", [{"data": {"ndarray": [[0.5]]}}, {"strData": "1"}, {"data": {"ndarray": []}},
                                    {"jsonData": {"route": 1}}, [True]])
def test_an_answer_with_no_route_is_an_error_naming_the_router(answer: Any) -> None:
    with pytest.raises(GraphError) as raised:
        route_of("my-router", answer)
    assert str(raised.value).startswith("router 'my-router' answered no route")
    assert raised.value.status_code == 500


def test_a_combiners_input_is_built_from_the_childrens_bytes() -> None:
    children = [Payload("message", json=b'{"data":{"ndarray":[[1.0]]}}'),
                Payload.of_proto(json_format.ParseDict({"data": {"tensor": {"shape": [1], "values": [2.0]}}},
                                                       prediction_pb2.SeldonMessage()))]
    as_json = message_list(children, "json")
    assert as_json.json_bytes() == (b'{"seldonMessages":[{"data":{"ndarray":[[1.0]]}},'
                                    b'{"data":{"tensor":{"shape":[1],"values":[2.0]}}}]}')
    as_proto = prediction_pb2.SeldonMessageList.FromString(message_list(children, "proto").proto_bytes())
    assert json_format.MessageToDict(as_proto) == {"seldonMessages": [
        {"data": {"ndarray": [[1.0]]}}, {"data": {"tensor": {"shape": [1], "values": [2.0]}}}]}
