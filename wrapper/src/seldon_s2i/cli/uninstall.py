"""``seldon-s2i uninstall``: remove the pack with playbooks/uninstall.yml, which refuses to delete the
CRD (and with it every SeldonDeployment) while SeldonDeployments exist unless
``--remove-seldondeployments``. Registered by ``seldon_s2i.cli.main``.
"""

from __future__ import annotations

import argparse
from typing import Any

from seldon_s2i.cli import playbook


def handle(args: argparse.Namespace) -> int:
    variables = {"controller_namespace": args.namespace, "catalog_namespace": args.catalog_namespace,
                 "remove_seldondeployments": str(args.remove_seldondeployments).lower()}
    return playbook.run("uninstall.yml", args, variables)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "uninstall", help="remove the pack from a cluster (playbooks/uninstall.yml)",
        description="Remove the controller, the in-cluster builds, the templates and ImageStreams, the console "
        "samples, the aggregated roles, the CRD and the controller's namespace, in that order.",
    )
    parser.add_argument("-n", "--namespace", default="seldon-system", help="namespace of the controller")
    parser.add_argument("--catalog-namespace", default="openshift", help="namespace of the ImageStreams and templates")
    parser.add_argument("--remove-seldondeployments", action="store_true",
                        help="delete the CRD even though SeldonDeployments exist (they are deleted with it)")
    playbook.add_cluster_arguments(parser)
    parser.set_defaults(handler=handle)
