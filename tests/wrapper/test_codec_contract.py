"""The codec contract, checked the same way for the REST JSON codec and the protobuf codec."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from google.protobuf import json_format
from seldon_s2i.codec import json_codec, proto_codec
from seldon_s2i.codec.base import Codec, Inbound
from seldon_s2i.codec.message import DataKind, Feedback, Message
from seldon_s2i.errors import SeldonMicroserviceException
from seldon_s2i.protos import prediction_pb2

CODECS: list[Codec] = [json_codec, proto_codec]

MESSAGE = {"data": {"names": ["a", "b"], "ndarray": [[1.0, 2.0]]}, "meta": {"puid": "p-1", "tags": {"t": "v"}}}


def _wire(codec: Codec, document: Any, kind: Any = "message") -> Any:
    return codec.from_document(document, kind)


def _sent(codec: Codec, encoded: Any) -> Any:
    """What the peer receives: JSON documents are written by orjson (numpy arrays in them included)."""
    if codec is json_codec:
        return json_codec.loads(json_codec.dumps(encoded))
    return type(encoded).FromString(encoded.SerializeToString())


@pytest.mark.parametrize("codec", CODECS, ids=lambda c: c.TRANSPORT)
def test_message_round_trip(codec: Codec) -> None:
    message = codec.decode_message(_wire(codec, MESSAGE))
    assert message.kind is DataKind.NDARRAY
    assert message.value.tolist() == [[1.0, 2.0]]
    again = codec.decode_message(_sent(codec, codec.encode_message(message)))
    assert (again.kind, again.value.tolist(), again.names, again.meta) == (
        DataKind.NDARRAY,
        [[1.0, 2.0]],
        ["a", "b"],
        MESSAGE["meta"],
    )


@pytest.mark.parametrize("codec", CODECS, ids=lambda c: c.TRANSPORT)
def test_message_list_round_trip(codec: Codec) -> None:
    messages = [Message(DataKind.STR, "one"), Message(DataKind.JSON, {"two": 2})]
    decoded = codec.decode_message_list(_sent(codec, codec.encode_message_list(messages)))
    assert [(m.kind, m.value) for m in decoded] == [(DataKind.STR, "one"), (DataKind.JSON, {"two": 2})]


@pytest.mark.parametrize("codec", CODECS, ids=lambda c: c.TRANSPORT)
def test_feedback_round_trip_keeps_a_meta_only_response(codec: Codec) -> None:
    feedback = Feedback(
        request=Message(DataKind.NDARRAY, np.array([[1.0]])),
        response=Message(DataKind.NONE, None, meta={"routing": {"router": 1}}),
        reward=0.5,
        truth=None,
    )
    decoded = codec.decode_feedback(_sent(codec, codec.encode_feedback(feedback)))
    assert decoded.reward == 0.5
    assert decoded.request is not None and decoded.request.value.tolist() == [[1.0]]
    assert decoded.response is not None and decoded.response.meta == {"routing": {"router": 1}}
    assert decoded.truth is None


@pytest.mark.parametrize("codec", CODECS, ids=lambda c: c.TRANSPORT)
def test_meta_only_reads_and_replaces_meta_without_decoding_the_payload(codec: Codec) -> None:
    # A tensor whose shape does not fit its values: decoding it would fail, so it must not be decoded.
    undecodable = {"data": {"tensor": {"shape": [5], "values": [1.0]}}, "meta": {"puid": "x"}}
    wire = _wire(codec, undecodable)
    assert codec.decode_meta(wire) == {"puid": "x"}
    replaced = codec.encode_meta(wire, {"puid": "y", "routing": {"r": 0}})
    assert codec.to_document(replaced)["meta"] == {"puid": "y", "routing": {"r": 0}}
    assert codec.to_document(replaced)["data"] == codec.to_document(_wire(codec, undecodable))["data"]
    assert codec.decode_meta(_wire(codec, {"strData": "no meta"})) == {}


@pytest.mark.parametrize("codec", CODECS, ids=lambda c: c.TRANSPORT)
def test_documents_and_protos(codec: Codec) -> None:
    feedback = {"request": {"strData": "q"}, "reward": 1.0}
    as_proto = codec.to_proto(_wire(codec, feedback, "feedback"), "feedback")
    assert isinstance(as_proto, prediction_pb2.Feedback)
    assert as_proto.request.strData == "q"
    assert codec.to_document(_wire(codec, feedback, "feedback"), "feedback") == feedback
    listed = codec.message_list_of([_wire(codec, {"strData": "a"}), _wire(codec, {"strData": "b"})])
    assert [m.value for m in codec.decode_message_list(listed)] == ["a", "b"]


@pytest.mark.parametrize("codec", CODECS, ids=lambda c: c.TRANSPORT)
def test_message_list_framed_from_serialized_messages(codec: Codec) -> None:
    """What the orchestrator hands a combiner: the children's answers as they came, framed into one list."""
    children = [{"strData": "a"}, {"data": {"names": ["x"], "ndarray": [[1.5]]}, "meta": {"tags": {"k": 1}}}, {}]
    if codec is json_codec:
        serialized = [json_codec.dumps(child) for child in children]
        listed: Any = json_codec.loads(codec.message_list_bytes(serialized))
    else:
        serialized = [proto_codec.from_document(child).SerializeToString() for child in children]
        listed = prediction_pb2.SeldonMessageList.FromString(codec.message_list_bytes(serialized))
    assert codec.to_document(listed, "message_list") == {"seldonMessages": children}


