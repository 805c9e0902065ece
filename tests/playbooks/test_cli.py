"""`seldon-s2i install | upgrade | uninstall | deploy` before and around Ansible: bad input is one clear line.

Checks: a missing kubeconfig, an unknown --context and a malformed -e are refused before any
playbook runs (exit 2, no traceback); a playbook's own refusal (deploy with an invalid model
name) comes back as the failing task's message; every subcommand is listed in --help.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from kube_emulator import KubeEmulator

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
