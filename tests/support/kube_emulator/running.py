"""Start, reset and stop an emulated API server; hand out its kubeconfig and client configuration.

The public entry point (``kube_emulator.KubeEmulator``), used by ``pytest_plugin.py`` and directly by tests.
The server runs an asyncio loop in a daemon thread and listens on a free 127.0.0.1 port over plain HTTP.
"""

from __future__ import annotations

import asyncio
import pathlib
import re
import shutil
import tempfile
import threading
from types import TracebackType
from typing import Any, Self

import kubernetes.client
import kubernetes.config
import yaml
from aiohttp import web

from kube_emulator import authorization, lifecycle
from kube_emulator.admission import WriteOptions
from kube_emulator.resources import BUILTIN_TYPES, Catalogue, ResourceType
from kube_emulator.server import ApiServer, Fault, RecordedRequest
from kube_emulator.store import Store

BASE_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
TOKEN = "emulator-token"

# Until the real SeldonDeployment CRD is registered, a permissive stand-in with the real names, versions and
# subresources keeps ``machinelearning.seldon.io`` discoverable.
SELDON_DEPLOYMENT_STAND_IN: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "seldondeployments.machinelearning.seldon.io"},
    "spec": {
        "group": "machinelearning.seldon.io", "scope": "Namespaced",
        "names": {"kind": "SeldonDeployment", "listKind": "SeldonDeploymentList", "plural": "seldondeployments",
                  "singular": "seldondeployment", "shortNames": ["sdep"]},
        "versions": [
            {"name": version, "served": True, "storage": version == "v1",
             "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                                      "statusReplicasPath": ".status.replicas"}},
             "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                 "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                 "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}}
            for version in ("v1", "v1alpha2", "v1alpha3")],
    },
}


