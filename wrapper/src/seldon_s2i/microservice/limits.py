"""Settings that keep a hanging or leaking model, or a greedy client, from taking the service down.

Their flags and variables are rows of :data:`seldon_s2i.microservice.settings.OPTIONS`; this module turns the
parsed values (and the pod's timeout annotations, as Seldon's executor reads them) into :class:`Limits`.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass

REST_TIMEOUT_ANNOTATION = "seldon.io/rest-timeout"
GRPC_TIMEOUT_ANNOTATION = "seldon.io/grpc-timeout"
# When keep-alive is off (--keepalive 0), the time a client has to send a request's headers.
HEADER_TIMEOUT_WITHOUT_KEEPALIVE = 10.0


@dataclass(frozen=True)
class Limits:
    max_requests: int = 0  # replace a REST worker after this many requests (0: never)
    max_requests_jitter: int = 0
    max_worker_memory: int = 0  # bytes of resident memory past which a worker is replaced (0: no ceiling)
    rest_timeout: float = 0.0  # seconds; 0: none, as in Seldon
    grpc_timeout: float = 0.0
    max_connections: int = 1024  # open connections per REST worker
    extra_threads: int = 1  # threads beyond --threads (--grpc-threads) for waiting requests and health checks
    keepalive: float = 2.0  # seconds an idle connection is kept, and a client has to send a request's headers

    @property
    def header_timeout(self) -> float:
        return self.keepalive if self.keepalive > 0 else HEADER_TIMEOUT_WITHOUT_KEEPALIVE


class LimitError(ValueError):
    """A limit's value is out of range; the message names the flag and its variable."""


def from_arguments(args: argparse.Namespace, annotations: Mapping[str, str]) -> Limits:
    for flag, variable, value, least in (
        ("--max-requests", "GUNICORN_MAX_REQUESTS", args.max_requests, 0),
        ("--max-requests-jitter", "GUNICORN_MAX_REQUESTS_JITTER", args.max_requests_jitter, 0),
        ("--max-worker-memory", "SELDON_MAX_WORKER_MEMORY", args.max_worker_memory, 0),
        ("--max-connections", "SELDON_MAX_CONNECTIONS", args.max_connections, 1),
        ("--extra-threads", "SELDON_EXTRA_THREADS", args.extra_threads, 0),
    ):
        if value < least:
            raise LimitError(f"{flag} [{variable}] must be at least {least}, got {value}")
    return Limits(
        max_requests=args.max_requests,
        max_requests_jitter=args.max_requests_jitter,
        max_worker_memory=args.max_worker_memory,
        rest_timeout=_timeout(args.rest_timeout, annotations, REST_TIMEOUT_ANNOTATION),
        grpc_timeout=_timeout(args.grpc_timeout, annotations, GRPC_TIMEOUT_ANNOTATION),
        max_connections=args.max_connections,
        extra_threads=args.extra_threads,
        keepalive=args.keepalive,
    )


def _timeout(given: float | None, annotations: Mapping[str, str], annotation: str) -> float:
    """The flag or variable if set, else the pod annotation (milliseconds, as Seldon reads it), else none."""
    if given is not None:
        return float(given)
    text = annotations.get(annotation)
    if not text:
        return 0.0
    try:
        milliseconds = int(text)
    except ValueError:
        raise LimitError(f"the pod annotation {annotation}={text!r} is not a whole number of milliseconds") from None
    if milliseconds < 0:
        raise LimitError(f"the pod annotation {annotation}={text!r} must not be negative")
    return milliseconds / 1000
