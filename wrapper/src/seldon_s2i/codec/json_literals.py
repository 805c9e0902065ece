"""JSON that orjson reads or writes differently from Python's ``json``, which Seldon's wrapper uses.

orjson refuses the ``NaN``, ``Infinity`` and ``-Infinity`` literals, reads integers beyond 64 bits as
floats (losing digits) and writes NaN and infinities as ``null``. ML clients send NaN for a missing
feature, and Seldon echoes these values and big integers exactly, so the JSON codec keeps orjson as its
fast path and hands only such documents to Python's ``json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

# bytes.translate maps digits to "9", the bytes a number can follow to "," and all else to "x": a number that
# starts with 19 digits (an integer of 19 or more; a fraction's digits follow "." and stay apart) then reads
# ",9999999999999999999". Two C-speed passes, no regex stepping through every byte.
_NUMBER_START = bytes(
    ord("9") if chr(c).isdigit() and c < 128 else ord(",") if bytes([c]) in b",:[{ \t\r\n-" else ord("x")
    for c in range(256)
)
_LONG_INTEGER = b"," + b"9" * 19


def integers_matter(document: Any) -> bool:
    """Whether a parsed document may hold integers a model gets as they are: not a tensor, whose values are doubles.

    Spares the scan below to the large tensor bodies of the common case.
    """
    if isinstance(document, dict):
        data = document.get("data")
        return not (isinstance(data, dict) and "tensor" in data and len(document.keys() - {"meta", "status"}) == 1)
    return True


def may_hold_long_integers(body: bytes | str) -> bool:
    """Whether ``body`` has an integer orjson may not read exactly: 19 digits or more (no parsing)."""
    data = body.encode() if isinstance(body, str) else body
    return _LONG_INTEGER in (b"," + data).translate(_NUMBER_START)


def loads(body: bytes | str) -> Any:
    """``body`` parsed as Python's ``json`` does (NaN and Infinity literals, exact big integers).

    Raises ValueError (or RecursionError for very deep nesting) when it is no JSON at all.
    """
    return json.loads(body)


def writes_null(encoded: bytes) -> bool:
    """Whether orjson's output has a ``null``, which may stand for a NaN or an infinity.

    Hops between the few "u"s of a typical answer (memchr speed: numbers have none) rather than searching
    for the word, which costs a millisecond on a large tensor; text full of "u"s gets the plain search.
    """
    position = encoded.find(b"u")
    for _ in range(64):
        if position == -1:
            return False
        if encoded[position - 1 : position + 3] == b"null":
            return True
        position = encoded.find(b"u", position + 1)
    return b"null" in encoded


def dumps(document: Any, default: Callable[[Any], Any]) -> bytes:
    """``document`` written as Python's ``json`` writes it: NaN, Infinity and big integers as literals."""

    def fallback(value: Any) -> Any:
        if isinstance(value, orjson.Fragment):  # pre-encoded JSON: read it back
            return json.loads(orjson.dumps(value))
        return default(value)

    return json.dumps(document, default=fallback, allow_nan=True, ensure_ascii=False, separators=(",", ":")).encode()
