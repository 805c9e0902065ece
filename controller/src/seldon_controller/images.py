"""ImageStreamTags resolved from the watched ImageStreams, and which SeldonDeployments use which stream.

ImageStreamTags cannot be watched, so the controller watches ImageStreams: a tag's current image is the newest
item of ``status.tags[<tag>]`` (its ``dockerImageReference``, a pull spec by digest), and a change of a stream
requeues exactly the SeldonDeployments whose componentSpecs name one of its tags.
"""

from __future__ import annotations

import threading
from typing import Any

from seldon_controller.informers import Informer

Key = tuple[str, str]


def current_image(stream: dict[str, Any], tag: str) -> str | None:
    status = stream.get("status") or {}
    for entry in status.get("tags") or []:
        if entry.get("tag") != tag:
            continue
        items = entry.get("items") or []
        if not items:
            return None
        newest = items[0]
        reference = newest.get("dockerImageReference")
        if reference:
            return str(reference)
        repository = status.get("dockerImageRepository")
        return f"{repository}@{newest['image']}" if repository and newest.get("image") else None
    return None


class ImageIndex:
    def __init__(self) -> None:
        self._streams: dict[Key, set[Key]] = {}  # (namespace, stream) -> SeldonDeployment keys
        self._by_deployment: dict[Key, set[Key]] = {}
        self._lock = threading.Lock()
        self.informer: Informer | None = None

    def resolve(self, namespace: str, stream: str, tag: str) -> str | None:
        if self.informer is None:
            return None
        found = self.informer.get(namespace, stream)
        return current_image(found, tag) if found is not None else None

    def record(self, deployment: Key, streams: set[Key]) -> None:
        with self._lock:
            for stream in self._by_deployment.get(deployment, set()) - streams:
                self._streams.get(stream, set()).discard(deployment)
            for stream in streams:
                self._streams.setdefault(stream, set()).add(deployment)
            self._by_deployment[deployment] = set(streams)

    def forget(self, deployment: Key) -> None:
        self.record(deployment, set())
        with self._lock:
            self._by_deployment.pop(deployment, None)

    def users(self, stream: Key) -> set[Key]:
        with self._lock:
            return set(self._streams.get(stream, set()))
