"""Watches: from a resourceVersion, with selectors, timeoutSeconds, bookmarks and 410 Gone.

Checks, with ``kubernetes.watch`` and raw HTTP streams: a watch without a resourceVersion starts with the current
objects as ADDED; a watch from a resourceVersion sees only later events, in order; a too-old resourceVersion
(after compaction) gets 410 Gone; timeoutSeconds ends the stream; label selectors turn objects leaving or entering
the selection into DELETED and ADDED; bookmarks carry a resourceVersion; objects created without a namespace in
their body still reach namespaced watches; with concurrent writers every event is seen once, in order.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import kubernetes.client
import kubernetes.watch
import pytest
import requests
from kube_emulator import KubeEmulator
from kubernetes.client import V1ConfigMap, V1ObjectMeta
from kubernetes.client.exceptions import ApiException


def _watch_open(cluster: KubeEmulator, path: str) -> None:
    """Wait until the server has the watch (a recorded watch request is already subscribed)."""
    deadline = time.monotonic() + 10
    while not any(request.path == path and request.query.get("watch") == "true" for request in cluster.requests):
        assert time.monotonic() < deadline, "the watch never reached the server"
        time.sleep(0.01)


def _events(core: kubernetes.client.CoreV1Api, **options: Any) -> list[tuple[str, str]]:
    watch = kubernetes.watch.Watch()
    return [(event["type"], event["object"].metadata.name)
            for event in watch.stream(core.list_namespaced_config_map, "default", timeout_seconds=1, **options)]


def test_watch_from_a_resource_version_sees_only_later_events(core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="before")))
    mark = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="after")))
    core.patch_namespaced_config_map("before", "default", {"data": {"x": "1"}})
    core.delete_namespaced_config_map("after", "default")
    assert _events(core, resource_version=mark) == [("ADDED", "after"), ("MODIFIED", "before"),
                                                     ("DELETED", "after")]


def test_watch_without_a_resource_version_starts_with_current_objects(core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="one")))
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="two")))
    core.delete_namespaced_config_map("two", "default")
    assert _events(core) == [("ADDED", "one")]


def test_too_old_resource_version_is_gone(kube_emulator: KubeEmulator, core: kubernetes.client.CoreV1Api) -> None:
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="old")))
    mark = core.list_namespaced_config_map("default").metadata.resource_version
    core.patch_namespaced_config_map("old", "default", {"data": {"x": "1"}})
    kube_emulator.compact()
    with pytest.raises(ApiException) as raised:
        _events(core, resource_version=mark)
    assert raised.value.status == 410
    assert "too old resource version" in str(raised.value.reason)


def test_event_log_overflow_makes_old_versions_gone() -> None:
    with KubeEmulator(event_log_size=5) as cluster:
        core = kubernetes.client.CoreV1Api(cluster.api_client())
        mark = core.list_namespaced_config_map("default").metadata.resource_version
        for index in range(6):
            core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name=f"n{index}")))
        with pytest.raises(ApiException) as raised:
            _events(core, resource_version=mark)
        assert raised.value.status == 410


def test_timeout_seconds_ends_the_stream(kube_emulator: KubeEmulator) -> None:
    started = time.monotonic()
    answer = requests.get(f"{kube_emulator.url}/api/v1/namespaces/default/configmaps",
                          params={"watch": "true", "timeoutSeconds": "1"}, timeout=10)
    elapsed = time.monotonic() - started
    assert answer.status_code == 200
    assert 0.9 <= elapsed < 5


def test_watch_receives_live_events(kube_emulator: KubeEmulator, core: kubernetes.client.CoreV1Api) -> None:
    received: list[tuple[str, str]] = []

    def consume() -> None:
        with requests.get(f"{kube_emulator.url}/api/v1/namespaces/default/configmaps", stream=True, timeout=10,
                          params={"watch": "true", "timeoutSeconds": "2", "resourceVersion": mark}) as answer:
            for line in answer.iter_lines():
                event = json.loads(line)
                received.append((event["type"], event["object"]["metadata"]["name"]))

    mark = core.list_namespaced_config_map("default").metadata.resource_version
    consumer = threading.Thread(target=consume)
    consumer.start()
    _watch_open(kube_emulator, "/api/v1/namespaces/default/configmaps")
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="live")))
    consumer.join()
    assert received == [("ADDED", "live")]


def test_label_selector_on_watch_turns_leaving_into_deleted(core: kubernetes.client.CoreV1Api) -> None:
    mark = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="in", labels={"sel": "yes"})))
    core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name="out")))
    core.patch_namespaced_config_map("in", "default", {"metadata": {"labels": {"sel": "no"}}})
    core.patch_namespaced_config_map("out", "default", {"metadata": {"labels": {"sel": "yes"}}})
    assert _events(core, resource_version=mark, label_selector="sel=yes") == [
        ("ADDED", "in"), ("DELETED", "in"), ("ADDED", "out")]


def test_field_selector_on_watch_follows_one_object(core: kubernetes.client.CoreV1Api) -> None:
    mark = core.list_namespaced_config_map("default").metadata.resource_version
    for name in ("mine", "yours"):
        core.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name=name)))
    assert _events(core, resource_version=mark, field_selector="metadata.name=mine") == [("ADDED", "mine")]


def test_bookmarks_carry_a_resource_version() -> None:
    with KubeEmulator(bookmark_interval=0.2) as cluster:
        answer = requests.get(f"{cluster.url}/api/v1/namespaces/default/configmaps", timeout=10, params={
            "watch": "true", "timeoutSeconds": "1", "allowWatchBookmarks": "true"})
        events = [json.loads(line) for line in answer.text.splitlines()]
        bookmarks = [event for event in events if event["type"] == "BOOKMARK"]
        assert bookmarks
        assert int(bookmarks[-1]["object"]["metadata"]["resourceVersion"]) > 0
        assert bookmarks[-1]["object"]["kind"] == "ConfigMap"


def test_object_without_namespace_in_body_reaches_namespaced_watch(
        kube_emulator: KubeEmulator, custom_objects: kubernetes.client.CustomObjectsApi,
        new_widget: Callable[..., dict[str, Any]]) -> None:
    mark = kube_emulator.store.resource_version
    custom_objects.create_namespaced_custom_object("example.com", "v1", "default", "widgets", new_widget("w", size=1))
    watch = kubernetes.watch.Watch()
    events = [(event["type"], event["object"]["metadata"]["name"]) for event in watch.stream(
        custom_objects.list_namespaced_custom_object, "example.com", "v1", "default", "widgets",
        resource_version=str(mark), timeout_seconds=1)]
    assert events == [("ADDED", "w")]


def test_reset_closes_open_watches(kube_emulator: KubeEmulator) -> None:
    finished = threading.Event()

    def consume() -> None:
        requests.get(f"{kube_emulator.url}/api/v1/namespaces/default/configmaps", params={"watch": "true"},
                     timeout=10)
        finished.set()

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    _watch_open(kube_emulator, "/api/v1/namespaces/default/configmaps")
    kube_emulator.reset()
    assert finished.wait(5)


def test_concurrent_writers_every_event_seen_once_in_order(kube_emulator: KubeEmulator,
                                                           core: kubernetes.client.CoreV1Api) -> None:
    mark = core.list_namespaced_config_map("default").metadata.resource_version
    writers, writes = 8, 10

    def write(worker: int) -> None:
        api = kubernetes.client.CoreV1Api(kube_emulator.api_client())
        api.create_namespaced_config_map("default", V1ConfigMap(metadata=V1ObjectMeta(name=f"w{worker}")))
        for index in range(writes):
            api.patch_namespaced_config_map(f"w{worker}", "default", {"data": {"n": str(index)}})

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answer = requests.get(f"{kube_emulator.url}/api/v1/namespaces/default/configmaps", timeout=10, params={
        "watch": "true", "timeoutSeconds": "1", "resourceVersion": mark})
    events = [json.loads(line) for line in answer.text.splitlines()]
    versions = [int(event["object"]["metadata"]["resourceVersion"]) for event in events]
    assert len(events) == writers * (writes + 1)
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    for worker in range(writers):
        values = [event["object"].get("data", {}).get("n") for event in events
                  if event["object"]["metadata"]["name"] == f"w{worker}"]
        assert values == [None, *map(str, range(writes))]
