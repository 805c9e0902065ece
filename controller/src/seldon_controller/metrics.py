"""The controller's Prometheus metrics, in a registry of its own (several controllers may share a process in
tests), served on ``/metrics`` by ``observability.py``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.reconciles = Counter("seldon_controller_reconciles", "SeldonDeployment reconciles, by result",
                                  ["result"], registry=self.registry)
        self.reconcile_seconds = Histogram("seldon_controller_reconcile_seconds", "Time to reconcile one "
                                           "SeldonDeployment", registry=self.registry,
                                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.writes = Counter("seldon_controller_writes", "Writes to the API server, by kind and verb",
                              ["kind", "verb"], registry=self.registry)
        self.rollouts = Counter("seldon_controller_image_rollouts", "Deployments patched with a new image",
                                registry=self.registry)
        self.leader = Gauge("seldon_controller_leader", "1 while this replica holds the leader Lease",
                            registry=self.registry)
        self.queue_depth = Gauge("seldon_controller_queue_depth", "SeldonDeployments waiting to be reconciled",
                                 registry=self.registry)
        self.managed = Gauge("seldon_controller_seldon_deployments", "SeldonDeployments watched",
                             registry=self.registry)
