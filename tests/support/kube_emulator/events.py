"""Watch events and open watches, shared by ``store.py`` (which records and pushes them) and ``watching.py``
(which streams them to clients)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

StorageKey = tuple[str, str]


@dataclasses.dataclass(frozen=True)
class WatchEvent:
    resource_version: int
    storage_key: StorageKey
    type: str  # ADDED, MODIFIED, DELETED
    obj: dict[str, Any]
    previous: dict[str, Any] | None


class Subscriber:
    """One open watch: events for one storage key are pushed into an asyncio queue on the watch's loop."""

    def __init__(self, storage_key: StorageKey, loop: asyncio.AbstractEventLoop) -> None:
        self.storage_key = storage_key
        self.loop = loop
        self.queue: asyncio.Queue[WatchEvent | None] = asyncio.Queue()

    def push(self, event: WatchEvent | None) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.queue.put_nowait, event)
