"""The HTTP face of the emulator: an aiohttp application speaking the Kubernetes REST API over plain HTTP.

``running.py`` serves it on 127.0.0.1 in a background thread. This module only parses URLs, query parameters
and bodies, checks verbs, calls ``store.py`` (``scale.py``, ``imagestreamtags.py`` and ``openshift.py`` for the
views and verbs that are not stored objects, ``watching.py`` for watches) and writes responses. It also records
requests and answers injected faults for the tests.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import logging
import re
from typing import Any

from aiohttp import web

from kube_emulator import (
    authorization,
    bodies,
    discovery,
    errors,
    imagestreamtags,
    lifecycle,
    openshift,
    scale,
    selectors,
    watching,
)
from kube_emulator.admission import WriteOptions
from kube_emulator.resources import ResourceType
from kube_emulator.store import PATCH_TYPES, Store, WriteResult

_USER = web.RequestKey("user", authorization.User)


@dataclasses.dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: Any
    user: str = ""  # the ServiceAccount of a token ("system:serviceaccount:<ns>:<name>"), "" for the admin token
    code: int = 0  # the status of the answer (0 while a watch streams)


@dataclasses.dataclass
class Fault:
    """An injected failure: matching requests get ``status`` until ``times`` runs out (None = forever)."""

    method: str
    path_pattern: re.Pattern[str]
    status: int
    reason: str
    message: str
    times: int | None


@dataclasses.dataclass(frozen=True)
class Target:
    resource: ResourceType
    namespace: str | None
    name: str | None
    subresource: str


class ApiServer:
    def __init__(self, store: Store, bookmark_interval: float = 5.0, collection_delay: float = 0.2,
                 admin_token: str = "") -> None:
        self.store = store
        self.admin_token = admin_token
        self.authorization = False  # evaluate RBAC for ServiceAccount tokens (authorization.py)
        self.bookmark_interval = bookmark_interval
        self.collection_delay = collection_delay
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self._gc_pending = False
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.router.add_route("*", "/{path:.*}", self.handle)

    # -- entry ---------------------------------------------------------------------------------------------------

    def schedule_garbage_collection(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called by the store from any thread after a deletion: collect once, soon, on the server loop."""
        if self._gc_pending:
            return
        self._gc_pending = True

        def run() -> None:
            self._gc_pending = False
            lifecycle.collect_garbage(self.store)
        loop.call_soon_threadsafe(loop.call_later, self.collection_delay, run)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body_text = await request.text()
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip()
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        service_account = authorization.user_of(token)
        record = RecordedRequest(request.method, request.path, dict(request.query), content_type,
                                 bodies.safe_json(body_text), service_account.name if service_account else "")
        self.requests.append(record)
        try:
            fault = self._take_fault(request.method, request.path)
            if fault is not None:
                raise errors.ApiError(fault.status, fault.reason, fault.message)
            response = await self._dispatch(request, body_text, content_type)
            record.code = response.status
            return response
        except errors.ApiError as failure:
            record.code = failure.code
            return web.json_response(failure.to_status(), status=failure.code)
        except Exception as failure:  # an emulator bug: answer as the API server does, and say where
            logging.getLogger(__name__).exception("the emulator failed on %s %s", request.method, request.path)
            internal = errors.ApiError(500, "InternalError", f"an error on the server ({failure!r}) has prevented "
                                                             "the request from succeeding")
            return web.json_response(internal.to_status(), status=500)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method in ("*", method) and fault.path_pattern.search(path):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    async def _dispatch(self, request: web.Request, body_text: str, content_type: str) -> web.StreamResponse:
        segments = [segment for segment in request.path.split("/") if segment]
        user = self._authenticate(request)
        document = self._discovery(segments)
        if document is not None:
            if request.method != "GET":
                raise errors.method_not_allowed()
            return web.json_response(document)
        target = self._target(segments)
        query = request.query
        method = request.method
        verb = _verb(method, target, watching.flag(query.get("watch")))
        if user is not None:
            resource_name = target.resource.plural + (f"/{target.subresource}" if target.subresource else "")
            authorization.authorize(self.store, user, target.resource, authorization.Attributes(
                verb, target.resource.group, resource_name, target.namespace or "", target.name or ""))
            request[_USER] = user
        if not target.subresource and verb not in target.resource.verbs:
            raise errors.method_not_allowed(f"{target.resource.qualified_plural} does not support {verb}")
        if target.resource.storage_key == ("image.openshift.io", "imagestreamtags"):
            body = bodies.parse(body_text, content_type) if method in ("POST", "PUT", "PATCH") else None
            code, answer = imagestreamtags.handle(self.store, target.resource, method, target.namespace or "",
                                                  target.name, body, self._options(request, query), content_type)
            return web.json_response(answer, status=code)
        if target.resource.group == "project.openshift.io":
            body = bodies.parse(body_text, content_type) if method in ("POST", "PUT", "PATCH") else None
            answer = openshift.projects(self.store, method, target.resource.plural, target.name, body,
                                        self._options(request, query), content_type)
            return web.json_response(answer, status=201 if method == "POST" else 200)
        if method == "GET" and watching.flag(query.get("watch")):
            namespace = target.namespace if target.resource.namespaced else None
            return await watching.stream(request, self.store, target.resource, namespace, target.name,
                                         self._matcher(target, query), self.bookmark_interval)
        if method == "GET" and target.name is None:
            return web.json_response(self._list(target, query))
        if method == "GET" and target.subresource in ("", "status"):
            return web.json_response(self.store.get(target.resource, target.namespace or "", target.name or ""))
        if method == "POST" and target.name is None and target.namespace is None and target.resource.namespaced:
            raise errors.method_not_allowed("the namespace of the object must be given in the URL")
        if method == "POST" and target.name is None:
            body = bodies.parse(body_text, content_type)
            if target.resource.storage_key == ("template.openshift.io", "processedtemplates"):
                return web.json_response(openshift.process_template(body), status=201)
            return self._written(self.store.create(target.resource, target.namespace or "", body,
                                                   self._options(request, query)))
        if method == "POST" and (target.resource.storage_key, target.subresource) == (
                ("build.openshift.io", "buildconfigs"), "instantiate"):
            build = openshift.instantiate(self.store, target.resource, target.namespace or "", target.name or "")
            return web.json_response(build, status=201)
        if target.name is None and method == "DELETE":
            return web.json_response(self._delete_collection(target, query, body_text))
        if target.name is not None and target.subresource == "scale":
            return self._scale(request, target, body_text, content_type)
        if target.name is None or target.subresource not in ("", "status"):
            raise errors.method_not_allowed()
        if method == "PUT":
            return self._written(self.store.replace(target.resource, target.namespace or "", target.name,
                                                    bodies.parse(body_text, content_type),
                                                    self._options(request, query), target.subresource))
        if method == "PATCH":
            if content_type not in PATCH_TYPES:
                raise errors.unsupported_media_type(content_type)
            return self._written(self.store.patch(target.resource, target.namespace or "", target.name,
                                                  content_type, bodies.parse(body_text, content_type),
                                                  self._options(request, query), target.subresource))
        if method == "DELETE":
            return web.json_response(self._delete(target, query, body_text))
        raise errors.method_not_allowed()

    def _authenticate(self, request: web.Request) -> authorization.User | None:
        """The ServiceAccount to authorize, or None for the emulator's administrator (or with RBAC off)."""
        if not self.authorization:
            return None
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if token == self.admin_token:
            return None
        user = authorization.user_of(token)
        if user is None:
            raise errors.ApiError(401, "Unauthorized", "Unauthorized")
        return user

    # -- routing ---------------------------------------------------------------------------------------------------

    def _discovery(self, segments: list[str]) -> dict[str, Any] | None:
        catalogue = self.store.catalogue
        if not segments:
            paths = ["/api", "/api/v1", "/apis", "/version", "/healthz", "/readyz", "/livez"]
            for group, versions in catalogue.groups().items():
                if group:
                    paths += [f"/apis/{group}"] + [f"/apis/{group}/{version}" for version in versions]
            return {"paths": sorted(paths)}
        if segments in (["healthz"], ["readyz"], ["livez"]):
            return {"status": "ok"}
        if segments == ["version"]:
            return discovery.SERVER_VERSION
        if segments == ["api"]:
            return discovery.api_versions()
        if segments == ["apis"]:
            return discovery.api_group_list(catalogue)
        if segments == ["api", "v1"]:
            return discovery.api_resource_list(catalogue, "", "v1")
        if len(segments) == 2 and segments[0] == "apis":
            found = discovery.api_group(catalogue, segments[1])
            if found is None:
                raise errors.unknown_path()
            return found
        if len(segments) == 3 and segments[0] == "apis":
            found = discovery.api_resource_list(catalogue, segments[1], segments[2])
            if found is None:
                raise errors.unknown_path()
            return found
        return None

    def _target(self, segments: list[str]) -> Target:
        if len(segments) >= 3 and segments[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", segments[2:]
        elif len(segments) >= 4 and segments[0] == "apis":
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            raise errors.unknown_path()
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3 and not (group == "" and rest[2] in ("status", "finalize")):
            namespace, rest = rest[1], rest[2:]
        if len(rest) > 3:
            raise errors.unknown_path()
        resource = self.store.catalogue.find(group, version, rest[0])
        if resource is None or (namespace is not None and not resource.namespaced):
            raise errors.unknown_path()
        name = rest[1] if len(rest) > 1 else None
        subresource = rest[2] if len(rest) > 2 else ""
        known = {"", *(["status"] if resource.has_status else []), *(["scale"] if resource.scale else []),
                 *(sub for sub, _ in resource.extra_subresources)}
        if subresource not in known:
            raise errors.unknown_path()
        return Target(resource, namespace, name, subresource)

    def _scale(self, request: web.Request, target: Target, body_text: str, content_type: str) -> web.Response:
        namespace, name = target.namespace or "", target.name or ""
        if request.method == "GET":
            return web.json_response(scale.read(self.store, target.resource, namespace, name))
        options = self._options(request, request.query)
        if request.method == "PUT":
            body = bodies.parse(body_text, content_type)
            return web.json_response(scale.write(self.store, target.resource, namespace, name, body, options))
        if request.method == "PATCH":
            body = bodies.parse(body_text, content_type)
            return web.json_response(scale.patch(self.store, target.resource, namespace, name, content_type, body,
                                                 options))
        raise errors.method_not_allowed()

    # -- verbs -----------------------------------------------------------------------------------------------------

    def _options(self, request: web.Request, query: Any) -> WriteOptions:
        dry_run = query.getall("dryRun", [])
        if any(value != "All" for value in dry_run):
            raise errors.bad_request(f"Invalid dryRun value: {dry_run}; only All is supported")
        manager = query.get("fieldManager") or request.headers.get("User-Agent", "unknown").split("/")[0]
        validation = query.get("fieldValidation", "Warn")
        if validation not in ("Strict", "Warn", "Ignore"):
            raise errors.bad_request(f'fieldValidation must be one of Strict, Warn, Ignore, got "{validation}"')
        force = watching.flag(query.get("force")) if "force" in query else None
        user = request.get(_USER)
        admit = authorization.write_admission(self.store, user, request.method) if user is not None else None
        return WriteOptions(dry_run=bool(dry_run), field_manager=manager, force=force, admit=admit,
                            field_validation=validation, explicit_manager=bool(query.get("fieldManager")))

    def _written(self, result: WriteResult) -> web.Response:
        response = web.json_response(result.obj, status=201 if result.created else 200)
        for warning in result.warnings:
            escaped = warning.replace("\\", "\\\\").replace('"', '\\"')  # RFC 7234 quoted-string
            response.headers.add("Warning", f'299 - "{escaped}"')
        return response

    def _matcher(self, target: Target, query: Any) -> selectors.ObjectPredicate:
        return selectors.object_predicate(target.resource, query.get("labelSelector"), query.get("fieldSelector"))

    def _list(self, target: Target, query: Any) -> dict[str, Any]:
        resource = target.resource
        with self.store.lock:
            items = self.store.list_objects(resource, target.namespace if resource.namespaced else None,
                                    self._matcher(target, query))
            resource_version = str(self.store.resource_version)
        metadata: dict[str, Any] = {"resourceVersion": resource_version}
        start = query.get("continue")
        if start:
            after = json.loads(base64.urlsafe_b64decode(start.encode()))["after"]
            items = [item for item in items if _sort_key(item) > tuple(after)]
        limit = int(query.get("limit") or 0)
        if limit and len(items) > limit:
            items = items[:limit]
            token = json.dumps({"after": list(_sort_key(items[-1]))}).encode()
            metadata["continue"] = base64.urlsafe_b64encode(token).decode()
        if not resource.custom:
            for item in items:  # like the real server, built-in list items carry no kind/apiVersion
                item.pop("kind", None)
                item.pop("apiVersion", None)
        return {"kind": f"{resource.kind}List", "apiVersion": resource.api_version, "metadata": metadata,
                "items": items}

    def _delete_options(self, query: Any, body_text: str) -> tuple[str | None, dict[str, Any], bool]:
        options = bodies.safe_json(body_text) if body_text.strip() else {}
        options = options if isinstance(options, dict) else {}
        propagation = query.get("propagationPolicy") or options.get("propagationPolicy")
        if propagation not in (None, "Orphan", "Background", "Foreground"):
            raise errors.bad_request(f'propagationPolicy: Unsupported value: "{propagation}"')
        dry_run = "All" in query.getall("dryRun", []) or "All" in (options.get("dryRun") or [])
        return propagation, options.get("preconditions") or {}, dry_run

    def _delete(self, target: Target, query: Any, body_text: str) -> dict[str, Any]:
        propagation, preconditions, dry_run = self._delete_options(query, body_text)
        obj, gone = self.store.delete(target.resource, target.namespace or "", target.name or "", propagation,
                                      preconditions, dry_run)
        if gone and not target.resource.custom:
            return _success(target.resource, obj)
        return obj

    def _delete_collection(self, target: Target, query: Any, body_text: str) -> dict[str, Any]:
        propagation, _, dry_run = self._delete_options(query, body_text)
        resource = target.resource
        deleted = []
        for obj in self.store.list_objects(resource, target.namespace if resource.namespaced else None,
                                   self._matcher(target, query)):
            meta = obj["metadata"]
            try:
                deleted.append(self.store.delete(resource, meta.get("namespace", ""), meta["name"], propagation,
                                                 None, dry_run)[0])
            except errors.ApiError as failure:
                if failure.code != 404:  # deleted meanwhile (e.g. by the collector) is fine
                    raise
        if resource.custom:
            return {"kind": f"{resource.kind}List", "apiVersion": resource.api_version,
                    "metadata": {"resourceVersion": str(self.store.resource_version)}, "items": deleted}
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}


def _verb(method: str, target: Target, watch: bool) -> str:
    if method == "GET":
        return "watch" if watch else "get" if target.name else "list"
    if method == "DELETE":
        return "delete" if target.name else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method, method.lower())


def _sort_key(item: dict[str, Any]) -> tuple[str, str]:
    return (item["metadata"].get("namespace", ""), item["metadata"]["name"])


def _success(resource: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    details = {"name": obj["metadata"]["name"], "kind": resource.plural, "uid": obj["metadata"].get("uid", "")}
    if resource.group:
        details["group"] = resource.group
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
