"""The controller's distribution and image carry no serving stack; its Deployment passes restricted-v2.

Checks: the installed ``seldon-s2i-controller`` needs (transitively) none of seldon-s2i, Flask, grpcio, numpy
or granian; running its command line imports none of them; the Containerfile installs only ``graph`` and
``controller``; the manifests' pod passes OpenShift's restricted-v2 checks.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys

import yaml
from controller_support import MANIFESTS, ROOT, restricted_v2_violations

SERVING = {"seldon-s2i", "flask", "grpcio", "numpy", "granian", "seldon-core"}


def _requirements(distribution: str, seen: set[str]) -> set[str]:
    name = distribution.lower().replace("_", "-")
    if name in seen:
        return seen
    seen.add(name)
    for requirement in importlib.metadata.requires(distribution) or []:
        if "extra ==" in requirement:
            continue
        dependency = re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0]
        try:
            _requirements(dependency, seen)
        except importlib.metadata.PackageNotFoundError:
            seen.add(dependency.lower())
    return seen


def test_the_distribution_needs_nothing_of_the_serving_stack() -> None:
    needed = _requirements("seldon-s2i-controller", set())
    assert {"kubernetes", "seldon-s2i-graph", "prometheus-client"} <= needed
    assert needed & SERVING == set()


def test_the_command_imports_nothing_of_the_serving_stack() -> None:
    probe = ("import sys, seldon_controller.cli, seldon_controller.runner; "
             "print(sorted({name.split('.')[0] for name in sys.modules}))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    modules = set(eval(loaded.stdout))
    assert modules & {"seldon_s2i", "flask", "grpc", "numpy", "granian"} == set()


def test_the_containerfile_installs_only_the_graph_spec_and_the_controller() -> None:
    text = (ROOT / "controller" / "Containerfile").read_text()
    assert re.findall(r"^COPY (\S+)", text, re.MULTILINE) == ["graph", "controller"]
    assert "wrapper" not in re.sub(r"#.*", "", text)


def test_the_controllers_pod_passes_restricted_v2() -> None:
    deployment = yaml.safe_load((MANIFESTS / "deployment.yaml").read_text())
    assert restricted_v2_violations(deployment["spec"]["template"]["spec"]) == []
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    assert all((MANIFESTS / resource).is_file() for resource in kustomization["resources"])
