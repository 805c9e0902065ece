"""The running controller: leader election, watches, the work queue and its workers, and a graceful stop.

Only the leader watches and writes: a standby replica holds nothing but its Lease attempts, its health server
and its metrics. Once leading, it discovers which optional APIs the cluster serves (images, routes, KEDA), starts
one watch per kind, waits for the caches to fill, and reconciles every SeldonDeployment that an event, an image
change or the periodic resync brings to the queue. A stop (SIGTERM) lets the running reconciles finish and
releases the Lease.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import kubernetes.client

from seldon_controller import kube, naming
from seldon_controller.images import ImageIndex
from seldon_controller.informers import Informer
from seldon_controller.leader import LeaderElector
from seldon_controller.metrics import Metrics
from seldon_controller.observability import HealthServer
from seldon_controller.reconciler import OWNED_KINDS, SELDON_DEPLOYMENT, Reconciler
from seldon_controller.render import Capabilities, Rendered
from seldon_controller.settings import Settings
from seldon_controller.workqueue import WorkQueue

IMAGE_STREAM = ("image.openshift.io/v1", "ImageStream")
_OPTIONAL = {"Route": "routes", "ScaledObject": "keda"}
_log = logging.getLogger(__name__)


class Controller:
    def __init__(self, settings: Settings, api_client: kubernetes.client.ApiClient) -> None:
        self.settings = settings
        self.api = kube.Api(api_client, settings.field_manager)
        self.metrics = Metrics()
        self.stop = threading.Event()
        self.queue = WorkQueue()
        self.index = ImageIndex()
        self.capabilities = Capabilities(images=False, routes=False, keda=False)
        self.owned: dict[str, Informer] = {}
        self.deployments = Informer(self.api, *SELDON_DEPLOYMENT, settings.namespace, None,
                                    self._on_seldon_deployment, self.stop)
        self.reconciler = Reconciler(self.api, settings, self.deployments, self.owned, lambda: self.capabilities,
                                     self.index.resolve, self.metrics, self._on_rendered)
        self.elector = LeaderElector(self.api, settings, self._start, self._lost) if settings.leader_election \
            else None
        self.synced = threading.Event()
        self.lost = False
        self._workers: list[threading.Thread] = []
        self.health: HealthServer | None = None

    # -- events -> queue ---------------------------------------------------------------------------------------

    def _on_seldon_deployment(self, event_type: str, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        key = (str(meta.get("namespace", "")), str(meta.get("name", "")))
        if event_type == "DELETED":
            self.index.forget(key)
            return
        # Our own status writes come back as events: only a newer generation needs work.
        if event_type == "MODIFIED" and (obj.get("status") or {}).get("observedGeneration") == meta.get("generation"):
            return
        self.queue.add(key)

    def _on_owned(self, event_type: str, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        owner = (meta.get("labels") or {}).get(naming.DEPLOYMENT_ID_LABEL)
        if owner:
            self.queue.add((str(meta.get("namespace", "")), owner))

    def _on_image_stream(self, event_type: str, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        for key in self.index.users((str(meta.get("namespace", "")), str(meta.get("name", "")))):
            self.queue.add(key)

    def _on_rendered(self, key: tuple[str, str], rendered: Rendered) -> None:
        self.index.record(key, rendered.image_streams)

    # -- starting --------------------------------------------------------------------------------------------

    def _discover(self) -> bool:
        """Refresh which optional APIs are served; True when something new appeared."""
        served = self.api.served_groups()
        found = Capabilities(images=IMAGE_STREAM[0] in served, routes="route.openshift.io/v1" in served,
                             keda="keda.sh/v1alpha1" in served)
        changed = found != self.capabilities
        self.capabilities = found
        for api_version, kind in OWNED_KINDS:
            optional = _OPTIONAL.get(kind)
            if kind not in self.owned and (optional is None or getattr(found, optional)):
                informer = Informer(self.api, api_version, kind, self.settings.namespace, naming.DEPLOYMENT_ID_LABEL,
                                    self._on_owned, self.stop)
                self.owned[kind] = informer
                informer.start()
        if found.images and self.index.informer is None:
            self.index.informer = Informer(self.api, *IMAGE_STREAM, self.settings.namespace, None,
                                           self._on_image_stream, self.stop)
            self.index.informer.start()
        return changed

    def _start(self) -> None:
        """Begin acting (at once without leader election, else once elected)."""
        self.metrics.leader.set(1)
        threading.Thread(target=self._begin, name="begin", daemon=True).start()

    def _begin(self) -> None:
        while not self.stop.is_set():
            try:
                self._discover()
                break
            except Exception as failure:
                _log.warning("discovery failed: %r", failure)
                self.stop.wait(1.0)
        self.deployments.start()
        for informer in [self.deployments, *self.owned.values(), *filter(None, [self.index.informer])]:
            while not informer.synced.wait(0.5):
                if self.stop.is_set():
                    return
        self.synced.set()
        _log.info("caches synced: %d SeldonDeployments", len(self.deployments.items()))
        for number in range(self.settings.workers):
            worker = threading.Thread(target=self._work, name=f"worker-{number}", daemon=True)
            worker.start()
            self._workers.append(worker)
        threading.Thread(target=self._housekeeping, name="housekeeping", daemon=True).start()

    def _lost(self) -> None:
        self.lost = True
        self.metrics.leader.set(0)
        self.stop.set()

    def _housekeeping(self) -> None:
        last_resync = last_discovery = time.monotonic()
        while not self.stop.wait(1.0):
            now = time.monotonic()
            self.metrics.queue_depth.set(len(self.queue))
            self.metrics.managed.set(len(self.deployments.items()))
            if now - last_discovery >= self.settings.discovery_seconds:
                last_discovery = now
                try:
                    if self._discover():
                        self.requeue_all()
                except Exception as failure:
                    _log.warning("discovery failed: %r", failure)
            if now - last_resync >= self.settings.resync_seconds:
                last_resync = now
                self.requeue_all()

    def requeue_all(self) -> None:
        """Queue every SeldonDeployment (the periodic resync does this)."""
        for obj in self.deployments.items():
            self.queue.add((obj["metadata"].get("namespace", ""), obj["metadata"]["name"]))

    def _work(self) -> None:
        while not self.stop.is_set():
            key = self.queue.get(timeout=0.5)
            if key is None:
                continue
            started = time.perf_counter()
            try:
                self.reconciler.reconcile(*key)
            except Exception as failure:
                delay = self.queue.retry(key)
                self.metrics.reconciles.labels(result="error").inc()
                _log.warning("reconcile of %s/%s failed (again in %.2fs): %s", *key, delay, failure)
            else:
                self.queue.succeeded(key)
                self.metrics.reconciles.labels(result="ok").inc()
            finally:
                self.metrics.reconcile_seconds.observe(time.perf_counter() - started)
                self.queue.done(key)

    # -- running ---------------------------------------------------------------------------------------------

    def healthy(self) -> bool:
        return not self.lost

    def ready(self) -> bool:
        if self.lost:
            return False
        leading = self.elector is None or self.elector.leading.is_set()
        return self.synced.is_set() or not leading

    def run(self) -> int:
        """Run until ``stop`` is set; 0 after a graceful stop, 1 when the leader Lease was lost."""
        if self.settings.health_port:
            self.health = HealthServer(self.settings.health_port, self.metrics.registry, self.healthy, self.ready)
            self.health.start()
        if self.elector is not None:
            threading.Thread(target=self.elector.run, args=(self.stop,), name="leader", daemon=True).start()
        else:
            self._start()
        self.stop.wait()
        self.queue.close()
        for worker in self._workers:
            worker.join(timeout=30)
        if self.elector is not None:
            self.elector.release()
        self.metrics.leader.set(0)
        if self.health is not None:
            self.health.stop()
        return 1 if self.lost else 0
