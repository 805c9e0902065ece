"""The process environment and the values settings take, in one place.

This is the only module that reads ``os.environ``: commands take a snapshot
with :func:`current` and hand it to their settings (tests hand in a dict).
Every value parser names the forms it accepts, and a bad value is reported
with the variable (or flag) it came from, e.g.
``SELDON_MAX_MESSAGE_SIZE='10MB' is not a size: give bytes (1048576) or a
Kubernetes quantity (10Mi, 10M)``.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TypeVar

T = TypeVar("T")

MAX_MESSAGE_SIZE = "SELDON_MAX_MESSAGE_SIZE"
DEFAULT_MAX_MESSAGE_BYTES = 100 * 1024 * 1024

# Kubernetes resource quantities: binary (Ki = 1024) and decimal (k = 1000) suffixes, or an exponent (1e6).
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_QUANTITY = re.compile(r"^\+?(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?P<suffix>[KMGTPE]i|[kMGTPE]|[eE][+-]?[0-9]+)?$")


class SettingError(ValueError):
    """A setting's value is not of the accepted form; the message names the setting and the forms."""


def current() -> Mapping[str, str]:
    """A snapshot of the process environment."""
    return dict(os.environ)


def export(name: str, value: str) -> None:
    """Set a variable for this process and its children (for libraries that only read the environment)."""
    os.environ[name] = value


# ---- value parsers: ValueError with the accepted forms; usable as argparse types ---------------------------
def parse_size(text: str) -> int:
    """Bytes from a plain number (``1048576``) or a Kubernetes quantity (``10Mi``, ``100M``, ``1.5Gi``),
    rounded up to a whole byte."""
    match = _QUANTITY.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a size: give bytes (1048576) or a Kubernetes quantity (10Mi, 10M)")
    number, suffix = Decimal(match["number"]), match["suffix"] or ""
    if suffix in _BINARY:
        value = number * _BINARY[suffix]
    elif suffix in _DECIMAL:
        value = number * _DECIMAL[suffix]
    else:
        value = number.scaleb(int(suffix[1:]))
    return math.ceil(value)


def parse_integer(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an integer") from None


def parse_seconds(text: str) -> float:
    try:
        value = float(Decimal(text.strip()))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{text!r} is not a number of seconds (e.g. 25 or 0.5)") from None
    if value < 0 or math.isinf(value) or math.isnan(value):
        raise ValueError(f"{text!r} is not a number of seconds (e.g. 25 or 0.5)")
    return value


def argument_type(parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse`` for argparse: its message becomes argparse's ``argument --flag: <message>``."""
    import argparse

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = parse.__name__.removeprefix("parse_")
    return convert


# ---- reading variables -------------------------------------------------------------------------------------
class Variables:
    """Typed reads of an environment snapshot; an unset or empty variable gives the default."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def text(self, name: str, default: str) -> str:
        return self.environ.get(name) or default

    def optional_text(self, name: str) -> str | None:
        return self.environ.get(name) or None

    def value(self, name: str, parse: Callable[[str], T], default: T) -> T:
        raw = self.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            return parse(raw)
        except ValueError as error:
            raise SettingError(f"environment variable {name}={_reason(error, raw)}") from None

    def integer(self, name: str, default: int) -> int:
        return self.value(name, parse_integer, default)

    def size(self, name: str, default: int) -> int:
        return self.value(name, parse_size, default)

    def seconds(self, name: str, default: float) -> float:
        return self.value(name, parse_seconds, default)

    def boolean(self, name: str, default: bool) -> bool:
        # Seldon reads its boolean variables leniently: anything but 1/true/t is false.
        raw = self.environ.get(name)
        return default if raw is None else raw.strip().lower() in ("1", "true", "t")


def _reason(error: ValueError, raw: str) -> str:
    """``'10MB' is not a size: …`` (the parsers start their message with the value)."""
    message = str(error)
    return message if message.startswith(repr(raw)) else f"{raw!r}: {message}"


def max_message_bytes(environ: Mapping[str, str], fallback: str | None = None) -> int:
    """The largest message (REST body, gRPC message) servers and clients accept: ``SELDON_MAX_MESSAGE_SIZE``,
    else ``fallback`` (e.g. the pod's gRPC annotation), else 100 MiB."""
    variables = Variables(environ)
    if variables.optional_text(MAX_MESSAGE_SIZE) is None and fallback:
        try:
            return parse_size(fallback)
        except ValueError as error:
            raise SettingError(f"the message size annotation: {error}") from None
    return variables.size(MAX_MESSAGE_SIZE, DEFAULT_MAX_MESSAGE_BYTES)