class KubeEmulator:
    """An emulated Kubernetes/OpenShift API server on 127.0.0.1, started in a background thread.

    ``with KubeEmulator() as cluster:`` starts it; ``cluster.kubeconfig_path`` and
    ``cluster.client_configuration()`` point clients at it; ``cluster.reset()`` empties it between tests.
    """

    def __init__(self, *, extra_namespaces: tuple[str, ...] = ("openshift",), seldon_stand_in: bool = True,
                 event_log_size: int = 10_000, bookmark_interval: float = 5.0,
                 collection_delay: float = 0.2, authorization: bool = False, openshift: bool = True) -> None:
        """``collection_delay``: seconds between a deletion and the garbage collection it causes (a real cluster
        takes a moment; a controller must cope with dependents that outlive their owner briefly)."""
        self.extra_namespaces = extra_namespaces
        self.seldon_stand_in = seldon_stand_in
        # openshift=False serves a plain Kubernetes API: no image, build, route, template or project groups.
        types = [found for found in BUILTIN_TYPES if openshift or not found.group.endswith(".openshift.io")]
        self.store = Store(Catalogue(types), event_log_size=event_log_size)
        self.server = ApiServer(self.store, bookmark_interval=bookmark_interval, collection_delay=collection_delay,
                                admin_token=TOKEN)
        self.server.authorization = self._authorization_default = authorization
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._port = 0
        self._directory: pathlib.Path | None = None
        self._registered_crds: list[dict[str, Any]] = []

    # -- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        self._thread = threading.Thread(target=self._serve, name="kube-emulator", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._startup_error is not None or not self._port:
            raise RuntimeError(f"the API server emulator did not start: {self._startup_error!r}")
        self._directory = pathlib.Path(tempfile.mkdtemp(prefix="kube-emulator-"))
        self.kubeconfig_path.write_text(yaml.safe_dump(self.kubeconfig()))
        self.reset()
        return self

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(self.server.app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        try:
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self._port = int(runner.addresses[0][1])
            self._loop = loop
            self.store.wake_collector = lambda: self.server.schedule_garbage_collection(loop)
        except BaseException as failure:  # reported to start(), which raises it in the caller's thread
            self._startup_error = failure
            self._ready.set()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self.store.clear()  # ends open watches so the shutdown does not wait for them
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._thread = None
        self._loop = None
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def reset(self, keep_crds: bool = False) -> None:
        """Empty the cluster: objects, CRDs (unless ``keep_crds``), open watches, faults and the request log."""
        kept = list(self._registered_crds) if keep_crds else []
        self.store.clear()
        self.server.requests.clear()
        self.server.faults.clear()
        self.server.authorization = self._authorization_default
        self._registered_crds = []
        namespaces = self.resource("v1", "Namespace")
        for name in (*BASE_NAMESPACES, *self.extra_namespaces):
            self.store.create(namespaces, "", {"metadata": {"name": name}}, WriteOptions(field_manager="emulator"))
        if self.seldon_stand_in:
            self.register_crd(SELDON_DEPLOYMENT_STAND_IN, remember=False)
        for crd in kept:
            self.register_crd(crd)

    # -- connecting ----------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the emulator is not running")
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def kubeconfig_path(self) -> pathlib.Path:
        if self._directory is None:
            raise RuntimeError("the emulator is not running")
        return self._directory / "kubeconfig"

    @property
    def authorization(self) -> bool:
        """Whether ServiceAccount tokens are authorized by the RBAC objects stored (the admin token always is)."""
        return self.server.authorization

    @authorization.setter
    def authorization(self, enabled: bool) -> None:
        self.server.authorization = enabled

    def service_account_kubeconfig(self, namespace: str, name: str) -> pathlib.Path:
        """A kubeconfig whose token acts as ServiceAccount ``namespace/name`` (authorized once ``authorization``)."""
        path = self.kubeconfig_path.with_name(f"kubeconfig-{namespace}-{name}")
        path.write_text(yaml.safe_dump(self.kubeconfig(namespace, authorization.token_for(namespace, name))))
        return path

    def kubeconfig(self, namespace: str = "default", token: str = TOKEN) -> dict[str, Any]:
        return {
            "apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": "emulator", "cluster": {"server": self.url}}],
            "users": [{"name": "emulator", "user": {"token": token}}],
            "contexts": [{"name": "emulator", "context": {"cluster": "emulator", "user": "emulator",
                                                          "namespace": namespace}}],
            "current-context": "emulator",
        }

    def client_configuration(self) -> kubernetes.client.Configuration:
        """A fresh configuration each call (clients mutate theirs)."""
        configuration = kubernetes.client.Configuration()
        kubernetes.config.load_kube_config(config_file=str(self.kubeconfig_path),
                                           client_configuration=configuration)
        return configuration

    def api_client(self) -> kubernetes.client.ApiClient:
        return kubernetes.client.ApiClient(self.client_configuration())

    # -- state for tests -----------------------------------------------------------------------------------------

    def resource(self, api_version: str, kind: str) -> ResourceType:
        found = self.store.catalogue.find_kind(api_version, kind)
        if found is None:
            raise LookupError(f"the emulator serves no {kind} in {api_version}")
        return found

    def register_crd(self, crd: dict[str, Any] | str | pathlib.Path, remember: bool = True) -> list[dict[str, Any]]:
        """Create (or replace) CRDs from a manifest dict or a YAML file (several documents allowed)."""
        if isinstance(crd, dict):
            documents = [crd]
        else:
            documents = [doc for doc in yaml.safe_load_all(pathlib.Path(crd).read_text()) if doc]
        crds = self.resource("apiextensions.k8s.io/v1", "CustomResourceDefinition")
        created = []
        for document in documents:
            existing = self.store.find(crds, "", document["metadata"]["name"])
            options = WriteOptions(field_manager="emulator")
            if existing is None:
                created.append(self.store.create(crds, "", document, options).obj)
            else:
                replacement = {**document, "metadata": {**document["metadata"],
                                                        "resourceVersion": existing["metadata"]["resourceVersion"]}}
                created.append(self.store.replace(crds, "", existing["metadata"]["name"], replacement, options).obj)
            if remember:
                self._registered_crds.append(document)
        return created

    def get(self, api_version: str, kind: str, name: str, namespace: str = "") -> dict[str, Any] | None:
        return self.store.find(self.resource(api_version, kind), namespace, name)

    def list_objects(self, api_version: str, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return self.store.list_objects(self.resource(api_version, kind), namespace, lambda obj: True)

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        resource = self.resource(obj["apiVersion"], obj["kind"])
        namespace = obj.get("metadata", {}).get("namespace", "default") if resource.namespaced else ""
        return self.store.create(resource, namespace, obj, WriteOptions(field_manager="emulator")).obj

    def set_status(self, api_version: str, kind: str, name: str, status: dict[str, Any],
                   namespace: str = "") -> dict[str, Any]:
        """Write ``status`` as the kind's controller would (e.g. a Deployment's ready replicas)."""
        resource = self.resource(api_version, kind)
        current = self.store.get(resource, namespace, name)
        current["status"] = status
        return self.store.replace(resource, namespace, name, current, WriteOptions(field_manager="emulator"),
                                  "status" if resource.has_status else "").obj

    def collect_garbage(self) -> None:
        """Run the garbage collector now (it also runs by itself right after every deletion)."""
        lifecycle.collect_garbage(self.store)

    def compact(self) -> int:
        """Drop the watch event log; watches from an older resourceVersion now get 410 Gone."""
        return self.store.compact()

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.server.requests

    def inject_fault(self, method: str, path_pattern: str, status: int = 500, reason: str = "InternalError",
                     message: str = "injected by the test", times: int | None = 1) -> None:
        """Answer matching requests (method or "*", regex searched in the path) with a Status error."""
        self.server.faults.append(Fault(method.upper() if method != "*" else "*", re.compile(path_pattern),
                                        status, reason, message, times))
