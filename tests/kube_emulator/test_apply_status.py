"""Server-side apply on the status subresource, and the apply rules a controller meets on a real server.

Checks: a status apply is recorded with ``subresource: status``, removes the status fields its manager stops
applying, conflicts with another status manager (FieldManagerConflict causes with real paths); a main-resource
apply never owns or changes status; apply without fieldManager and ``force`` on a non-apply patch are 422.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests
from kube_emulator import KubeEmulator

APPLY = "application/apply-patch+yaml"
WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"


def _apply(cluster: KubeEmulator, path: str, body: dict[str, Any], manager: str,
           force: bool = False) -> requests.Response:
    params = {"fieldManager": manager, **({"force": "true"} if force else {})}
    return requests.patch(f"{cluster.url}{path}", data=json.dumps(body), params=params,
                          headers={"Content-Type": APPLY}, timeout=10)


def _status(name: str, **status: Any) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}, "status": status}


def test_status_apply_is_owned_through_the_subresource(kube_emulator: KubeEmulator,
                                                       new_widget: Callable[..., dict[str, Any]]) -> None:
    assert _apply(kube_emulator, f"{WIDGETS}/w", new_widget("w", size=1), "ctl").status_code == 201
    applied = _apply(kube_emulator, f"{WIDGETS}/w/status", _status("w", state="Creating", replicas=0), "ctl")
    assert applied.status_code == 200
    assert applied.json()["status"] == {"state": "Creating", "replicas": 0}
    entries = {(entry["manager"], entry["operation"], entry.get("subresource", "")): entry["fieldsV1"]
               for entry in applied.json()["metadata"]["managedFields"]}
    assert entries[("ctl", "Apply", "status")] == {"f:status": {"f:replicas": {}, "f:state": {}}}
    assert "f:status" not in entries[("ctl", "Apply", "")]
    dropped = _apply(kube_emulator, f"{WIDGETS}/w/status", _status("w", state="Available"), "ctl")
    assert dropped.json()["status"] == {"state": "Available"}


def test_a_main_resource_apply_never_touches_status(kube_emulator: KubeEmulator,
                                                    new_widget: Callable[..., dict[str, Any]]) -> None:
    _apply(kube_emulator, f"{WIDGETS}/m", new_widget("m", size=1), "ctl")
    _apply(kube_emulator, f"{WIDGETS}/m/status", _status("m", state="Available"), "ctl")
    again = _apply(kube_emulator, f"{WIDGETS}/m", {**new_widget("m", size=2), "status": {"state": "Failed"}}, "ctl")
    assert again.json()["status"] == {"state": "Available"}
    assert again.json()["spec"]["size"] == 2


def test_status_managers_conflict_with_real_paths(kube_emulator: KubeEmulator,
                                                  new_widget: Callable[..., dict[str, Any]]) -> None:
    _apply(kube_emulator, f"{WIDGETS}/c", new_widget("c", size=1), "ctl")
    _apply(kube_emulator, f"{WIDGETS}/c/status", _status("c", state="Available"), "first")
    conflict = _apply(kube_emulator, f"{WIDGETS}/c/status", _status("c", state="Failed"), "second")
    assert conflict.status_code == 409
    assert conflict.json()["details"]["causes"] == [{"reason": "FieldManagerConflict", "field": ".status.state",
                                                     "message": 'conflict with "first" using example.com/v1'}]
    forced = _apply(kube_emulator, f"{WIDGETS}/c/status", _status("c", state="Failed"), "second", force=True)
    assert forced.json()["status"]["state"] == "Failed"


def test_conflict_paths_name_list_items_by_their_key(kube_emulator: KubeEmulator) -> None:
    path = "/apis/apps/v1/namespaces/default/deployments/keyed"
    body: dict[str, Any] = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "keyed"}, "spec": {
        "selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": {
            "containers": [{"name": "main", "image": "one"}]}}}}
    _apply(kube_emulator, path, body, "deployer")
    requests.patch(f"{kube_emulator.url}{path}", timeout=10, params={"fieldManager": "tinkerer"},
                   headers={"Content-Type": "application/strategic-merge-patch+json"},
                   data=json.dumps({"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "two"}]}}}}))
    body["spec"]["template"]["spec"]["containers"][0]["image"] = "three"
    conflict = _apply(kube_emulator, path, body, "deployer")
    assert conflict.json()["details"]["causes"][0]["field"] == '.spec.template.spec.containers[name="main"].image'


def test_status_apply_to_a_missing_object_is_not_found(kube_emulator: KubeEmulator,
                                                       widget_crd: dict[str, Any]) -> None:
    assert _apply(kube_emulator, f"{WIDGETS}/nobody/status", _status("nobody", state="x"), "ctl").status_code == 404


def test_force_on_a_non_apply_patch_is_invalid(kube_emulator: KubeEmulator) -> None:
    kube_emulator.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "f"}})
    answer = requests.patch(f"{kube_emulator.url}/api/v1/namespaces/default/configmaps/f", timeout=10,
                            data=json.dumps({"data": {"a": "1"}}), params={"force": "true", "fieldManager": "x"},
                            headers={"Content-Type": "application/merge-patch+json"})
    assert answer.status_code == 422
    assert answer.json()["message"] == ('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be '
                                        "specified for non-apply patch")
