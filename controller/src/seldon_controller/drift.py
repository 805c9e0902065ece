"""Whether an object must be applied: its desired configuration changed, or someone changed what it applies.

A reconcile that finds nothing to change must send no write. Each applied object carries the hash of the
configuration last applied (``seldon.io/s2i-applied``): a different hash means fields were added, changed or
dropped (server-side apply then removes dropped fields); the same hash with a live object that no longer holds
every applied value means another writer changed one of our fields. Server defaults and fields others own are
not differences; quantities compare by value (the server stores ``0.5`` CPU as ``"500m"``).
"""

from __future__ import annotations

import decimal
import hashlib
import json
import re
from typing import Any

HASH_ANNOTATION = "seldon.io/s2i-applied"
_QUANTITY = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")
_SCALE: dict[str, int | decimal.Decimal] = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60,
          "n": decimal.Decimal("1e-9"), "u": decimal.Decimal("1e-6"), "m": decimal.Decimal("1e-3"), "": 1,
          "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15, "E": 10 ** 18}
_KEYS = ("name", "containerPort", "port", "mountPath", "type")


def stamp(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` with the hash of its configuration in its annotations."""
    digest = hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:20]
    meta = obj.setdefault("metadata", {})
    meta["annotations"] = {**(meta.get("annotations") or {}), HASH_ANNOTATION: digest}
    return obj


def _quantity(value: Any) -> decimal.Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    match = _QUANTITY.match(str(value))
    if match is None:
        return None
    suffix = match.group(2) or ""
    if suffix[:1] in ("e", "E"):
        return decimal.Decimal(match.group(1)).scaleb(int(suffix[1:]))
    return decimal.Decimal(match.group(1)) * decimal.Decimal(_SCALE[suffix])


def _same_scalar(wanted: Any, live: Any, path: tuple[str, ...]) -> bool:
    if wanted == live and type(wanted) is type(live):
        return True
    if any(step in ("resources", "requests", "limits", "target") for step in path):
        wanted_value, live_value = _quantity(wanted), _quantity(live)
        return wanted_value is not None and wanted_value == live_value
    return False


def _list_key(items: list[Any]) -> str | None:
    for key in _KEYS:
        if items and all(isinstance(item, dict) and key in item for item in items):
            return key
    return None


def holds(live: Any, wanted: Any, path: tuple[str, ...] = ()) -> bool:
    """Whether ``live`` holds every value of ``wanted`` (maps: each key; keyed lists: each item by its key)."""
    if isinstance(wanted, dict):
        return isinstance(live, dict) and all(key in live and holds(live[key], value, (*path, key))
                                              for key, value in wanted.items())
    if isinstance(wanted, list):
        if not isinstance(live, list):
            return False
        key = _list_key(wanted)
        if key is None or _list_key(live) != key:
            return len(live) == len(wanted) and all(holds(have, want, path) for have, want in zip(live, wanted, strict=True))
        by_key = {item[key]: item for item in live}
        order = [item[key] for item in live if item[key] in {want[key] for want in wanted}]
        return order == [want[key] for want in wanted] and all(
            want[key] in by_key and holds(by_key[want[key]], want, path) for want in wanted)
    return _same_scalar(wanted, live, path)


def needs_apply(desired: dict[str, Any], live: dict[str, Any] | None) -> bool:
    """``desired`` is stamped; ``live`` is the object as the cache holds it (None: absent)."""
    if live is None or (live.get("metadata") or {}).get("deletionTimestamp"):
        return True
    wanted = (desired["metadata"].get("annotations") or {}).get(HASH_ANNOTATION)
    if (live["metadata"].get("annotations") or {}).get(HASH_ANNOTATION) != wanted:
        return True
    return not holds(live, {key: value for key, value in desired.items() if key != "status"})
