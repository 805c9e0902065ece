"""JSON that orjson reads or writes differently from Python's ``json``, which Seldon's wrapper uses.

orjson refuses the ``NaN``, ``Infinity`` and ``-Infinity`` literals, reads integers beyond 64 bits as
floats (losing digits) and writes NaN and infinities as ``null``. ML clients send NaN for a missing
feature, and Seldon echoes these values and big integers exactly, so the JSON codec keeps orjson as its
fast path and hands only such documents to Python's ``json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

# An integer literal of 19 or more digits (not a fraction or an exponent): it may not fit in 64 bits.
_LONG_INTEGER = re.compile(rb"(?<![\d.eE+-])-?\d{19,}(?![\d.eE])")
_LONG_INTEGER_TEXT = re.compile(r"(?<![\d.eE+-])-?\d{19,}(?![\d.eE])")


def may_hold_long_integers(body: bytes | str) -> bool:
    """Whether ``body`` has an integer literal orjson may not read exactly (a fast scan, no parsing)."""
    pattern = _LONG_INTEGER_TEXT if isinstance(body, str) else _LONG_INTEGER
    return pattern.search(body) is not None  # type: ignore[arg-type]


def loads(body: bytes | str) -> Any:
    """``body`` parsed as Python's ``json`` does (NaN and Infinity literals, exact big integers).

    Raises ValueError (or RecursionError for very deep nesting) when it is no JSON at all.
    """
    return json.loads(body)


def writes_null(encoded: bytes) -> bool:
    """Whether orjson's output has a ``null``, which may stand for a NaN or an infinity."""
    return b"null" in encoded


def dumps(document: Any, default: Callable[[Any], Any]) -> bytes:
    """``document`` written as Python's ``json`` writes it: NaN, Infinity and big integers as literals."""

    def fallback(value: Any) -> Any:
        if isinstance(value, orjson.Fragment):  # pre-encoded JSON: read it back
            return json.loads(orjson.dumps(value))
        return default(value)

    return json.dumps(document, default=fallback, allow_nan=True, ensure_ascii=False, separators=(",", ":")).encode()
