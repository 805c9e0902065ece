"""Label and field selectors on list and deletecollection.

Checks: equality, set-based and existence label selectors filter lists; field selectors on metadata.name,
metadata.namespace and per-kind fields filter; an unsupported field or a malformed selector is 400;
deletecollection deletes only what the selector matches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import kubernetes.client
import pytest
from kubernetes.client import V1ConfigMap, V1ObjectMeta, V1Secret
from kubernetes.client.exceptions import ApiException


@pytest.fixture
def labelled(core: kubernetes.client.CoreV1Api) -> kubernetes.client.CoreV1Api:
    for name, labels in (("a", {"tier": "model", "env": "prod"}), ("b", {"tier": "model", "env": "dev"}),
                         ("c", {"tier": "router"}), ("d", {})):
        core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name=name, labels=labels)))
    return core


@pytest.mark.parametrize(("selector", "expected"), [
    ("tier=model", ["a", "b"]),
    ("tier==model,env=prod", ["a"]),
    ("tier!=model", ["c", "d"]),
    ("env in (prod, dev)", ["a", "b"]),
    ("tier notin (model)", ["c", "d"]),
    ("env", ["a", "b"]),
    ("!env", ["c", "d"]),
    ("tier=model,!env", []),
])
def test_label_selectors_filter_lists(labelled: kubernetes.client.CoreV1Api, selector: str,
                                      expected: list[str]) -> None:
    found = labelled.list_namespaced_config_map("default", label_selector=selector)
    assert [item.metadata.name for item in found.items] == expected


def test_field_selectors_filter_lists(labelled: kubernetes.client.CoreV1Api) -> None:
    labelled.create_namespace(kubernetes.client.V1Namespace(metadata=V1ObjectMeta(name="other")))
    labelled.create_namespaced_config_map("other", V1ConfigMap(metadata=V1ObjectMeta(name="a")))
    by_name = labelled.list_config_map_for_all_namespaces(field_selector="metadata.name=a")
    assert sorted(item.metadata.namespace for item in by_name.items) == ["default", "other"]
    both = labelled.list_config_map_for_all_namespaces(field_selector="metadata.name=a,metadata.namespace!=default")
    assert [item.metadata.namespace for item in both.items] == ["other"]


def test_per_kind_field_selector(core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespaced_secret("default", V1Secret(metadata=V1ObjectMeta(name="tls"), type="kubernetes.io/tls",
                                                      string_data={"tls.crt": "x", "tls.key": "y"}))
    core.create_namespaced_secret("default", V1Secret(metadata=V1ObjectMeta(name="plain"), type="Opaque"))
    found = core.list_namespaced_secret("default", field_selector="type=kubernetes.io/tls")
    assert [item.metadata.name for item in found.items] == ["tls"]


@pytest.mark.parametrize(("label_selector", "field_selector", "message"), [
    (None, "spec.color=blue", "field label not supported: spec.color"),
    ("tier in model", None, "unable to parse requirement"),
    ("Bad Key=1", None, "unable to parse requirement"),
])
def test_bad_selectors_are_bad_requests(labelled: kubernetes.client.CoreV1Api, label_selector: str | None,
                                        field_selector: str | None, message: str) -> None:
    options = {key: value for key, value in (("label_selector", label_selector), ("field_selector", field_selector))
               if value}
    with pytest.raises(ApiException) as raised:
        labelled.list_namespaced_config_map("default", **options)
    assert raised.value.status == 400
    assert message in raised.value.body


def test_delete_collection_deletes_only_the_selected(labelled: kubernetes.client.CoreV1Api) -> None:
    labelled.delete_collection_namespaced_config_map("default", label_selector="tier=model")
    remaining = labelled.list_namespaced_config_map("default")
    assert [item.metadata.name for item in remaining.items] == ["c", "d"]


def test_delete_collection_of_custom_objects(custom_objects: kubernetes.client.CustomObjectsApi,
                                             new_widget: Callable[..., dict[str, Any]]) -> None:
    for name, size in (("small", 1), ("big", 9)):
        body = new_widget(name, size=size)
        body["metadata"]["labels"] = {"size": "small" if size < 5 else "big"}
        custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets", body)
    custom_objects.delete_collection_namespaced_custom_object("example.com", "v1", "default", "widgets",
                                                              label_selector="size=big")
    left = custom_objects.list_namespaced_custom_object("example.com", "v1", "default", "widgets")
    assert [item["metadata"]["name"] for item in left["items"]] == ["small"]
    assert (left["kind"], left["apiVersion"]) == ("WidgetList", "example.com/v1")


def test_crd_selectable_fields_work_in_field_selectors(custom_objects: kubernetes.client.CustomObjectsApi,
                                                       new_widget: Callable[..., dict[str, Any]]) -> None:
    for name, color in (("red-one", "red"), ("blue-one", "blue")):
        custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets",
                                                       new_widget(name, size=1, color=color))
    found = custom_objects.list_namespaced_custom_object("example.com", "v1", "default", "widgets",
                                                         field_selector="spec.color=red")
    assert [item["metadata"]["name"] for item in found["items"]] == ["red-one"]
    with pytest.raises(ApiException) as raised:
        custom_objects.list_namespaced_custom_object("example.com", "v1", "default", "widgets",
                                                     field_selector="spec.size=1")
    assert raised.value.status == 400
