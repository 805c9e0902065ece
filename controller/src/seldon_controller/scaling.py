"""Autoscaling and disruption objects of a componentSpec's Deployment, named after it.

``hpaSpec`` becomes an ``autoscaling/v2`` HorizontalPodAutoscaler (its ``metricsv2``, or its Seldon
``autoscaling/v2beta1``-style ``metrics`` translated), ``kedaSpec`` a KEDA ``ScaledObject`` (only when the
cluster serves ``keda.sh/v1alpha1``), ``pdbSpec`` a ``policy/v1`` PodDisruptionBudget over the Deployment's pods.
"""

from __future__ import annotations

from typing import Any

from seldon_graph import ComponentSpec

KEDA_API = "keda.sh/v1alpha1"


def _metric_v2(metric: dict[str, Any]) -> dict[str, Any]:
    """A v2beta1 metric (``targetAverageUtilization``/``targetAverageValue``) in v2's ``target`` form."""
    if metric.get("type") != "Resource" or "target" in (metric.get("resource") or {}):
        return metric
    source = dict(metric["resource"])
    if "targetAverageUtilization" in source:
        target = {"type": "Utilization", "averageUtilization": source.pop("targetAverageUtilization")}
    elif "targetAverageValue" in source:
        target = {"type": "AverageValue", "averageValue": source.pop("targetAverageValue")}
    else:
        return metric
    return {"type": "Resource", "resource": {**source, "target": target}}


def _meta(name: str, namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": labels}


def hpa(component: ComponentSpec, name: str, namespace: str, labels: dict[str, str]) -> dict[str, Any] | None:
    spec = component.hpaSpec
    if spec is None:
        return None
    body: dict[str, Any] = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                            "maxReplicas": spec.maxReplicas}
    if spec.minReplicas is not None:
        body["minReplicas"] = spec.minReplicas
    metrics = spec.metricsv2 or [_metric_v2(metric) for metric in spec.metrics or []]
    if metrics:
        body["metrics"] = metrics
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": _meta(name, namespace, labels), "spec": body}


def scaled_object(component: ComponentSpec, name: str, namespace: str,
                  labels: dict[str, str]) -> dict[str, Any] | None:
    if component.kedaSpec is None:
        return None
    body = {"scaleTargetRef": {"name": name}, **component.kedaSpec.model_dump(exclude_none=True, mode="json")}
    return {"apiVersion": KEDA_API, "kind": "ScaledObject", "metadata": _meta(name, namespace, labels), "spec": body}


def pdb(component: ComponentSpec, name: str, namespace: str, labels: dict[str, str],
        selector: dict[str, str]) -> dict[str, Any] | None:
    if component.pdbSpec is None:
        return None
    body: dict[str, Any] = {"selector": {"matchLabels": selector},
                            **component.pdbSpec.model_dump(exclude_none=True, mode="json")}
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(name, namespace, labels),
            "spec": body}
