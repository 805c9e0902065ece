"""The codec contract: what a handler may ask of a transport's wire format, and the request/answer envelopes.

A codec converts one wire format (REST JSON documents, protobuf messages) to and
from the transport-neutral :class:`Message` and :class:`Feedback`, and between
its wire form and plain JSON documents ("raw dict ⇄ wire"). The two codecs are
modules, ``json_codec`` and ``proto_codec``, and each module is itself a
:class:`Codec`: they hold no state, a module attribute is the cheapest lookup on
the hot path, and mypy checks a module against a Protocol like any class.

Handlers never look at the wire type themselves: an :class:`Inbound` carries the
raw request together with its codec, decodes it on first use only (a
``*_raw`` method or an orchestrator forwarding a payload never pays for numpy),
and a handler answers with a :class:`Message` to encode or a :class:`Raw`
value, which the transport turns into its wire form with ``codec.encode_raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, Protocol

from seldon_s2i.codec.message import Feedback, Message

# The protocol messages a document may be: "message" (SeldonMessage), "message_list" (SeldonMessageList),
# "feedback" (Feedback), "model_metadata" (SeldonModelMetadata) and "graph_metadata" (SeldonGraphMetadata).
DocumentKind = Literal["message", "message_list", "feedback", "model_metadata", "graph_metadata"]


class Codec(Protocol):
    """One wire format of Seldon's protocol. ``wire`` below means this codec's form of a message:
    a parsed JSON document (dict or list) for ``json_codec``, a protobuf message for ``proto_codec``.

    ``encode_*`` answer what the transport writes: JSON documents may hold numpy arrays and pre-encoded
    fragments that only ``json_codec.dumps`` writes, so they are read back from the bytes, not as they are.
    """

    TRANSPORT: str  # "rest" or "grpc": which methods of the user's class (``*_rest``/``*_grpc``) apply

    # ---- decoded form ⇄ wire ------------------------------------------------------------------------------
    def decode_message(self, raw: Any, /) -> Message:
        """A SeldonMessage, its payload decoded (numpy for ``data``); SeldonMicroserviceException (400) if bad."""
        ...

    def encode_message(self, message: Message, /) -> Any:
        """The SeldonMessage ``message`` in wire form."""
        ...

    def decode_message_list(self, raw: Any, /) -> list[Message]:
        """A SeldonMessageList (REST also takes a bare JSON list), each message decoded."""
        ...

    def encode_message_list(self, messages: list[Message], /) -> Any:
        """The SeldonMessageList of ``messages`` in wire form."""
        ...

    def decode_feedback(self, raw: Any, /) -> Feedback:
        """A Feedback, its request, response and truth decoded."""
        ...

    def encode_feedback(self, feedback: Feedback, /) -> Any:
        """The Feedback ``feedback`` in wire form."""
        ...

    # ---- meta only: read or replace a message's meta without decoding its payload ----------------------
    def decode_meta(self, raw: Any, /) -> dict[str, Any]:
        """The JSON form of a wire message's ``meta`` ({} when absent); the payload is not decoded."""
        ...

    def encode_meta(self, raw: Any, meta: dict[str, Any], /) -> Any:
        """The wire message ``raw`` with its meta replaced by ``meta``; the payload is not decoded or copied
        (a proto is changed in place, a JSON document is copied shallowly)."""
        ...

    # ---- raw wire ⇄ plain JSON documents -------------------------------------------------------------------
    def to_document(self, raw: Any, kind: DocumentKind = "message", /) -> Any:
        """A wire value of ``kind`` as a plain JSON document (protobuf's JSON mapping for protos)."""
        ...

    def from_document(self, document: Any, kind: DocumentKind = "message", /) -> Any:
        """A plain JSON document of ``kind`` in wire form; 400 if it is no such message."""
        ...

    def to_proto(self, raw: Any, kind: DocumentKind = "message", /) -> Any:
        """A wire value of ``kind`` as its protobuf message (``send_feedback_raw`` always gets a Feedback proto)."""
        ...

    def encode_raw(self, value: Any, kind: DocumentKind = "message", /) -> Any:
        """What a ``*_raw`` method (or an orchestrator) answered, a dict or a protobuf message, in wire form.

        JSON leaves other values (text, bytes, a framework response) for the transport to send as they are;
        protobuf refuses them (500), since a gRPC answer must be a message of ``kind``.
        """
        ...

    def message_list_of(self, raws: list[Any], /) -> Any:
        """A SeldonMessageList in wire form holding the wire messages ``raws`` as they are (no decoding)."""
        ...

    def message_list_bytes(self, messages: list[bytes], /) -> bytes:
        """A serialized SeldonMessageList framing already serialized messages, none of them parsed."""
        ...


@dataclass(slots=True)
class Raw:
    """A handler's answer to send back as it is: what a ``*_raw`` method returned, or a forwarded wire message."""

    value: Any


Outbound = Message | Raw


_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class Inbound:
    """A request as received: ``raw`` (wire form, or REST bytes with payload passthrough), the ``codec``
    that reads it, and its decoded ``message`` on first use.

    ``headers`` are the request's HTTP headers (REST, case-insensitive) or its invocation metadata (gRPC,
    lower-case keys), read only if a handler looks (the orchestrator forwards them to the graph's nodes);
    ``answer_headers`` are headers a handler wants on its answer (REST headers, gRPC initial metadata),
    e.g. the orchestrator's ``Seldon-Puid``."""

    __slots__ = ("_message", "answer_headers", "codec", "headers", "raw", "transport")

    def __init__(self, raw: Any, codec: Codec, transport: str, headers: Mapping[str, str] | None = None) -> None:
        self.raw = raw
        self.codec = codec
        self.transport = transport
        self.headers = _NO_HEADERS if headers is None else headers
        self.answer_headers: dict[str, str] = {}
        self._message: Message | None = None

    @property
    def message(self) -> Message:
        if self._message is None:
            self._message = self.codec.decode_message(self.raw)
        return self._message
