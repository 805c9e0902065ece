"""Reconcile one SeldonDeployment: render, apply what differs, delete what is no longer wanted, report status.

Level-based and idempotent: everything is decided from the SeldonDeployment and the watched caches, so a
restart, a lost event or a second run does no harm. Objects are written by server-side apply as the controller's
field manager (fields others own are left alone) and only when they differ (``drift.py``); a spec the rules
refuse, or an image not pushed yet, writes nothing but status (and a Warning Event when the state turns Failed).
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from seldon_controller import drift, kube, naming, status
from seldon_controller.informers import Informer
from seldon_controller.metrics import Metrics
from seldon_controller.render import Capabilities, ImageResolver, Rendered, render
from seldon_controller.settings import Settings

SELDON_DEPLOYMENT = ("machinelearning.seldon.io/v1", "SeldonDeployment")
OWNED_KINDS = (("apps/v1", "Deployment"), ("v1", "Service"), ("autoscaling/v2", "HorizontalPodAutoscaler"),
               ("policy/v1", "PodDisruptionBudget"), ("route.openshift.io/v1", "Route"),
               ("keda.sh/v1alpha1", "ScaledObject"))
_log = logging.getLogger(__name__)


@dataclasses.dataclass
class Reconciler:
    api: kube.Api
    settings: Settings
    deployments: Informer  # SeldonDeployments
    owned: dict[str, Informer]  # kind -> informer of the objects the controller makes
    capabilities: Callable[[], Capabilities]
    resolve: ImageResolver
    metrics: Metrics
    on_rendered: Callable[[tuple[str, str], Rendered], None] = lambda key, rendered: None

    def reconcile(self, namespace: str, name: str) -> None:
        sdep = self.deployments.get(namespace, name)
        if sdep is None or sdep["metadata"].get("deletionTimestamp"):
            return  # the garbage collector removes what it owned
        rendered = render(sdep, namespace, self.settings.engine_image, self.settings.ports, self.capabilities(),
                          self.resolve)
        self.on_rendered((namespace, name), rendered)
        if not rendered.problems and not rendered.waiting:
            owner = status.owner_reference(sdep)
            for obj in rendered.objects:
                self._apply(obj, owner)
            self._prune(sdep, rendered)
        self._report(sdep, rendered)

    def _informer(self, kind: str) -> Informer | None:
        return self.owned.get(kind)

    def _apply(self, obj: dict[str, Any], owner: dict[str, Any]) -> None:
        desired = copy.deepcopy(obj)
        desired["metadata"]["ownerReferences"] = [owner]
        drift.stamp(desired)
        informer = self._informer(desired["kind"])
        live = informer.get(desired["metadata"]["namespace"], desired["metadata"]["name"]) if informer else None
        if not drift.needs_apply(desired, live):
            return
        applied = self.api.apply(desired)
        self.metrics.writes.labels(kind=desired["kind"], verb="apply").inc()
        if informer is not None:
            informer.remember(applied)
        if live is not None and desired["kind"] == "Deployment" and _images(live) != _images(applied):
            self.metrics.rollouts.inc()
            _log.info("rolled %s to %s", desired["metadata"]["name"], ", ".join(sorted(_images(applied))))

    def _prune(self, sdep: dict[str, Any], rendered: Rendered) -> None:
        meta = sdep["metadata"]
        for kind, informer in self.owned.items():
            wanted = set(rendered.names(kind))
            for live in informer.items():
                live_meta = live["metadata"]
                if (live_meta.get("namespace") != meta.get("namespace")
                        or (live_meta.get("labels") or {}).get(naming.DEPLOYMENT_ID_LABEL) != meta["name"]
                        or live_meta["name"] in wanted or live_meta.get("deletionTimestamp")
                        or not any(ref.get("uid") == meta["uid"] and ref.get("controller")
                                   for ref in live_meta.get("ownerReferences") or [])):
                    continue
                self.api.delete(live)
                self.metrics.writes.labels(kind=kind, verb="delete").inc()
                informer.forget(live)

    def _lookup(self, namespace: str) -> status.Lookup:
        def lookup(kind: str, name: str) -> dict[str, Any] | None:
            informer = self._informer(kind)
            return informer.get(namespace, name) if informer is not None else None
        return lookup

    def _report(self, sdep: dict[str, Any], rendered: Rendered) -> None:
        meta = sdep["metadata"]
        computed = status.compute(sdep, rendered, self._lookup(meta.get("namespace", "")))
        current = sdep.get("status") or {}
        if status.same(current, computed):
            return
        if computed["state"] == "Failed" and (current.get("state"), current.get("description")) != (
                "Failed", computed.get("description")):
            event = status.event(sdep, "InvalidSpec", computed.get("description", ""), self.settings.field_manager,
                                 self.settings.identity)
            try:
                self.api.create(event)
                self.metrics.writes.labels(kind="Event", verb="create").inc()
            except kube.ApiError as failure:  # an Event is a courtesy: never fail the status for it
                _log.warning("could not record an Event for %s: %s", meta["name"], failure)
        body = {"apiVersion": SELDON_DEPLOYMENT[0], "kind": SELDON_DEPLOYMENT[1],
                "metadata": {"name": meta["name"], "namespace": meta.get("namespace", "")}, "status": computed}
        try:
            updated = self.api.apply(body, subresource="status")
        except kube.ApiError as failure:
            if failure.status == 404:
                return  # deleted meanwhile
            raise
        self.metrics.writes.labels(kind="SeldonDeployment", verb="apply-status").inc()
        self.deployments.remember(updated)


def _images(deployment: dict[str, Any]) -> set[str]:
    containers = ((deployment.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []
    return {str(container.get("image")) for container in containers}
