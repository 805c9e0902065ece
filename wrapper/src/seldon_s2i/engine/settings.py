"""Command line and environment of ``seldon-engine``, and the predictor it serves, refused early if bad.

The predictor comes as Seldon's operator gives it to its executor: ``ENGINE_PREDICTOR``
(base64 of the predictor's JSON), or ``--file <SeldonDeployment YAML/JSON>`` with
``--predictor <name>`` (the only predictor when omitted). It is parsed with the graph
spec (:mod:`seldon_graph`) and checked with its orchestrator rules: a graph the engine
could not walk stops the command with one line per problem, naming the node, before
anything is served.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import socket
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from seldon_graph import GraphSpecError, Predictor, load_predictor, load_seldon_deployment, runtime_problems

from seldon_s2i import environment
from seldon_s2i.engine.payload_log import LoggerSettings, logger_url
from seldon_s2i.engine.topology import NodeTimeouts
from seldon_s2i.environment import SettingError, Variables, argument_type, parse_integer, parse_seconds

PREDICTOR_VARIABLE = "ENGINE_PREDICTOR"
SHADOW_VARIABLE = "ENGINE_SHADOW_ENDPOINTS"
REST_TIMEOUT_ANNOTATION = "seldon.io/rest-timeout"
GRPC_TIMEOUT_ANNOTATION = "seldon.io/grpc-timeout"
MAX_MESSAGE_ANNOTATION = "seldon.io/grpc-max-message-size"
DEFAULT_NODE_TIMEOUT = 60.0
LOGGER_URL_VARIABLE = "REQUEST_LOGGER_DEFAULT_ENDPOINT"
DEFAULT_LOGGER_URL = "http://default-broker"
LOGGER_QUEUE_ANNOTATION = "seldon.io/executor-logger-queue-size"
LOGGER_TIMEOUT_ANNOTATION = "seldon.io/executor-logger-write-timeout-ms"


class EngineConfigError(Exception):
    """The engine cannot start: the message says what to fix."""


@dataclass(frozen=True)
class EngineSettings:
    predictor: Predictor
    deployment: str
    host: str
    http_port: int
    grpc_port: int
    threads: int
    grpc_threads: int
    node_timeouts: NodeTimeouts
    max_message_bytes: int
    log_level: str
    annotations: Mapping[str, str]
    shadow_urls: tuple[str, ...] = ()
    payload_logger: LoggerSettings | None = None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seldon-engine",
        description="Serve a SeldonDeployment predictor's graph (Seldon's executor): REST and gRPC in, "
                    "calls to the graph's nodes out.",
    )
    parser.add_argument("--file", help="SeldonDeployment YAML or JSON file (instead of ENGINE_PREDICTOR)")
    parser.add_argument("--predictor", help="predictor of --file to serve (default: its only predictor)")
    parser.add_argument("--host", default=None, help="address to listen on (default 0.0.0.0)")
    parser.add_argument("--http-port", type=argument_type(parse_integer), default=None,
                        help="REST port (default ENGINE_SERVER_PORT or 8000)")
    parser.add_argument("--grpc-port", type=argument_type(parse_integer), default=None,
                        help="gRPC port (default ENGINE_SERVER_GRPC_PORT or 5001)")
    parser.add_argument("--threads", type=argument_type(parse_integer), default=None,
                        help="REST threads (default ENGINE_THREADS or 16)")
    parser.add_argument("--node-timeout", type=argument_type(parse_seconds), default=None,
                        help="seconds a node call may take, when no seldon.io/rest-timeout or grpc-timeout "
                             f"annotation (in ms) says (default ENGINE_NODE_TIMEOUT or {DEFAULT_NODE_TIMEOUT:g})")
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING or ERROR (default SELDON_LOG_LEVEL or INFO)")
    return parser


def parse(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> EngineSettings:
    """Settings from ``argv`` and ``environ``; EngineConfigError (or argparse's exit) when they are wrong."""
    args = _parser().parse_args(argv)
    variables = Variables(environment.current() if environ is None else environ)
    try:
        predictor, deployment_annotations, deployment = _predictor(args, variables)
        annotations = {**deployment_annotations, **(predictor.annotations or {})}
        deployment_name = variables.text("SELDON_DEPLOYMENT_ID", deployment)
        default_timeout = args.node_timeout if args.node_timeout is not None else \
            variables.seconds("ENGINE_NODE_TIMEOUT", DEFAULT_NODE_TIMEOUT)
        return EngineSettings(
            predictor=predictor,
            deployment=deployment_name,
            host=args.host or variables.text("ENGINE_SERVER_HOST", "0.0.0.0"),
            http_port=args.http_port if args.http_port is not None else variables.integer("ENGINE_SERVER_PORT", 8000),
            grpc_port=args.grpc_port if args.grpc_port is not None else
            variables.integer("ENGINE_SERVER_GRPC_PORT", 5001),
            threads=args.threads if args.threads is not None else variables.integer("ENGINE_THREADS", 16),
            grpc_threads=variables.integer("ENGINE_GRPC_THREADS", 16),
            node_timeouts=NodeTimeouts(
                rest=_annotation_seconds(annotations, REST_TIMEOUT_ANNOTATION, default_timeout),
                grpc=_annotation_seconds(annotations, GRPC_TIMEOUT_ANNOTATION, default_timeout),
            ),
            max_message_bytes=environment.max_message_bytes(variables.environ, annotations.get(MAX_MESSAGE_ANNOTATION)),
            log_level=(args.log_level or variables.text("SELDON_LOG_LEVEL", "INFO")).upper(),
            annotations=annotations,
            shadow_urls=_shadow_urls(variables.optional_text(SHADOW_VARIABLE)),
            payload_logger=_payload_logger(predictor, annotations, variables, deployment_name, args),
        )
    except SettingError as error:
        raise EngineConfigError(str(error)) from None


def _payload_logger(predictor: Predictor, annotations: Mapping[str, str], variables: Variables, deployment: str,
                    args: argparse.Namespace) -> LoggerSettings:
    """Where and how graph nodes with a ``logger`` send their payloads; a logger URL that is not http(s) is
    refused at start, naming the node."""
    default_url = variables.text(LOGGER_URL_VARIABLE, DEFAULT_LOGGER_URL)
    for path, unit in predictor.graph.walk():
        if unit.logger is None:
            continue
        url = logger_url(unit, default_url)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            where = f"{path}.logger.url" if unit.logger.url else LOGGER_URL_VARIABLE
            raise EngineConfigError(f"{where}: {url!r} is not an http:// or https:// URL (graph node {unit.name!r} "
                                    "logs its payloads there)")
    queue_size = _annotation_count(annotations, LOGGER_QUEUE_ANNOTATION, 10000)
    write_timeout = _annotation_seconds(annotations, LOGGER_TIMEOUT_ANNOTATION, 2.0)
    http_port = args.http_port if args.http_port is not None else variables.integer("ENGINE_SERVER_PORT", 8000)
    return LoggerSettings(
        default_url=default_url, queue_size=queue_size, timeout=write_timeout, deployment=deployment,
        namespace=variables.text("POD_NAMESPACE", ""), predictor=predictor.name,
        source=f"http://{variables.text('HOSTNAME', socket.gethostname())}:{http_port}/",
    )


def _annotation_count(annotations: Mapping[str, str], name: str, default: int, unit: str = "") -> int:
    """A positive whole-number annotation (of ``unit``, named in errors), else ``default``."""
    raw = annotations.get(name)
    if raw is None:
        return default
    try:
        count = parse_integer(raw)
    except ValueError as error:
        raise EngineConfigError(f"annotation {name}: {error}" + (f" ({unit})" if unit else "")) from None
    if count <= 0:
        raise EngineConfigError(f"annotation {name}: {raw!r} must be a positive number" + (f" of {unit}" if unit else ""))
    return count


def _shadow_urls(text: str | None) -> tuple[str, ...]:
    urls = tuple(url.strip() for url in (text or "").split(",") if url.strip())
    for url in urls:
        if not url.startswith("http://") or len(url) <= len("http://"):
            raise EngineConfigError(f"{SHADOW_VARIABLE}: {url!r} is not an http:// base URL of a shadow's engine")
    return urls


def _annotation_seconds(annotations: Mapping[str, str], name: str, default: float) -> float:
    """An annotation in milliseconds (as Seldon's), in seconds."""
    return _annotation_count(annotations, name, 0, "milliseconds") / 1000 if name in annotations else default


def _predictor(args: argparse.Namespace, variables: Variables) -> tuple[Predictor, dict[str, str], str]:
    """The predictor, the deployment's annotations and the deployment's name."""
    if args.file:
        return _from_file(args.file, args.predictor)
    if args.predictor:
        raise EngineConfigError("--predictor needs --file")
    encoded = variables.optional_text(PREDICTOR_VARIABLE)
    if encoded is None:
        raise EngineConfigError(f"no graph to serve: set {PREDICTOR_VARIABLE} (base64 of the predictor's JSON) "
                                "or give --file <SeldonDeployment> [--predictor <name>]")
    try:
        document = json.loads(base64.b64decode(encoded.strip(), validate=True))
    except (binascii.Error, ValueError) as error:
        raise EngineConfigError(f"{PREDICTOR_VARIABLE} is not base64 of a JSON predictor: {error}") from None
    return _checked(document, PREDICTOR_VARIABLE), {}, ""


def _from_file(path: str, name: str | None) -> tuple[Predictor, dict[str, str], str]:
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise EngineConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise EngineConfigError(f"{path}: not YAML or JSON: {' '.join(str(error).split())}") from None
    try:
        deployment = load_seldon_deployment(document)
    except GraphSpecError as error:
        raise EngineConfigError(f"{path}: " + "; ".join(error.problems)) from None
    names = [predictor.name for predictor in deployment.spec.predictors]
    if name is None and len(names) != 1:
        raise EngineConfigError(f"{path}: has predictors {names}; choose one with --predictor")
    chosen = name or names[0]
    index = names.index(chosen) if chosen in names else -1
    if index < 0:
        raise EngineConfigError(f"{path}: no predictor named {chosen!r} (it has {', '.join(names) or 'none'})")
    raw = document["spec"]["predictors"][index]
    predictor = _checked(raw, f"{path}: spec.predictors[{index}]")
    if deployment.spec.protocol not in (None, "seldon"):
        raise EngineConfigError(f"{path}: spec.protocol {deployment.spec.protocol!r}: the engine serves the seldon "
                                "protocol")
    return predictor, dict(deployment.spec.annotations or {}), deployment.name


def _checked(document: Any, where: str) -> Predictor:
    try:
        predictor = load_predictor(document)
    except GraphSpecError as error:
        raise EngineConfigError(f"{where}: " + "; ".join(error.problems)) from None
    found = runtime_problems(predictor)
    if found:
        raise EngineConfigError(f"{where}: the graph cannot be served: " + "; ".join(found))
    return predictor
