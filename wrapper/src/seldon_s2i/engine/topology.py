"""The predictor's graph as walkable nodes, each with a client per transport it has a port for."""

from __future__ import annotations

from dataclasses import dataclass

from seldon_graph import EndpointType, PredictiveUnit, Predictor

from seldon_s2i.engine.clients import GrpcNodeClient, NodeClient, Observer, RestNodeClient
from seldon_s2i.engine.payload import Wire
from seldon_s2i.engine.walk import Node

_WIRES: dict[EndpointType, Wire] = {"REST": "json", "GRPC": "proto"}


@dataclass
class NodeTimeouts:
    """Seconds a node call may take, per transport (Seldon's seldon.io/rest-timeout and grpc-timeout)."""

    rest: float
    grpc: float


@dataclass
class Graph:
    root: Node

    def close(self) -> None:
        for node in self.root.walk():
            for client in node.clients.values():
                client.close()


def build_graph(predictor: Predictor, timeouts: NodeTimeouts, observe: Observer | None = None) -> Graph:
    """Nodes and clients for ``predictor``."""
    return Graph(_node(predictor.graph, timeouts, observe))


def _node(unit: PredictiveUnit, timeouts: NodeTimeouts, observe: Observer | None) -> Node:
    clients: dict[Wire, NodeClient] = {}
    endpoint = unit.endpoint
    if endpoint is not None and endpoint.service_host and unit.implementation != "RANDOM_ABTEST":
        host = endpoint.service_host
        http_port = endpoint.port_for("REST")
        grpc_port = endpoint.port_for("GRPC")
        if http_port:
            clients["json"] = RestNodeClient(unit.name, host, http_port, timeouts.rest, observe)
        if grpc_port:
            feedback = "/seldon.protos.Router/SendFeedback" if unit.effective_type == "ROUTER" else \
                "/seldon.protos.Model/SendFeedback"
            clients["proto"] = GrpcNodeClient(unit.name, host, grpc_port, timeouts.grpc, observe, feedback)
        if endpoint.type and len(clients) > 1:
            # The declared type first: it is tried when the request's own transport has no port.
            preferred = _WIRES[endpoint.type]
            clients = {preferred: clients[preferred], **clients}
    children = [_node(child, timeouts, observe) for child in unit.child_nodes]
    return Node(unit, children, clients)
