"""A SeldonDeployment's status as Seldon reports it, computed from the rendered objects and their live state.

``state`` is Failed for a spec the rules refuse, Creating while an image is missing or a Deployment is not yet
available, Available once every Deployment is; ``description`` says why. Per-Deployment and per-Service
status, ``address.url``, ``replicas`` (of the first Deployment), Seldon's knative-style conditions (a condition
keeps its ``lastTransitionTime`` until its status changes) and ``observedGeneration`` complete it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from seldon_controller import naming
from seldon_controller.render import Rendered

Lookup = Callable[[str, str], "dict[str, Any] | None"]  # (kind, name) -> live object in the SD's namespace


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def deployment_available(live: dict[str, Any] | None) -> bool:
    if live is None:
        return False
    status = live.get("status") or {}
    wanted = (live.get("spec") or {}).get("replicas", 1)
    return bool(status.get("observedGeneration", 0) >= live["metadata"].get("generation", 1)
                and status.get("availableReplicas", 0) >= wanted and status.get("updatedReplicas", 0) >= wanted)


def _condition(kind: str, ok: bool, reason: str, message: str, previous: dict[str, dict[str, Any]],
               generation: int) -> dict[str, Any]:
    status = "True" if ok else "False"
    old = previous.get(kind) or {}
    since = old.get("lastTransitionTime") if old.get("status") == status else None
    condition = {"type": kind, "status": status, "reason": reason, "lastTransitionTime": since or now(),
                 "observedGeneration": generation}
    if message:
        condition["message"] = message
    return condition


def _services(rendered: Rendered, namespace: str, lookup: Lookup) -> dict[str, Any]:
    found = {}
    for obj in rendered.objects:
        if obj["kind"] != "Service" or lookup("Service", obj["metadata"]["name"]) is None:
            continue
        name = obj["metadata"]["name"]
        ports = {port["name"]: port["port"] for port in obj["spec"]["ports"]}
        found[name] = {"svcName": name, "httpEndpoint": f"{name}.{namespace}:{ports['http']}",
                       "grpcEndpoint": f"{name}.{namespace}:{ports['grpc']}"}
    return found


def compute(sdep: dict[str, Any], rendered: Rendered, lookup: Lookup) -> dict[str, Any]:
    namespace = sdep["metadata"].get("namespace", "")
    previous = {condition.get("type"): condition
                for condition in (sdep.get("status") or {}).get("conditions") or []}
    generation = sdep["metadata"].get("generation", 1)
    if rendered.problems or rendered.waiting:
        failed = bool(rendered.problems)
        description = "; ".join(rendered.problems or rendered.waiting)
        reason = "InvalidSpec" if failed else "WaitingForImages"
        return {"state": "Failed" if failed else "Creating", "description": description,
                "observedGeneration": generation,
                "conditions": [_condition("Ready", False, reason, description, previous, generation)]}
    deployments, pending = {}, []
    for name in rendered.names("Deployment"):
        live = lookup("Deployment", name)
        observed = (live or {}).get("status") or {}
        ready = deployment_available(live)
        if not ready:
            pending.append(name)
        deployments[name] = {"name": name, "status": "Available" if ready else "Creating",
                             "replicas": observed.get("replicas", 0),
                             "availableReplicas": observed.get("availableReplicas", 0)}
    services = _services(rendered, namespace, lookup)
    conditions = [
        _condition("DeploymentsReady", not pending, "DeploymentsAvailable" if not pending else "DeploymentsNotReady",
                   f"waiting for {', '.join(pending)}" if pending else "", previous, generation),
        _condition("ServicesReady", len(services) == len(rendered.names("Service")), "ServicesCreated", "",
                   previous, generation)]
    for kind, condition in (("HorizontalPodAutoscaler", "HpasReady"), ("PodDisruptionBudget", "PdbsReady"),
                            ("ScaledObject", "KedaReady"), ("Route", "RoutesReady")):
        names = rendered.names(kind)
        if names:
            missing = [name for name in names if lookup(kind, name) is None]
            conditions.append(_condition(condition, not missing, "Created" if not missing else "Creating",
                                         "", previous, generation))
    keda_notes = [note for note in rendered.notes if "kedaSpec" in note]
    if keda_notes:
        conditions.append(_condition("KedaReady", False, "KedaNotInstalled", "; ".join(keda_notes), previous,
                                     generation))
    ready = all(condition["status"] == "True" for condition in conditions if condition["type"] != "KedaReady")
    description = "" if ready else "Waiting for Deployments to be available: " + ", ".join(pending)
    if rendered.notes:
        description = "; ".join(filter(None, [description, *rendered.notes]))
    conditions.append(_condition("Ready", ready, "Available" if ready else "Creating", "", previous, generation))
    first = next(iter(deployments.values()), {})
    status: dict[str, Any] = {
        "state": "Available" if ready else "Creating", "deploymentStatus": deployments, "serviceStatus": services,
        "replicas": first.get("replicas", 0), "observedGeneration": generation, "conditions": conditions}
    if description:
        status["description"] = description
    if rendered.address:
        status["address"] = {"url": rendered.address}
    return status


def same(live: dict[str, Any], computed: dict[str, Any]) -> bool:
    """Whether the live status already is ``computed``. A condition's observedGeneration always equals the
    status's, so it is left out of the comparison: a CRD whose condition schema lacks it prunes it, and that must
    not look like a difference on every reconcile."""
    def without(status: dict[str, Any]) -> dict[str, Any]:
        conditions = [{key: value for key, value in condition.items() if key != "observedGeneration"}
                      for condition in status.get("conditions") or []]
        return {**status, "conditions": conditions}
    return without(live) == without(computed)


def event(sdep: dict[str, Any], reason: str, message: str, component: str, instance: str) -> dict[str, Any]:
    """A Warning Event about the SeldonDeployment (what ``oc describe`` and ``oc get events`` show)."""
    meta = sdep["metadata"]
    stamp = now()
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"generateName": f"{meta['name']}.", "namespace": meta.get("namespace", "")},
            "involvedObject": {"apiVersion": sdep.get("apiVersion", "machinelearning.seldon.io/v1"),
                               "kind": "SeldonDeployment", "name": meta["name"],
                               "namespace": meta.get("namespace", ""), "uid": meta.get("uid", "")},
            "reason": reason, "message": message[:1024], "type": "Warning", "count": 1,
            "firstTimestamp": stamp, "lastTimestamp": stamp, "source": {"component": component},
            "reportingComponent": component, "reportingInstance": instance}


def owner_reference(sdep: dict[str, Any]) -> dict[str, Any]:
    meta = sdep["metadata"]
    return {"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment", "name": meta["name"],
            "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}


def managed_label_selector() -> str:
    return naming.DEPLOYMENT_ID_LABEL
