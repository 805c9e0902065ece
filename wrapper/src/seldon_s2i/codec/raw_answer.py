"""Custom metrics a ``*_raw`` method put in its answer's ``meta.metrics``, a dict or a SeldonMessage."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message as ProtoMessage

from seldon_s2i.codec import proto_documents


def take_metrics(value: Any, keep: bool) -> Any:
    """The metrics in ``value``'s meta (JSON form, not yet validated: a dict's may be anything), [] if none;
    removed from ``value`` unless ``keep``."""
    if isinstance(value, dict):
        meta = value.get("meta")
        if isinstance(meta, dict) and meta.get("metrics"):
            metrics = meta["metrics"]
            if not keep:
                del meta["metrics"]
            return metrics
        return []
    if isinstance(value, ProtoMessage) and "meta" in value.DESCRIPTOR.fields_by_name:
        message: Any = value  # a SeldonMessage (or another message with Seldon's meta)
        if message.HasField("meta") and len(message.meta.metrics):
            metrics = proto_documents.dump_metrics(message.meta.metrics)
            if not keep:
                del message.meta.metrics[:]
            return metrics
    return []
