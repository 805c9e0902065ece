"""Command-line arguments and environment of ``seldon-microservice``, as one Settings object.

Flags and environment variables are those of Seldon Core 1.x's
``seldon-core-microservice``, so existing manifests and s2i environments work
unchanged; flags this wrapper adds are marked in --help. The environment comes
from :mod:`seldon_s2i.environment` (the only module reading it). A new valued
setting is one row of ``OPTIONS`` (flag, variable, parser, default, help) and a
field of :class:`Settings`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seldon_s2i import environment
from seldon_s2i.component.contract import ServiceType
from seldon_s2i.environment import SettingError, Variables, argument_type, parse_integer, parse_seconds, parse_size
from seldon_s2i.microservice import limits
from seldon_s2i.microservice.limits import HEADER_TIMEOUT_WITHOUT_KEEPALIVE, Limits
from seldon_s2i.unit import UnitInfo

ANNOTATIONS_FILE = Path("/etc/podinfo/annotations")
GRPC_MAX_MESSAGE_ANNOTATION = "seldon.io/grpc-max-message-size"
DEFAULT_MAX_MESSAGE_BYTES = environment.DEFAULT_MAX_MESSAGE_BYTES
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


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


PROTOCOLS = ("both", "seldon", "v2")


def parse_protocol(text: str) -> str:
    value = text.strip().lower()
    if value not in PROTOCOLS:
        raise ValueError(f"{text!r} is not one of {', '.join(PROTOCOLS)}")
    return value


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
    unit: UnitInfo  # who this microservice is in a deployment (PREDICTIVE_UNIT_ID, …)
    metrics_dir: str | None  # PROMETHEUS_MULTIPROC_DIR, if the platform set one
    protocol: str = "both"  # which protocols to serve: "seldon", "v2" (Open Inference) or "both"
    limits: Limits = field(default_factory=Limits)  # timeouts, worker recycling, memory ceiling, connections


@dataclass(frozen=True)
class Option:
    """A valued flag of ``seldon-microservice`` and the environment variable that sets its default.

    ``parse`` reads both (a bad value names the flag or the variable and the accepted forms); a ``None``
    default is resolved in :func:`parse`.
    """

    flag: str
    variable: str | None
    parse: Callable[[str], Any]
    default: Any
    help: str


# The valued flags, as in seldon-core-microservice; flags this wrapper adds say so in their help.
OPTIONS: tuple[Option, ...] = (
    Option("--http-port", "PREDICTIVE_UNIT_HTTP_SERVICE_PORT", parse_integer, 9000, "REST port"),
    Option("--grpc-port", "PREDICTIVE_UNIT_GRPC_SERVICE_PORT", parse_integer, 5000, "gRPC port"),
    Option("--metrics-port", "PREDICTIVE_UNIT_METRICS_SERVICE_PORT", parse_integer, 6000,
           "Prometheus port, serving /prometheus and /metrics"),
    Option("--workers", "GUNICORN_WORKERS", parse_integer, 1, "REST worker processes, each calling load()"),
    Option("--threads", "GUNICORN_THREADS", parse_integer, 1, "threads running user code per REST worker"),
    Option("--single-threaded", "FLASK_SINGLE_THREADED", parse_integer, 0, "1 forces one thread per REST worker"),
    Option("--grpc-workers", "GRPC_WORKERS", parse_integer, 1,
           "gRPC worker processes sharing the port (SO_REUSEPORT); 0 disables gRPC"),
    Option("--grpc-threads", "GRPC_THREADS", parse_integer, 1, "threads per gRPC worker"),
    Option("--max-requests", "GUNICORN_MAX_REQUESTS", parse_integer, 0,
           "replace a REST or gRPC worker after this many requests to the model, as gunicorn does (0: never); "
           "the fresh worker runs load() and takes traffic before the old one stops, no request is dropped"),
    Option("--max-requests-jitter", "GUNICORN_MAX_REQUESTS_JITTER", parse_integer, 0,
           "add a random 0 to N to --max-requests for each worker, so that workers are not replaced together"),
    Option("--max-worker-memory", "SELDON_MAX_WORKER_MEMORY", parse_size, 0,
           "replace a REST or gRPC worker whose resident memory passes this size, in bytes or as a Kubernetes quantity "
           "(512Mi, 1G), checked every second; 0: no ceiling (added by seldon-s2i)"),
    Option("--rest-timeout", "SELDON_REST_TIMEOUT", parse_seconds, None,
           "seconds a REST request may take before it is answered 504 (and its worker replaced, if its model call "
           "is stuck); default: the pod annotation seldon.io/rest-timeout (milliseconds), else none, as in Seldon "
           "(added by seldon-s2i)"),
    Option("--grpc-timeout", "SELDON_GRPC_TIMEOUT", parse_seconds, None,
           "seconds a gRPC call may take before it is answered DEADLINE_EXCEEDED (and its worker replaced, if its "
           "model call is stuck); default: the pod annotation seldon.io/grpc-timeout (milliseconds), else none "
           "(added by seldon-s2i)"),
    Option("--extra-threads", "SELDON_EXTRA_THREADS", parse_integer, 1,
           "threads a REST or gRPC worker has beyond --threads/--grpc-threads: they hold requests waiting for the "
           "model, and health checks are answered while one is free; more keeps health answered under a deeper "
           "queue of slow calls. REST: each costs CPU on every request under load; gRPC: they take only calls "
           "that waited 0.1 s (added by seldon-s2i)"),
    Option("--max-connections", "SELDON_MAX_CONNECTIONS", parse_integer, 1024,
           "open connections a REST worker serves at once; more wait to be accepted (added by seldon-s2i)"),
    Option("--keepalive", "GUNICORN_KEEPALIVE", parse_seconds, 2.0,
           "seconds an idle keep-alive connection stays open, and a client has to send a request's headers; "
           f"0 turns keep-alive off (then headers have {HEADER_TIMEOUT_WITHOUT_KEEPALIVE:g} s)"),
    Option("--tracing", "TRACING", parse_integer, 0, "OpenTracing is not supported; accepted for compatibility"),
    Option(
        "--max-message-size",
        environment.MAX_MESSAGE_SIZE,
        parse_size,
        None,
        "largest REST body and gRPC message, in bytes or as a Kubernetes quantity (10Mi, 100M); larger REST "
        "bodies get 413, larger gRPC messages RESOURCE_EXHAUSTED (added by seldon-s2i; default 100Mi, or the "
        f"pod annotation {GRPC_MAX_MESSAGE_ANNOTATION})",
    ),
    Option("--protocol", "SELDON_PROTOCOL", parse_protocol, "both",
           "serve Seldon's protocol, the Open Inference Protocol (V2: /v2 paths and inference.GRPCInferenceService) "
           "or both, on the same ports (added by seldon-s2i)"),
    Option("--graceful-timeout", "SELDON_GRACEFUL_TIMEOUT", parse_seconds, 25.0,
           "seconds to finish in-flight requests after SIGTERM (added by seldon-s2i)"),
)


def _fail(message: str) -> SystemExit:
    return SystemExit(f"seldon-microservice: error: {message}")


def build_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    env = Variables(environ)
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
        default=env.text("PREDICTIVE_UNIT_PARAMETERS", "[]"),
        help='JSON list of {"name","value","type"} (INT, FLOAT, DOUBLE, STRING, BOOL) passed to the class '
        "constructor [PREDICTIVE_UNIT_PARAMETERS]",
    )
    parser.add_argument(
        "--log-level",
        default=env.text("SELDON_LOG_LEVEL", "INFO"),
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level [SELDON_LOG_LEVEL]",
    )
    parser.add_argument("--debug", action="store_true", default=env.boolean("SELDON_DEBUG", False),
                        help="debug logging [SELDON_DEBUG]")
    parser.add_argument("--host", default=env.text("SELDON_HOST", "0.0.0.0"),
                        help="address to bind all servers to (added by seldon-s2i) [SELDON_HOST]")
    for option in OPTIONS:
        try:
            default = option.default if option.variable is None else env.value(option.variable, option.parse, option.default)
        except SettingError as error:
            raise _fail(str(error)) from None
        parser.add_argument(
            option.flag,
            type=argument_type(option.parse),
            default=default,
            help=option.help + (f" [{option.variable}]" if option.variable else ""),
        )
    parser.add_argument("--access-log", action="store_true", default=env.boolean("GUNICORN_ACCESS_LOG", False),
                        help="log every REST request [GUNICORN_ACCESS_LOG]")
    parser.add_argument("--pidfile", default=None, help="write the supervisor's process id to this file")
    parser.add_argument(
        "--validate",
        action="store_true",
        help="only check that the class can be imported and serves its --service-type, then exit (0 if so); "
        "used at build time (added by seldon-s2i)",
    )
    return parser


def parse(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of this run: flags win over the environment (``environ``, by default the process's)."""
    env_map = environment.current() if environ is None else environ
    env = Variables(env_map)
    args = build_parser(env_map).parse_args(argv)
    max_message = args.max_message_size
    if max_message is None:
        try:
            max_message = environment.max_message_bytes(env_map, read_annotations().get(GRPC_MAX_MESSAGE_ANNOTATION))
        except SettingError as error:
            raise _fail(f"{error} ({GRPC_MAX_MESSAGE_ANNOTATION} in {ANNOTATIONS_FILE})") from None
    threads = 1 if args.single_threaded else args.threads
    for name, value in (("--workers", args.workers), ("--threads", threads), ("--grpc-threads", args.grpc_threads)):
        if value < 1:
            raise _fail(f"{name} must be at least 1, got {value}")
    if args.grpc_workers < 0:
        raise _fail("--grpc-workers must be 0 or more")
    if max_message < 1:
        raise _fail(f"--max-message-size must be at least 1 byte, got {max_message}")
    metrics_endpoint = env.text("PREDICTIVE_UNIT_METRICS_ENDPOINT", "/metrics")
    try:
        serving_limits = limits.from_arguments(args, read_annotations())
    except limits.LimitError as error:
        raise _fail(str(error)) from None
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
        payload_passthrough=env.boolean("PAYLOAD_PASSTHROUGH", False),
        include_metrics_in_response=env.boolean("INCLUDE_METRICS_IN_CLIENT_RESPONSE", True),
        model_metadata=env.optional_text("MODEL_METADATA"),
        pidfile=args.pidfile,
        validate_only=args.validate,
        unit=UnitInfo.from_environment(env_map),
        metrics_dir=env.optional_text(METRICS_DIR_VARIABLE),
        protocol=args.protocol,
        limits=serving_limits,
    )
