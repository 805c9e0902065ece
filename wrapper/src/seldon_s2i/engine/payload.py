"""A message travelling through the graph, kept in the wire form it arrived in.

The orchestrator forwards what it does not need to read: a node's answer goes to the
next node as the bytes it came in (JSON text from a REST node, serialized protobuf from
a gRPC node). It is converted, through the codecs, only when the next node speaks the
other transport, and parsed only where the walk must read it (a router's answer, the
``meta`` of the final answer, a feedback's ``meta.routing``).
"""

from __future__ import annotations

from typing import Any, Literal

from seldon_s2i.codec import json_codec, proto_codec
from seldon_s2i.codec.base import DocumentKind
from seldon_s2i.codec.proto_documents import MESSAGE_TYPES

Wire = Literal["json", "proto"]


class Payload:
    """One message of ``kind`` as JSON bytes and/or serialized protobuf, each made on first use."""

    __slots__ = ("_json", "_proto", "kind")

    def __init__(self, kind: DocumentKind, *, json: bytes | None = None, proto: bytes | None = None) -> None:
        if json is None and proto is None:
            raise ValueError("a payload needs JSON or protobuf bytes")
        self.kind = kind
        self._json = json
        self._proto = proto

    @classmethod
    def of_document(cls, document: Any, kind: DocumentKind = "message") -> Payload:
        return cls(kind, json=json_codec.dumps(document))

    @classmethod
    def of_proto(cls, message: Any, kind: DocumentKind = "message") -> Payload:
        return cls(kind, proto=message.SerializeToString())

    def json_bytes(self) -> bytes:
        if self._json is None:
            assert self._proto is not None
            message = MESSAGE_TYPES[self.kind].FromString(self._proto)
            self._json = json_codec.dumps(proto_codec.to_document(message, self.kind))
        return self._json

    def proto_bytes(self) -> bytes:
        if self._proto is None:
            assert self._json is not None
            message = proto_codec.from_document(json_codec.loads(self._json), self.kind)
            self._proto = message.SerializeToString()
        return self._proto

    def in_wire(self, wire: Wire) -> bytes:
        return self.json_bytes() if wire == "json" else self.proto_bytes()

    def has(self, wire: Wire) -> bool:
        return (self._json if wire == "json" else self._proto) is not None

    def document(self) -> Any:
        """The message as a plain JSON document (parsed from whichever form is at hand)."""
        if self._json is not None:
            return json_codec.loads(self._json)
        return proto_codec.to_document(self.proto(), self.kind)

    def proto(self) -> Any:
        return MESSAGE_TYPES[self.kind].FromString(self.proto_bytes())


def message_list(payloads: list[Payload], wire: Wire) -> Payload:
    """A SeldonMessageList of ``payloads`` (a combiner's input), assembled from their bytes without parsing them."""
    if wire == "json":
        return Payload("message_list", json=json_codec.message_list_bytes([payload.json_bytes() for payload in payloads]))
    return Payload("message_list", proto=proto_codec.message_list_bytes([payload.proto_bytes() for payload in payloads]))
