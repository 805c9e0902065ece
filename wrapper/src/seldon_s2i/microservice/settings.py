"""Command-line arguments and environment of ``seldon-microservice``, as one Settings object.

Flags and environment variables are those of Seldon Core 1.x's
``seldon-core-microservice``, so existing manifests and s2i environments work
unchanged; flags this wrapper adds are marked in --help.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from seldon_s2i.component.contract import ServiceType

ANNOTATIONS_FILE = Path("/etc/podinfo/annotations")
GRPC_MAX_MESSAGE_ANNOTATION = "seldon.io/grpc-max-message-size"
DEFAULT_MAX_MESSAGE_BYTES = 100 * 1024 * 1024


def env_bool(environ: Mapping[str, str], name: str, default: bool = False) -> bool:
    value = environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "t")


def read_annotations(path: Path = ANNOTATIONS_FILE) -> dict[str, str]:
    """The pod's annotations from the downward API file (``key="value"`` per line), if mounted."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    annotations = {}
    for line in lines:
        key, sep, value = line.partition("=")
        if sep:
            annotations[key.strip()] = value.strip().strip('"')
    return annotations


@dataclass(frozen=True)
class Settings:
    interface_name: str
    service_type: ServiceType
    parameters: str
    host: str
    http_port: int
    grpc_port: int
    metrics_port: int
    metrics_endpoint: str
    workers: int
    threads: int
    grpc_workers: int
    grpc_threads: int
    max_message_bytes: int
    graceful_timeout: float
    access_log: bool
    log_level: str
    payload_passthrough: bool
    include_metrics_in_response: bool
    model_metadata: str | None
    pidfile: str | None
    validate_only: bool


def _int_env(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"seldon-microservice: error: environment variable {name}={value!r} is not an integer") from None


