"""Leader election on a ``coordination.k8s.io/v1`` Lease, as client-go's leaderelection does it.

A candidate takes the Lease when it is free or when its holder has not renewed it for ``lease_duration``, judged
by the candidate's own clock since it last saw the record change (never by comparing clocks); the leader renews
every ``retry_period`` and steps down when it cannot renew within ``renew_deadline``. Writes carry the Lease's
resourceVersion, so two candidates never both win. On a graceful stop the leader releases the Lease, so another
replica takes over at once. Lease times are MicroTime (six fractional digits, UTC).
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from seldon_controller import kube
from seldon_controller.settings import Settings

_log = logging.getLogger(__name__)


def micro_time() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    def __init__(self, api: kube.Api, settings: Settings, on_started: Callable[[], None],
                 on_stopped: Callable[[], None]) -> None:
        self.api = api
        self.settings = settings
        self.on_started = on_started
        self.on_stopped = on_stopped
        self.leading = threading.Event()
        self._observed: tuple[Any, float] | None = None  # (holder record, monotonic time first seen)
        self._last_renewal = 0.0
        self._url = kube.path("coordination.k8s.io/v1", "Lease", settings.lease_namespace, settings.lease_name)

    def _lease(self, spec: dict[str, Any], version: str | None = None) -> dict[str, Any]:
        metadata: dict[str, Any] = {"name": self.settings.lease_name, "namespace": self.settings.lease_namespace}
        if version:
            metadata["resourceVersion"] = version
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata, "spec": spec}

    def _try(self) -> bool:
        """One attempt to acquire or renew; True while this replica leads."""
        me = self.settings.identity
        duration = max(1, round(self.settings.lease_duration))
        try:
            current = self.api.get(self._url)
        except kube.ApiError as failure:
            if failure.status != 404:
                raise
            stamp = micro_time()
            self.api.create(self._lease({"holderIdentity": me, "leaseDurationSeconds": duration,
                                         "acquireTime": stamp, "renewTime": stamp, "leaseTransitions": 0}))
            return True
        spec = current.get("spec") or {}
        record = (spec.get("holderIdentity"), spec.get("renewTime"), spec.get("leaseDurationSeconds"))
        now = time.monotonic()
        if self._observed is None or self._observed[0] != record:
            self._observed = (record, now)
        holder = spec.get("holderIdentity") or ""
        expired = now - self._observed[1] > float(spec.get("leaseDurationSeconds") or duration)
        if holder and holder != me and not expired:
            return False
        stamp = micro_time()
        renewed = {**spec, "holderIdentity": me, "leaseDurationSeconds": duration, "renewTime": stamp}
        if holder != me:
            renewed["acquireTime"] = stamp
            renewed["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
        self.api.replace(self._lease(renewed, current["metadata"]["resourceVersion"]))
        return True

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                leading = self._try()
            except kube.ApiError as failure:  # 409: someone else wrote first; others: the API is unreachable
                _log.debug("lease attempt failed: %s", failure)
                leading = False
            except Exception as failure:
                _log.warning("lease attempt failed: %r", failure)
                leading = False
            now = time.monotonic()
            if leading:
                self._last_renewal = now
                if not self.leading.is_set():
                    _log.info("became the leader (%s)", self.settings.identity)
                    self.leading.set()
                    self.on_started()
            elif self.leading.is_set() and now - self._last_renewal > self.settings.renew_deadline:
                _log.error("lost the leader Lease: stopping")
                self.leading.clear()
                self.on_stopped()
                return
            stop.wait(self.settings.retry_period)

    def release(self) -> None:
        """Give the Lease up (graceful stop), so a standby replica takes over without waiting for it to expire."""
        if not self.leading.is_set():
            return
        try:
            current = self.api.get(self._url)
            spec = current.get("spec") or {}
            if spec.get("holderIdentity") == self.settings.identity:
                stamp = micro_time()
                released = {**spec, "holderIdentity": "", "leaseDurationSeconds": 1, "renewTime": stamp,
                            "acquireTime": stamp}
                self.api.replace(self._lease(released, current["metadata"]["resourceVersion"]))
        except Exception as failure:  # best effort: the Lease expires anyway
            _log.warning("could not release the leader Lease: %r", failure)
        self.leading.clear()
