"""`seldon-s2i install | upgrade | uninstall | deploy` before and around Ansible: bad input is one clear line.

Checks: a missing kubeconfig, an unknown --context and a malformed -e are refused before any
playbook runs (exit 2, no traceback); a playbook's own refusal (deploy with an invalid model
name) comes back as the failing task's message; every subcommand is listed in --help; the pinned
`ansible` distribution is the one installed and ships every collection module the playbooks use.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml
from kube_emulator import KubeEmulator
from manifest_files import REPOSITORY_ROOT

SELDON_S2I = str(Path(sys.executable).with_name("seldon-s2i"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SELDON_S2I, *args], capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("install", "--kubeconfig", "/nonexistent/kubeconfig"), "no kubeconfig at /nonexistent/kubeconfig"),
        (("uninstall", "--kubeconfig", "{kubeconfig}", "-e", "novalue"), "-e/--extra-vars: expected NAME=VALUE"),
        (("deploy", "https://x/y.git", "--name", "m", "--kubeconfig", "{kubeconfig}", "--context", "nope"),
         "--context nope: the kubeconfig has no such context"),
    ],
)
def test_bad_input_is_refused_before_ansible_runs(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\ncontexts: []\ncurrent-context: ''\n")
    result = run(*(arg.format(kubeconfig=kubeconfig) for arg in args))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "---> playbooks/" not in result.stderr


@pytest.mark.slow
def test_a_failing_task_reports_its_message(kube_emulator: KubeEmulator) -> None:
    result = run("deploy", "https://github.com/example/m.git", "--name", "Not_A_Name",
                 "--kubeconfig", str(kube_emulator.kubeconfig_path))
    assert result.returncode == 2
    assert "failed   Check the variables" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        "seldon-s2i deploy: error: task 'Check the variables' failed: give git_url and model_name")


def test_help_lists_the_playbook_subcommands() -> None:
    result = run("--help")
    for name in ("install", "upgrade", "uninstall", "deploy"):
        assert f"    {name}" in result.stdout


def test_the_pinned_ansible_distribution_ships_every_module_the_playbooks_use() -> None:
    extras = tomllib.loads((REPOSITORY_ROOT / "wrapper" / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["playbooks"]
    (pin,) = [requirement for requirement in extras if requirement.startswith("ansible==")]
    assert importlib.metadata.version("ansible") == pin.removeprefix("ansible==")
    modules = set()
    for playbook in sorted((REPOSITORY_ROOT / "playbooks").glob("*.yml")):
        for play in yaml.safe_load(playbook.read_text()):
            nested = [inner for task in play["tasks"] for inner in [*task.get("block", []), *task.get("rescue", [])]]
            for task in [*play["tasks"], *nested]:
                modules |= {key for key in task if re.fullmatch(r"[a-z_]+\.[a-z_]+\.[a-z_0-9]+", key)}
    assert "kubernetes.core.k8s" in modules
    for module in sorted(modules - {m for m in modules if m.startswith("ansible.builtin.")}):
        namespace, collection, name = module.split(".")
        spec = importlib.util.find_spec(f"ansible_collections.{namespace}.{collection}.plugins.modules.{name}")
        assert spec is not None, f"{module} is not in the installed ansible distribution"