# Integer flags whose default comes from an environment variable, as in seldon-core-microservice.
_INTEGER_FLAGS: tuple[tuple[str, str, int, str], ...] = (
    ("--http-port", "PREDICTIVE_UNIT_HTTP_SERVICE_PORT", 9000, "REST port"),
    ("--grpc-port", "PREDICTIVE_UNIT_GRPC_SERVICE_PORT", 5000, "gRPC port"),
    ("--metrics-port", "PREDICTIVE_UNIT_METRICS_SERVICE_PORT", 6000, "Prometheus port, serving /prometheus and /metrics"),
    ("--workers", "GUNICORN_WORKERS", 1, "REST worker processes, each calling load()"),
    ("--threads", "GUNICORN_THREADS", 1, "threads running user code per REST worker"),
    ("--single-threaded", "FLASK_SINGLE_THREADED", 0, "1 forces one thread per REST worker"),
    ("--grpc-workers", "GRPC_WORKERS", 1, "gRPC worker processes sharing the port (SO_REUSEPORT); 0 disables gRPC"),
    ("--grpc-threads", "GRPC_THREADS", 1, "threads per gRPC worker"),
    ("--max-requests", "GUNICORN_MAX_REQUESTS", 0, "gunicorn recycling, not applicable to this server; accepted"),
    ("--max-requests-jitter", "GUNICORN_MAX_REQUESTS_JITTER", 0, "accepted for compatibility"),
    ("--keepalive", "GUNICORN_KEEPALIVE", 2, "accepted for compatibility; HTTP keep-alive is always on"),
)


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    env = environ
    parser = argparse.ArgumentParser(
        prog="seldon-microservice",
        description=(
            "Serve a Python class as a Seldon-protocol (v1) microservice: REST (Flask on granian), gRPC and "
            "Prometheus metrics. Run it in the folder holding the class's module. Environment variables in "
            "[brackets] set the default of a flag."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "interface_name",
        help="the component class: MyModel (class MyModel in MyModel.py) or package.module.ClassName",
    )
    parser.add_argument(
        "--service-type",
        default="MODEL",
        type=str.upper,
        choices=[t.value for t in ServiceType],
        help="what the class is in a graph; start-up checks that it has the method this type needs",
    )
    parser.add_argument("--persistence", type=int, default=0, help="deprecated in Seldon Core; accepted and ignored")
    parser.add_argument(
        "--parameters",
        default=env.get("PREDICTIVE_UNIT_PARAMETERS", "[]"),
        help='JSON list of {"name","value","type"} (INT, FLOAT, DOUBLE, STRING, BOOL) passed to the class '
        "constructor [PREDICTIVE_UNIT_PARAMETERS]",
    )
    parser.add_argument(
        "--log-level",
        default=env.get("SELDON_LOG_LEVEL", "INFO"),
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level [SELDON_LOG_LEVEL]",
    )
    parser.add_argument("--debug", action="store_true", default=env_bool(env, "SELDON_DEBUG"),
                        help="debug logging [SELDON_DEBUG]")
    parser.add_argument("--tracing", type=int, default=_int_env(env, "TRACING", 0),
                        help="OpenTracing is not supported; accepted for compatibility [TRACING]")
    parser.add_argument("--host", default=env.get("SELDON_HOST", "0.0.0.0"),
                        help="address to bind all servers to (added by seldon-s2i) [SELDON_HOST]")
    for flag, variable, default, meaning in _INTEGER_FLAGS:
        parser.add_argument(flag, type=int, default=_int_env(env, variable, default), help=f"{meaning} [{variable}]")
    parser.add_argument("--access-log", action="store_true", default=env_bool(env, "GUNICORN_ACCESS_LOG"),
                        help="log every REST request [GUNICORN_ACCESS_LOG]")
    parser.add_argument("--pidfile", default=None, help="write the supervisor's process id to this file")
    parser.add_argument(
        "--max-message-size",
        type=int,
        default=None,
        help="largest REST body and gRPC message in bytes; larger REST bodies get 413, larger gRPC messages "
        "RESOURCE_EXHAUSTED (added by seldon-s2i; default 100 MiB, or the pod annotation "
        f"{GRPC_MAX_MESSAGE_ANNOTATION}) [SELDON_MAX_MESSAGE_SIZE]",
    )
    parser.add_argument("--graceful-timeout", type=float,
                        default=float(env.get("SELDON_GRACEFUL_TIMEOUT", "25")),
                        help="seconds to finish in-flight requests after SIGTERM (added by seldon-s2i) "
                        "[SELDON_GRACEFUL_TIMEOUT]")
    parser.add_argument(
        "--validate",
        action="store_true",
        help="only check that the class can be imported and serves its --service-type, then exit (0 if so); "
        "used at build time (added by seldon-s2i)",
    )
    return parser


def parse(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    args = build_parser(env).parse_args(argv)
    max_message = args.max_message_size
    if max_message is None:
        annotation = read_annotations().get(GRPC_MAX_MESSAGE_ANNOTATION)
        max_message = _int_env({"v": env.get("SELDON_MAX_MESSAGE_SIZE") or annotation or ""}, "v", DEFAULT_MAX_MESSAGE_BYTES)
    threads = 1 if args.single_threaded else args.threads
    for name, value in (("--workers", args.workers), ("--threads", threads), ("--grpc-threads", args.grpc_threads)):
        if value < 1:
            raise SystemExit(f"seldon-microservice: error: {name} must be at least 1, got {value}")
    if args.grpc_workers < 0:
        raise SystemExit("seldon-microservice: error: --grpc-workers must be 0 or more")
    metrics_endpoint = env.get("PREDICTIVE_UNIT_METRICS_ENDPOINT", "/metrics")
    return Settings(
        interface_name=args.interface_name,
        service_type=ServiceType(args.service_type),
        parameters=args.parameters,
        host=args.host,
        http_port=args.http_port,
        grpc_port=args.grpc_port,
        metrics_port=args.metrics_port,
        metrics_endpoint=metrics_endpoint if metrics_endpoint.startswith("/") else f"/{metrics_endpoint}",
        workers=args.workers,
        threads=threads,
        grpc_workers=args.grpc_workers,
        grpc_threads=args.grpc_threads,
        max_message_bytes=max_message,
        graceful_timeout=args.graceful_timeout,
        access_log=args.access_log,
        log_level="DEBUG" if args.debug else args.log_level,
        payload_passthrough=env_bool(env, "PAYLOAD_PASSTHROUGH"),
        include_metrics_in_response=env_bool(env, "INCLUDE_METRICS_IN_CLIENT_RESPONSE", True),
        model_metadata=env.get("MODEL_METADATA") or None,
        pidfile=args.pidfile,
        validate_only=args.validate,
    )
