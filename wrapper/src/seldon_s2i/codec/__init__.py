"""The Seldon message codec: the one place that knows the wire formats.

``base`` states the contract every codec keeps (and the request/answer envelopes
handlers see); ``message`` holds the decoded, transport-neutral form; ``json_codec``
and ``proto_codec`` convert it to and from REST JSON and protobuf; ``tftensor`` converts
TensorFlow TensorProtos; ``response`` builds a response message from a user
method's result with Seldon's encoding and meta rules.
"""

from seldon_s2i.codec.message import DataKind, Feedback, Message

__all__ = ["DataKind", "Feedback", "Message"]
