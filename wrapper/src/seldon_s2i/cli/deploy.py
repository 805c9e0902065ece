"""``seldon-s2i deploy GIT_URL --name NAME``: build a model from git and serve it as a SeldonDeployment
with playbooks/deploy-model.yml (the seldon-model template rendered by seldon-s2i's template
processor, applied, and its webhook URLs printed). Registered by ``seldon_s2i.cli.main``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from seldon_s2i.cli import playbook


def handle(args: argparse.Namespace) -> int:
    variables = {
        "git_url": args.git_url, "model_name": args.name, "git_ref": args.ref, "context_dir": args.context_dir,
        "namespace": args.namespace or playbook.context_namespace(args),
        # The template processor of this very installation.
        "seldon_s2i": f"{sys.executable} -m seldon_s2i.cli.main",
    }
    return playbook.run("deploy-model.yml", args, variables)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "deploy", help="build a model from git and serve it as a SeldonDeployment (playbooks/deploy-model.yml)",
        description="Render the seldon-model template for GIT_URL, apply its ImageStream, BuildConfig, webhook "
        "Secret and SeldonDeployment, and print the webhook URLs.",
    )
    parser.add_argument("git_url", metavar="GIT_URL", help="git repository holding the model")
    parser.add_argument("--name", required=True, help="name of the model's objects (lower case, digits, dashes)")
    parser.add_argument("--ref", default="main", help="branch or tag to build; webhooks build pushes to it")
    parser.add_argument("--context-dir", default="", help="folder of the model in the repository")
    parser.add_argument("-n", "--namespace", help="namespace (default: the kubeconfig context's)")
    playbook.add_cluster_arguments(parser)
    parser.set_defaults(handler=handle)
