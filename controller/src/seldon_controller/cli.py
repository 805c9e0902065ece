"""``seldon-controller run``: connect (in-cluster config or a kubeconfig) and run until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence

import kubernetes.client
import kubernetes.config

from seldon_controller import settings as settings_module
from seldon_controller.observability import configure_logging
from seldon_controller.runner import Controller

_log = logging.getLogger("seldon_controller")


def api_client(settings: settings_module.Settings) -> kubernetes.client.ApiClient:
    """A kubeconfig when one is named (flag or KUBECONFIG), else the pod's in-cluster config, else ~/.kube/config."""
    configuration = kubernetes.client.Configuration()
    if settings.kubeconfig or os.environ.get("KUBECONFIG"):
        kubernetes.config.load_kube_config(config_file=settings.kubeconfig, client_configuration=configuration)
    elif os.environ.get("KUBERNETES_SERVICE_HOST"):
        kubernetes.config.load_incluster_config(client_configuration=configuration)
    else:
        kubernetes.config.load_kube_config(client_configuration=configuration)
    configuration.connection_pool_maxsize = settings.workers + 16  # workers, watches, leader election
    return kubernetes.client.ApiClient(configuration)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="seldon-controller", description="Run SeldonDeployments on Kubernetes "
                                  "and OpenShift: Deployments, Services and Routes that follow ImageStreams.")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run = commands.add_parser("run", help="reconcile SeldonDeployments until stopped",
                              description="Reconcile SeldonDeployments until SIGTERM. Every flag can also be set "
                                          "by the environment variable shown.")
    settings_module.add_arguments(run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        settings = settings_module.load(arguments)
    except settings_module.SettingsError as error:
        print(f"seldon-controller: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.json_logs)
    try:
        client = api_client(settings)
    except (kubernetes.config.ConfigException, OSError) as error:
        print(f"seldon-controller: cannot reach a cluster: {error}", file=sys.stderr)
        return 2
    controller = Controller(settings, client)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: controller.stop.set())
    scope = f"namespace {settings.namespace}" if settings.namespace else "all namespaces"
    _log.info("seldon-controller %s starting: %s, engine image %s", settings.identity, scope, settings.engine_image)
    code = controller.run()
    _log.info("seldon-controller stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