@pytest.mark.parametrize("codec", CODECS, ids=lambda c: c.TRANSPORT)
def test_raw_answers_become_the_wire_form(codec: Codec) -> None:
    from_dict = codec.encode_raw({"strData": "from a dict"})
    from_proto = codec.encode_raw(prediction_pb2.SeldonMessage(strData="from a proto"))
    assert codec.to_document(from_dict) == {"strData": "from a dict"}
    assert codec.to_document(from_proto) == {"strData": "from a proto"}
    metadata = codec.encode_raw({"name": "m", "versions": ["1"]}, "model_metadata")
    assert codec.to_document(metadata, "model_metadata") == {"name": "m", "versions": ["1"]}


def test_grpc_refuses_a_raw_answer_that_is_no_message() -> None:
    with pytest.raises(SeldonMicroserviceException) as refused:
        proto_codec.encode_raw("text")
    assert refused.value.status_code == 500
    assert "must return a SeldonMessage" in refused.value.message
    with pytest.raises(SeldonMicroserviceException) as bad_dict:
        proto_codec.encode_raw({"data": {"ndarray": "not a list"}})
    assert bad_dict.value.status_code == 500


def test_rest_sends_text_bytes_and_other_values_as_they_are() -> None:
    for value in ("text", b"bytes", 42):
        assert json_codec.encode_raw(value) is value


def test_a_bad_feedback_document_is_a_bad_request() -> None:
    with pytest.raises(SeldonMicroserviceException) as refused:
        json_codec.to_proto({"reward": "lots"}, "feedback")
    assert refused.value.status_code == 400
    assert refused.value.message.startswith("Invalid feedback")


def test_inbound_decodes_once_and_only_when_asked() -> None:
    calls: list[Any] = []

    class Counting:
        TRANSPORT = "rest"

        def __getattr__(self, name: str) -> Any:
            return getattr(json_codec, name)

        def decode_message(self, raw: Any, /) -> Message:
            calls.append(raw)
            return json_codec.decode_message(raw)

    inbound = Inbound({"strData": "x"}, Counting(), "rest")
    assert calls == []
    assert inbound.message.value == "x"
    assert inbound.message.value == "x"
    assert len(calls) == 1


def test_proto_documents_use_protobufs_json_mapping() -> None:
    proto = proto_codec.from_document({"binData": "AAE="})
    assert proto.binData == b"\x00\x01"
    assert proto_codec.to_document(proto) == json_format.MessageToDict(proto)
