"""kopf runs against the emulator: its create, update and delete handlers fire, and their patches land.

Checks, with a real ``kopf run`` (``kopf.testing.KopfRunner``) on our Widget CRD: the create handler sees the
object and its status patch reaches the status subresource; a spec change fires the update handler; deletion
waits for kopf's finalizer, runs the delete handler, then the object goes; the operator exits cleanly, cluster-wide
and namespaced (where kopf looks for its peering resource first and falls back to standalone).
"""

from __future__ import annotations

import pathlib
import time
from collections.abc import Callable
from typing import Any

import kopf
import kopf.testing
import kubernetes.client
import pytest
from kube_emulator import KubeEmulator
from kubernetes.client.exceptions import ApiException

OPERATOR = '''
import pathlib
import kopf

JOURNAL = pathlib.Path({journal!r})


@kopf.on.login()
def login(**kwargs):
    return kopf.login_with_kubeconfig(**kwargs)  # KUBECONFIG, as the fixture sets it


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_):
    settings.watching.server_timeout = 5
    settings.persistence.finalizer = "example.com/kopf-finalizer"


@kopf.on.create("example.com", "v1", "widgets")
def created(name, spec, patch, **_):
    patch.status["observedSize"] = spec["size"]
    JOURNAL.open("a").write(f"created {{name}}\\n")


@kopf.on.update("example.com", "v1", "widgets", field="spec.size")
def resized(name, new, patch, **_):
    patch.status["observedSize"] = new
    JOURNAL.open("a").write(f"resized {{name}} {{new}}\\n")


@kopf.on.delete("example.com", "v1", "widgets")
def deleted(name, **_):
    JOURNAL.open("a").write(f"deleted {{name}}\\n")
'''


def _eventually(check: Callable[[], bool], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.1)


def _status(custom_objects: kubernetes.client.CustomObjectsApi, name: str) -> dict[str, Any]:
    try:
        found: dict[str, Any] = custom_objects.get_namespaced_custom_object("example.com", "v1", "default",
                                                                           "widgets", name)
    except ApiException as failure:
        if failure.status == 404:
            return {"gone": True}
        raise
    status: dict[str, Any] = found.get("status") or {}
    return status


@pytest.mark.timeout(120)
@pytest.mark.parametrize("scope", [["--all-namespaces", "--standalone"], ["--namespace", "default"]],
                         ids=["cluster-wide", "namespaced-with-peering-lookup"])
def test_kopf_handlers_fire_against_the_emulator(kube_emulator: KubeEmulator, tmp_path: pathlib.Path,
                                                 custom_objects: kubernetes.client.CustomObjectsApi,
                                                 new_widget: Callable[..., dict[str, Any]], scope: list[str]) -> None:
    journal = tmp_path / "journal.txt"
    journal.touch()
    operator = tmp_path / "operator.py"
    operator.write_text(OPERATOR.format(journal=str(journal)))
    # A fresh registry: kopf's default one is global and would keep the handlers of an earlier run.
    registry = kopf.OperatorRegistry()
    with kopf.testing.KopfRunner(["run", *scope, str(operator)], timeout=60, registry=registry) as runner:
        custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets",
                                                       new_widget("kopfed", size=1))
        _eventually(lambda: _status(custom_objects, "kopfed").get("observedSize") == 1)
        current = custom_objects.get_namespaced_custom_object("example.com", "v1", "default", "widgets", "kopfed")
        assert "example.com/kopf-finalizer" in current["metadata"]["finalizers"]

        custom_objects.patch_namespaced_custom_object("example.com", "v1", "default", "widgets", "kopfed",
                                                      {"spec": {"size": 2}})
        _eventually(lambda: _status(custom_objects, "kopfed").get("observedSize") == 2)

        custom_objects.delete_namespaced_custom_object("example.com", "v1", "default", "widgets", "kopfed")
        _eventually(lambda: _status(custom_objects, "kopfed").get("gone") is True)
    assert runner.exception is None, runner.output
    assert runner.exit_code == 0, runner.output
    assert journal.read_text().splitlines() == ["created kopfed", "resized kopfed 2", "deleted kopfed"]
