"""Run one of the repository's playbooks (playbooks/*.yml) through ansible-runner, for
``seldon-s2i install | upgrade | uninstall | deploy``.

The playbooks talk to the cluster of the user's kubeconfig and context (handed to the
``kubernetes.core`` modules as ``K8S_AUTH_KUBECONFIG``/``K8S_AUTH_CONTEXT``), run on
this Python (whose environment holds ansible and its collections), print one line per
task as it ends, and a failed task becomes a ``CommandError`` with that task's message.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from seldon_s2i import environment as process_environment
from seldon_s2i.assignments import parse_assignments
from seldon_s2i.cli.errors import CommandError

PLAYBOOKS = Path("playbooks")
RESULTS = {
    "runner_on_ok": "ok",
    "runner_on_skipped": "skipped",
    "runner_on_failed": "failed",
    "runner_on_unreachable": "failed",
}


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kubeconfig", type=Path, help="kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
    parser.add_argument("--context", help="kubeconfig context to use (default: its current context)")
    parser.add_argument(
        "-e", "--extra-vars", action="append", default=[], metavar="NAME=VALUE",
        help="playbook variable (repeatable); the playbook's header lists them",
    )
    parser.add_argument("--check", action="store_true", help="check mode: report what would change, change nothing")
    parser.add_argument(
        "--repository", type=Path, metavar="DIR",
        help="checkout of seldon-s2i holding playbooks/ and the manifests (default: the one this package runs from)",
    )


def repository(requested: Path | None) -> Path:
    """The checkout whose playbooks/ and manifest folders the playbooks use."""
    candidates = [requested] if requested else [*Path(__file__).resolve().parents, Path.cwd()]
    for candidate in candidates:
        if (candidate / PLAYBOOKS / "install.yml").is_file():
            return candidate.resolve()
    where = requested or "this package's checkout or the current folder"
    raise CommandError(f"no playbooks/install.yml in {where}: pass --repository with a seldon-s2i checkout")


def kubeconfig(args: argparse.Namespace) -> Path:
    configured = process_environment.current().get("KUBECONFIG", "").split(os.pathsep)[0]
    path = args.kubeconfig or Path(configured or Path.home() / ".kube/config")
    if not path.is_file():
        raise CommandError(f"no kubeconfig at {path}: pass --kubeconfig or set KUBECONFIG")
    return path


def context_namespace(args: argparse.Namespace) -> str:
    """The namespace of the chosen kubeconfig context, else ``default`` (as kubectl does)."""
    try:
        config = yaml.safe_load(kubeconfig(args).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise CommandError(f"cannot read the kubeconfig: {error}") from None
    name = args.context or config.get("current-context")
    for context in config.get("contexts") or []:
        if context.get("name") == name:
            return str((context.get("context") or {}).get("namespace") or "default")
    if args.context:
        raise CommandError(f"--context {args.context}: the kubeconfig has no such context")
    return "default"


class Progress:
    """Prints each task as it ends and remembers the first failure's message."""

    def __init__(self) -> None:
        self.failure: tuple[str, str] | None = None
        self.changed = 0

    def __call__(self, event: dict[str, Any]) -> bool:
        result = RESULTS.get(event.get("event", ""))
        data = event.get("event_data") or {}
        if result is None:
            if event.get("event") == "runner_retry":
                print(f"  ... waiting: {data.get('task', '')}", file=sys.stderr, flush=True)
            return True
        res = data.get("res") or {}
        if result == "failed" and data.get("ignore_errors"):
            result = "ignored"
        elif result == "ok" and res.get("changed"):
            result, self.changed = "changed", self.changed + 1
        task = data.get("task", "")
        print(f"{result:8} {task}", file=sys.stderr, flush=True)
        if data.get("task_action", "").endswith("debug") and res.get("msg"):
            # What a playbook reports to the user (e.g. the webhook URLs), as it wrote it.
            print("\n".join(f"         {line}" for line in str(res["msg"]).splitlines()), file=sys.stderr, flush=True)
        if result == "failed" and self.failure is None:
            self.failure = (task, failure_message(res))
        return True


def failure_message(res: dict[str, Any]) -> str:
    for source in (res, *(res.get("results") or [])):
        if isinstance(source, dict) and source.get("failed") and source.get("msg"):
            return " ".join(str(source["msg"]).split())
    return " ".join(str(res.get("msg") or res.get("stderr") or "no message").split())


def run(name: str, args: argparse.Namespace, variables: dict[str, str]) -> int:
    """Run playbooks/``name`` with ``variables`` (then the user's -e); raise CommandError if a task fails."""
    import ansible_runner  # type: ignore[import-untyped]  # slow to import: only these subcommands need it

    checkout = repository(args.repository)
    extravars: dict[str, Any] = {**variables, **parse_assignments(args.extra_vars, "-e/--extra-vars")}
    extravars["ansible_python_interpreter"] = sys.executable
    environment = {"K8S_AUTH_KUBECONFIG": str(kubeconfig(args).resolve()), "ANSIBLE_NOCOLOR": "1",
                   "ANSIBLE_DEPRECATION_WARNINGS": "false", "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                   f"{process_environment.current().get('PATH', '')}"}
    if args.context:
        environment["K8S_AUTH_CONTEXT"] = args.context
    progress = Progress()
    print(f"---> playbooks/{name}{' (check mode: nothing changes)' if args.check else ''}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="seldon-s2i-ansible-") as private:
        runner = ansible_runner.run(
            private_data_dir=private,
            playbook=str(checkout / PLAYBOOKS / name),
            inventory="localhost ansible_connection=local",
            extravars=extravars,
            envvars=environment,
            cmdline="--check" if args.check else None,
            event_handler=progress,
            quiet=True,
        )
    if progress.failure is not None:
        task, message = progress.failure
        raise CommandError(f"task '{task}' failed: {message}")
    if runner.rc != 0:
        raise CommandError(f"ansible-playbook {name} ended with status {runner.status} (rc={runner.rc})")
    print(f"---> {name}: {progress.changed} task(s) changed something", file=sys.stderr)
    return 0
