"""Watch streams: newline-delimited JSON events from the store to one HTTP response.

``server.py`` hands over each ``?watch=true`` request. The stream starts with the current objects (no
resourceVersion) or the event log after the given one (410 Gone as an ERROR event if it is compacted away), then
follows live events until ``timeoutSeconds``, the client leaving, or a reset; with ``allowWatchBookmarks`` it
sends BOOKMARK events while idle. Selectors are applied to both sides of a change, so an object that leaves the
selection is seen as DELETED and one that enters it as ADDED.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from kube_emulator import errors
from kube_emulator.events import WatchEvent
from kube_emulator.resources import ResourceType
from kube_emulator.selectors import ObjectPredicate
from kube_emulator.store import Store

Visible = Callable[[dict[str, Any] | None], bool]


def flag(value: str | None) -> bool:
    """Booleans in query parameters, as Go's strconv.ParseBool reads them (the Python client sends "True")."""
    return value in ("1", "t", "T", "true", "TRUE", "True")


async def stream(request: web.Request, store: Store, resource: ResourceType, namespace: str | None,
                 name: str | None, matches: ObjectPredicate, bookmark_interval: float) -> web.StreamResponse:
    query = request.query

    def visible(obj: dict[str, Any] | None) -> bool:
        if obj is None:
            return False
        meta = obj["metadata"]
        return ((namespace is None or meta.get("namespace") == namespace)
                and (name is None or meta["name"] == name) and matches(obj))

    loop = asyncio.get_running_loop()
    timeout = float(query.get("timeoutSeconds") or 0)
    deadline = loop.time() + timeout if timeout else None
    bookmarks = flag(query.get("allowWatchBookmarks"))
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    try:
        with store.lock:
            backlog, subscriber = store.subscribe(resource, query.get("resourceVersion"), loop)
            seen = store.resource_version
    except errors.ApiError as failure:
        if failure.code != 410:
            raise
        await response.prepare(request)
        await _send(response, {"type": "ERROR", "object": failure.to_status()})
        return response
    await response.prepare(request)
    try:
        for event in backlog:
            await _send_event(response, store, resource, event, visible)
        while True:
            waits = [bookmark_interval] if bookmarks else []
            if deadline is not None:
                waits.append(deadline - loop.time())
            if waits and min(waits) <= 0:
                break
            try:
                live = await asyncio.wait_for(subscriber.queue.get(), min(waits) if waits else None)
            except TimeoutError:
                if bookmarks and (deadline is None or loop.time() < deadline):
                    await _send(response, {"type": "BOOKMARK", "object": {
                        "kind": resource.kind, "apiVersion": resource.api_version,
                        "metadata": {"resourceVersion": str(seen)}}})
                continue
            if live is None:
                break
            seen = max(seen, live.resource_version)
            await _send_event(response, store, resource, live, visible)
        await response.write_eof()
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        store.unsubscribe(subscriber)
    return response


async def _send_event(response: web.StreamResponse, store: Store, resource: ResourceType, event: WatchEvent,
                      visible: Visible) -> None:
    now, before = visible(event.obj), visible(event.previous)
    if event.type == "MODIFIED":
        kind = "MODIFIED" if now and before else "ADDED" if now else "DELETED" if before else None
    else:
        kind = event.type if now else None
    if kind is not None:
        await _send(response, {"type": kind, "object": store.present(resource, event.obj)})


async def _send(response: web.StreamResponse, event: dict[str, Any]) -> None:
    await response.write(json.dumps(event).encode() + b"\n")
