"""``seldon-s2i install`` and ``seldon-s2i upgrade``: put the pack on a cluster, or move it to a new
version, with playbooks/install.yml (the same playbook: an upgrade is an install with a new
controller image). Registered by ``seldon_s2i.cli.main``; runs through ``seldon_s2i.cli.playbook``.
"""

from __future__ import annotations

import argparse
from typing import Any

from seldon_s2i.cli import playbook


def _variables(args: argparse.Namespace) -> dict[str, str]:
    variables = {"controller_namespace": args.namespace, "catalog_namespace": args.catalog_namespace,
                 "build_images": str(not args.no_build_images).lower(), "wait_timeout": str(args.wait_timeout)}
    if args.version:
        variables["controller_version"] = args.version
    if args.controller_image:
        variables["controller_image"] = args.controller_image
    return variables


def handle(args: argparse.Namespace) -> int:
    return playbook.run("install.yml", args, _variables(args))


def _add_parser(subparsers: Any, name: str, help_text: str, description: str) -> None:
    parser = subparsers.add_parser(name, help=help_text, description=description)
    parser.add_argument("--version", help="controller version: the seldon-controller tag to run (default: the one imagestreams/ declares)")
    parser.add_argument("--controller-image", metavar="IMAGE", help="the controller's image (default: that tag)")
    parser.add_argument("-n", "--namespace", default="seldon-system", help="namespace of the controller")
    parser.add_argument("--catalog-namespace", default="openshift",
                        help="namespace of the builder ImageStream, the templates and the image builds")
    parser.add_argument("--no-build-images", action="store_true",
                        help="do not build the images on the cluster (the ImageStreams point at published ones)")
    parser.add_argument("--wait-timeout", type=int, default=900, metavar="SECONDS",
                        help="how long to wait for the CRD, the image builds and the controller")
    playbook.add_cluster_arguments(parser)
    parser.set_defaults(handler=handle)


def register(subparsers: Any) -> None:
    _add_parser(
        subparsers, "install", "install the pack on a cluster with Ansible (playbooks/install.yml)",
        "Install the SeldonDeployment CRD, the aggregated roles, the seldon-python builder and controller "
        "ImageStreams and their in-cluster builds, the catalog templates, the console samples and the controller, "
        "and wait until the images are built and the controller is available.",
    )


def register_upgrade(subparsers: Any) -> None:
    _add_parser(
        subparsers, "upgrade", "upgrade the pack in place (playbooks/install.yml with a new version)",
        "Apply this checkout's manifests again and move the controller to --version or --controller-image; "
        "objects that did not change are left alone.",
    )
