"""Seldon's rules for the ``meta`` of a response.

tags: incoming ∪ component ``tags()`` ∪ runtime tags (later wins); metrics:
incoming + this node's; puid echoed; requestPath gains this node's entry
(incoming entries win); routing is left to the orchestrator.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def merge(
    incoming: Iterable[dict[str, Any]],
    tags: dict[str, Any],
    metrics: list[dict[str, Any]],
    request_path: dict[str, str] | None,
    copy_incoming: bool = True,
) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    merged_tags: dict[str, Any] = {}
    merged_metrics: list[dict[str, Any]] = []
    merged_path: dict[str, str] = dict(request_path or {})
    for source in incoming:
        puid = source.get("puid")
        if puid and "puid" not in meta:
            meta["puid"] = puid
        if copy_incoming:
            merged_tags.update(source.get("tags") or {})
            merged_metrics.extend(source.get("metrics") or [])
            merged_path.update(source.get("requestPath") or {})
    merged_tags.update(tags)
    merged_metrics.extend(metrics)
    if merged_tags:
        meta["tags"] = merged_tags
    if merged_metrics:
        meta["metrics"] = merged_metrics
    if merged_path:  # this node's own entry even when incoming meta is not copied (route, feedback), as Seldon does
        meta["requestPath"] = merged_path
    return meta
