"""Watched caches of the kinds the controller reads: list once, then follow a watch, relisting after 410 Gone.

Each ``Informer`` runs in its own thread, keeps the objects of one kind by (namespace, name) and tells its
handler what changed. The reconciler reads these caches instead of the API server, and records what it writes
(``remember``), so a reconcile right after a write does not act on the state before it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from seldon_controller import kube

Handler = Callable[[str, dict[str, Any]], None]
_log = logging.getLogger(__name__)


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace", "")), str(meta.get("name", ""))


def _slim(obj: dict[str, Any]) -> dict[str, Any]:
    """The object without managedFields: nothing here reads them, and they are a third of a Deployment's size."""
    (obj.get("metadata") or {}).pop("managedFields", None)
    return obj


def _version(obj: dict[str, Any]) -> int:
    text = str((obj.get("metadata") or {}).get("resourceVersion", ""))
    return int(text) if text.isdigit() else -1


class Informer:
    def __init__(self, api: kube.Api, api_version: str, kind: str, namespace: str | None,
                 label_selector: str | None, handler: Handler, stop: threading.Event) -> None:
        self.api = api
        self.api_version = api_version
        self.kind = kind
        self.url = kube.path(api_version, kind, namespace)
        self.label_selector = label_selector
        self.handler = handler
        self.stop = stop
        self.synced = threading.Event()
        self._objects: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"watch-{self.kind}", daemon=True)
        self._thread.start()

    def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        with self._lock:
            return self._objects.get((namespace, name))

    def items(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._objects.values())

    def remember(self, obj: dict[str, Any]) -> None:
        """Keep what a write returned, unless the watch already brought something newer."""
        with self._lock:
            current = self._objects.get(_key(obj))
            if current is None or _version(obj) >= _version(current):
                obj.setdefault("kind", self.kind)
                obj.setdefault("apiVersion", self.api_version)
                self._objects[_key(obj)] = _slim(obj)

    def forget(self, obj: dict[str, Any]) -> None:
        with self._lock:
            self._objects.pop(_key(obj), None)

    def _relist(self) -> str:
        items, version = self.api.list(self.url, self.label_selector)
        with self._lock:
            gone = [obj for key, obj in self._objects.items() if key not in {_key(item) for item in items}]
            self._objects = {_key(item): _slim(item) for item in items}
        for obj in gone:
            self.handler("DELETED", obj)
        for item in items:
            self.handler("ADDED", item)
        self.synced.set()
        return version

    def _run(self) -> None:
        version = ""
        while not self.stop.is_set():
            try:
                if not version:
                    version = self._relist()
                for event_type, obj in self.api.watch(self.url, version, self.label_selector):
                    if self.stop.is_set():
                        return
                    version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
                    if event_type == "BOOKMARK":
                        continue
                    obj.setdefault("kind", self.kind)
                    obj.setdefault("apiVersion", self.api_version)
                    _slim(obj)
                    with self._lock:
                        if event_type == "DELETED":
                            self._objects.pop(_key(obj), None)
                        else:
                            self._objects[_key(obj)] = obj
                    self.handler(event_type, obj)
            except kube.ApiError as failure:
                if failure.status == 410:
                    version = ""  # too old: list again
                    continue
                _log.warning("watch of %s failed: %s", self.kind, failure)
                self.stop.wait(1.0)
            except Exception as failure:  # connection lost or reset: back off and watch again
                if self.stop.is_set():
                    return
                _log.warning("watch of %s ended: %r", self.kind, failure)
                self.stop.wait(1.0)
