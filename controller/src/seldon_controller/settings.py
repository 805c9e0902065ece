"""The controller's settings: one table of command-line flags, each with its environment variable and default.

``cli.py`` builds the parser from ``FLAGS``; every setting can come from the environment of the controller's
pod (``SELDON_CONTROLLER_*``), which is how the manifests set them. A bad value names its flag and variable.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import socket
from collections.abc import Mapping

from seldon_controller.naming import PortBases

DEFAULT_ENGINE_IMAGE = "image-registry.openshift-image-registry.svc:5000/openshift/seldon-python:latest"


@dataclasses.dataclass(frozen=True)
class Settings:
    namespace: str | None = None  # None: every namespace
    kubeconfig: str | None = None  # None: in-cluster, else KUBECONFIG / ~/.kube/config
    engine_image: str = DEFAULT_ENGINE_IMAGE
    field_manager: str = "seldon-controller"
    identity: str = dataclasses.field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    leader_election: bool = True
    lease_name: str = "seldon-controller-leader"
    lease_namespace: str = "default"
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    health_port: int = 8081  # /healthz, /readyz and /metrics; 0 disables
    workers: int = 4
    json_logs: bool = False
    log_level: str = "INFO"
    resync_seconds: float = 300.0
    discovery_seconds: float = 30.0
    ports: PortBases = dataclasses.field(default_factory=PortBases)


@dataclasses.dataclass(frozen=True)
class Flag:
    name: str
    field: str
    kind: type
    help: str

    @property
    def variable(self) -> str:
        return "SELDON_CONTROLLER_" + self.name.upper().replace("-", "_")


FLAGS = (
    Flag("namespace", "namespace", str, "watch only this namespace (default: all namespaces)"),
    Flag("kubeconfig", "kubeconfig", str, "kubeconfig file (default: in-cluster config, else KUBECONFIG)"),
    Flag("engine-image", "engine_image", str, "image of the seldon-engine orchestrator container"),
    Flag("field-manager", "field_manager", str, "field manager name of server-side apply"),
    Flag("identity", "identity", str, "holder identity in the leader Lease (default: host name and pid)"),
    Flag("leader-election", "leader_election", bool, "elect a leader on a Lease before acting (true/false)"),
    Flag("lease-name", "lease_name", str, "name of the leader Lease"),
    Flag("lease-namespace", "lease_namespace", str, "namespace of the leader Lease"),
    Flag("lease-duration", "lease_duration", float, "seconds a leader's Lease lasts without renewal"),
    Flag("renew-deadline", "renew_deadline", float, "seconds a leader keeps trying to renew before giving up"),
    Flag("retry-period", "retry_period", float, "seconds between Lease attempts"),
    Flag("health-port", "health_port", int, "port of /healthz, /readyz and /metrics (0: none)"),
    Flag("workers", "workers", int, "SeldonDeployments reconciled at once"),
    Flag("json-logs", "json_logs", bool, "log one JSON object a line (true/false)"),
    Flag("log-level", "log_level", str, "DEBUG, INFO, WARNING or ERROR"),
    Flag("resync-seconds", "resync_seconds", float, "reconcile every SeldonDeployment at least this often"),
)

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class SettingsError(ValueError):
    pass


def _convert(flag: Flag, text: str, source: str) -> object:
    try:
        if flag.kind is bool:
            if text.lower() not in _TRUE + _FALSE:
                raise ValueError
            return text.lower() in _TRUE
        value = flag.kind(text)
    except ValueError:
        raise SettingsError(f"{source}: {text!r} is not a valid {flag.kind.__name__}") from None
    if flag.kind in (int, float) and value < 0:
        raise SettingsError(f"{source}: must not be negative, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for flag in FLAGS:
        parser.add_argument(f"--{flag.name}", dest=flag.field, default=None, metavar=flag.variable,
                            help=f"{flag.help} [env {flag.variable}]")


def _port_bases(environ: Mapping[str, str]) -> PortBases:
    values = {}
    for field, variable in (("http", "PREDICTIVE_UNIT_HTTP_SERVICE_PORT"), ("grpc", "PREDICTIVE_UNIT_GRPC_SERVICE_PORT"),
                            ("metrics", "PREDICTIVE_UNIT_METRICS_SERVICE_PORT")):
        if environ.get(variable):
            try:
                values[field] = int(environ[variable])
            except ValueError:
                raise SettingsError(f"{variable}: {environ[variable]!r} is not a port number") from None
    return PortBases(**values)


def load(arguments: argparse.Namespace | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from flags (first), the environment, then the defaults."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for flag in FLAGS:
        given = getattr(arguments, flag.field, None) if arguments is not None else None
        if given is not None:
            values[flag.field] = _convert(flag, str(given), f"--{flag.name}")
        elif environ.get(flag.variable):
            values[flag.field] = _convert(flag, environ[flag.variable], flag.variable)
    if "lease_namespace" not in values and values.get("namespace"):
        values["lease_namespace"] = values["namespace"]
    settings = Settings(**values, ports=_port_bases(environ))  # type: ignore[arg-type]
    if settings.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(f"--log-level / SELDON_CONTROLLER_LOG_LEVEL: {settings.log_level!r} is not one of "
                            "DEBUG, INFO, WARNING, ERROR")
    if settings.leader_election and not settings.renew_deadline < settings.lease_duration:
        raise SettingsError("--renew-deadline must be shorter than --lease-duration")
    return settings
