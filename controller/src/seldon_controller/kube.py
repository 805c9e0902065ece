"""The Kubernetes REST calls the controller makes, over the ``kubernetes`` client's configured ApiClient.

One small surface for every kind (a table of the plurals it uses): list, watch (a stream of events), server-side
apply (main resource or ``/status``), delete with a uid precondition, create (Events, the Lease), replace (the
Lease) and discovery. Bodies are plain dicts in the API's own camelCase, so what the reconciler compares is what
the server returns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import kubernetes.client
from kubernetes.client.exceptions import ApiException

PLURALS = {
    ("machinelearning.seldon.io/v1", "SeldonDeployment"): "seldondeployments",
    ("apps/v1", "Deployment"): "deployments",
    ("v1", "Service"): "services",
    ("v1", "Event"): "events",
    ("autoscaling/v2", "HorizontalPodAutoscaler"): "horizontalpodautoscalers",
    ("policy/v1", "PodDisruptionBudget"): "poddisruptionbudgets",
    ("route.openshift.io/v1", "Route"): "routes",
    ("keda.sh/v1alpha1", "ScaledObject"): "scaledobjects",
    ("image.openshift.io/v1", "ImageStream"): "imagestreams",
    ("coordination.k8s.io/v1", "Lease"): "leases",
}
APPLY = "application/apply-patch+yaml"


class ApiError(Exception):
    def __init__(self, status: int, body: Any, what: str) -> None:
        self.status = status
        self.body = body if isinstance(body, dict) else {}
        self.reason = self.body.get("reason", "")
        message = self.body.get("message") or str(body)[:300]
        super().__init__(f"{what}: {status} {self.reason}: {message}")


def path(api_version: str, kind: str, namespace: str | None = None, name: str | None = None,
         subresource: str = "") -> str:
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    parts = [base]
    if namespace:
        parts.append(f"namespaces/{namespace}")
    parts.append(PLURALS[(api_version, kind)])
    if name:
        parts.append(name)
    if subresource:
        parts.append(subresource)
    return "/".join(parts)


class Api:
    """Calls on one ApiClient (thread-safe: urllib3's pool is)."""

    def __init__(self, api_client: kubernetes.client.ApiClient, field_manager: str, timeout: float = 30.0) -> None:
        self.client = api_client
        self.field_manager = field_manager
        self.timeout = timeout

    def _call(self, method: str, url: str, query: list[tuple[str, str]] | None = None, body: Any = None,
              content_type: str = "application/json", timeout: float | tuple[float, float] | None = None,
              stream: bool = False) -> Any:
        headers = {"Accept": "application/json", "Content-Type": content_type}
        try:
            response = self.client.call_api(url, method, query_params=query or [], header_params=headers, body=body,
                                            auth_settings=["BearerToken"], _preload_content=False,
                                            _return_http_data_only=True,
                                            _request_timeout=timeout if timeout is not None else self.timeout)
        except ApiException as failure:
            try:
                detail = json.loads(failure.body) if failure.body else {}
            except ValueError:
                detail = failure.body
            raise ApiError(int(failure.status or 0), detail, f"{method} {url}") from None
        if stream:
            return response
        data = response.data
        return json.loads(data) if data else {}

    def get(self, url: str) -> dict[str, Any]:
        found: dict[str, Any] = self._call("GET", url)
        return found

    def list(self, url: str, label_selector: str | None = None) -> tuple[list[dict[str, Any]], str]:
        """Items (with kind and apiVersion, which list items lack) and the list's resourceVersion."""
        query = [("labelSelector", label_selector)] if label_selector else []
        answer = self._call("GET", url, query)
        kind = str(answer.get("kind", "")).removesuffix("List")
        for item in answer.get("items") or []:
            item.setdefault("kind", kind)
            item.setdefault("apiVersion", answer.get("apiVersion"))
        return list(answer.get("items") or []), str((answer.get("metadata") or {}).get("resourceVersion", ""))

    def watch(self, url: str, resource_version: str, label_selector: str | None = None,
              timeout_seconds: int = 300) -> Iterator[tuple[str, dict[str, Any]]]:
        """(type, object) events until the server ends the watch; ERROR events are raised as ApiError."""
        query = [("watch", "true"), ("resourceVersion", resource_version), ("allowWatchBookmarks", "true"),
                 ("timeoutSeconds", str(timeout_seconds))]
        if label_selector:
            query.append(("labelSelector", label_selector))
        response = self._call("GET", url, query, timeout=(10.0, timeout_seconds + 30.0), stream=True)
        buffered = b""
        try:
            for chunk in response.stream(amt=None, decode_content=True):
                buffered += chunk
                while b"\n" in buffered:
                    line, buffered = buffered.split(b"\n", 1)
                    if not line.strip():
                        continue
                    event = json.loads(line)
                    if event.get("type") == "ERROR":
                        status = event.get("object") or {}
                        raise ApiError(int(status.get("code") or 500), status, f"watch {url}")
                    yield str(event.get("type")), event.get("object") or {}
        finally:
            response.release_conn()

    def apply(self, obj: dict[str, Any], subresource: str = "") -> dict[str, Any]:
        """Server-side apply as the controller's field manager, taking over fields others changed (force)."""
        meta = obj["metadata"]
        url = path(obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"], subresource)
        query = [("fieldManager", self.field_manager), ("force", "true")]
        applied: dict[str, Any] = self._call("PATCH", url, query, obj, APPLY)
        return applied

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        url = path(obj["apiVersion"], obj["kind"], meta.get("namespace"))
        created: dict[str, Any] = self._call("POST", url, [("fieldManager", self.field_manager)], obj)
        return created

    def replace(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        url = path(obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"])
        replaced: dict[str, Any] = self._call("PUT", url, [("fieldManager", self.field_manager)], obj)
        return replaced

    def delete(self, obj: dict[str, Any]) -> None:
        """Delete this very object (a uid precondition), its dependents in the background; gone already is fine."""
        meta = obj["metadata"]
        url = path(obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"])
        body = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background",
                "preconditions": {"uid": meta["uid"]}}
        try:
            self._call("DELETE", url, body=body)
        except ApiError as failure:
            if failure.status not in (404, 409):
                raise

    def served_groups(self) -> set[str]:
        """Every group/version the server serves (core ``v1`` included)."""
        served = {"v1"}
        for group in self._call("GET", "/apis").get("groups") or []:
            served.update(version["groupVersion"] for version in group.get("versions") or [])
        return served
