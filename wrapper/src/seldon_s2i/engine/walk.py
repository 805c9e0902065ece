"""The graph walk of Seldon's executor (``executor/predictor/predictor_process.go``).

Prediction, for each node from the root:

1. the input call: ``/predict`` for a MODEL, ``/transform-input`` for a TRANSFORMER or a
   node declaring TRANSFORM_INPUT (the node's entry in ``meta.routing`` becomes -1);
2. with children, the route: the node's ``/route`` (a ROUTER, or ROUTE declared),
   the built-in RANDOM_ABTEST (child 0 with probability ``ratioA``, default 0.5), or -1.
   -1 sends the message to every child concurrently, -2 skips the children (and the
   combiner), N sends it to child N only; children get the router's *input*, not its
   route answer; the value is recorded in ``meta.routing`` under the node's name;
3. the children's answers go to the node's ``/aggregate`` (a COMBINER, or AGGREGATE
   declared); without one, the first child's answer goes on (as Seldon does);
4. on the way back, ``/transform-output`` for an OUTPUT_TRANSFORMER or a node declaring
   TRANSFORM_OUTPUT.

A MODEL with children is a chain: its prediction is its children's input. Where Seldon
is wrong we differ: a route outside the node's children is an error naming the router
(Seldon indexes out of range), and the first failing child by position decides the
error of a fan-out (as Seldon), after every child has finished.

Feedback goes back down the path the prediction took, read from the feedback's
``response.meta.routing``: a node with route -1 (or no entry) passes it to every child
concurrently, N to child N, -2 to none; then the node itself gets ``/send-feedback``
if it is a MODEL or ROUTER or declares SEND_FEEDBACK. Every node gets the same Feedback.

Concurrency: the walk runs in the transport's worker thread that took the request (no
hop to an event loop: see :mod:`seldon_s2i.engine.clients` for what that saves); when a
node sends the message to several children, the first child is walked in this thread and
the others at the same time in the shared :data:`FAN_OUT` pool.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from seldon_graph import Calls, PredictiveUnit

from seldon_s2i.engine import errors
from seldon_s2i.engine.clients import Method, NodeClient
from seldon_s2i.engine.payload import Payload, Wire, message_list
from seldon_s2i.engine.payload_log import FEEDBACK, REQUEST, RESPONSE, PayloadLogger, logs

ALL_CHILDREN = -1
NO_CHILDREN = -2
# Threads for the second and later children of a fan-out (made on demand; a nested fan-out takes more).
FAN_OUT = ThreadPoolExecutor(max_workers=256, thread_name_prefix="seldon-engine-fan-out")
T = TypeVar("T")


@dataclass
class Node:
    """A graph node ready to be walked: its calls, its children and its clients."""

    unit: PredictiveUnit
    children: list[Node]
    clients: dict[Wire, NodeClient] = field(default_factory=dict)
    calls: Calls = field(init=False)
    ratio_a: float = field(init=False)

    def __post_init__(self) -> None:
        self.calls = self.unit.calls()
        parameters = self.unit.parameters or []
        # Seldon's executor reads ratioA only when it is the node's one parameter.
        self.ratio_a = float(parameters[0].value) if len(parameters) == 1 and parameters[0].name == "ratioA" else 0.5

    @property
    def name(self) -> str:
        return self.unit.name

    def client(self, prefer: Wire) -> NodeClient:
        """The client over the transport the request came in on, if the node has a port for it, else the other."""
        found = self.clients.get(prefer) or next(iter(self.clients.values()), None)
        if found is None:  # refused at start by seldon_graph.runtime_problems; kept as a clear error
            raise errors.node_unavailable(self.name, "(no endpoint)", "the node has no port to call")
        return found

    def walk(self) -> list[Node]:
        return [self, *(node for child in self.children for node in child.walk())]


@dataclass
class Request:
    """What one prediction or feedback carries through the walk."""

    headers: Mapping[str, str]
    prefer: Wire
    routing: dict[str, int] = field(default_factory=dict)
    logger: PayloadLogger | None = None

    def call(self, node: Node, method: Method, payload: Payload, logged_request: Payload | None = None) -> Payload:
        """Call ``node``; with a payload logger on it, log what it is sent (or ``logged_request``, as Seldon
        logs a combiner's input message rather than the list) and what it answers."""
        logger = self.logger
        if logger is None or node.unit.logger is None:
            return node.client(self.prefer).call(method, payload, self.headers)
        if logs(node.unit, "request"):
            logger.log(node.unit, REQUEST, logged_request or payload, self.prefer, self.headers)
        answer = node.client(self.prefer).call(method, payload, self.headers)
        if logs(node.unit, "response"):
            logger.log(node.unit, RESPONSE, answer, self.prefer, self.headers)
        return answer


def predict(node: Node, message: Payload, request: Request) -> Payload:
    calls = node.calls
    transformed = message
    if calls.input is not None:
        request.routing[node.name] = ALL_CHILDREN
        transformed = request.call(node, calls.input, message)
    if not node.children:
        combined = transformed
    else:
        route = _route(node, transformed, request)
        request.routing[node.name] = route
        if route == NO_CHILDREN:
            combined = transformed
        else:
            chosen = node.children if route == ALL_CHILDREN else [node.children[route]]
            outputs = _all([partial(predict, child, transformed, request) for child in chosen])
            if calls.aggregate:
                wire = node.client(request.prefer).wire
                combined = request.call(node, "aggregate", message_list(outputs, wire), transformed)
            else:
                combined = outputs[0]
    if calls.output:
        return request.call(node, "transform-output", combined)
    return combined


def _all(calls: list[Callable[[], T]]) -> list[T]:
    """Run concurrently (the first here, the rest in the pool) and wait for all; the first failure by position
    is the answer (as Seldon)."""
    if len(calls) == 1:
        return [calls[0]()]
    others: list[Future[T]] = [FAN_OUT.submit(call) for call in calls[1:]]
    outcomes: list[T | BaseException] = []
    try:
        outcomes.append(calls[0]())
    except Exception as error:
        outcomes.append(error)
    for future in others:
        try:
            outcomes.append(future.result())
        except Exception as error:
            outcomes.append(error)
    results: list[T] = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
        results.append(outcome)
    return results


def _route(node: Node, message: Payload, request: Request) -> int:
    if node.calls.route == "remote":
        answer = node.client(request.prefer).call("route", message, request.headers)  # not logged (as Seldon)
        route = route_of(node.name, answer.document())
    elif node.calls.route == "RANDOM_ABTEST":
        route = 0 if random.random() < node.ratio_a else 1
    else:
        return ALL_CHILDREN
    if route in (ALL_CHILDREN, NO_CHILDREN):
        return route
    if not 0 <= route < len(node.children):
        raise errors.bad_route(node.name, f"chose child {route}, but it has {len(node.children)} "
                               f"(0 to {len(node.children) - 1}; -1 for all, -2 for none)")
    return route


def route_of(node: str, document: Any) -> int:
    """The route in a router's answer, read as Seldon's executor reads it (``executor/api/util/utils.go``):
    ``data.ndarray`` (first element of the first row, or a scalar), ``data.tensor.values[0]``,
    ``data.tftensor.intVal[0]``, or a bare JSON list of ints."""
    value: Any = None
    data = document.get("data") if isinstance(document, dict) else None
    if isinstance(data, dict):
        if isinstance(data.get("ndarray"), list) and data["ndarray"]:
            value = data["ndarray"][0]
            if isinstance(value, list):
                value = value[0] if value else None
        elif isinstance(data.get("tensor"), dict) and data["tensor"].get("values"):
            value = data["tensor"]["values"][0]
        elif isinstance(data.get("tftensor"), dict) and data["tftensor"].get("intVal"):
            value = data["tftensor"]["intVal"][0]
    elif isinstance(document, list) and document:
        value = document[0]
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise errors.bad_route(node, f"answered no route (an integer in data.ndarray, data.tensor or data.tftensor); "
                               f"got {str(document)[:200]}")
    return int(value)


def feedback(node: Node, message: Payload, routing: Mapping[str, Any], request: Request) -> Payload | None:
    """Send the feedback down the recorded path; the answer of the highest node that takes feedback."""
    answers: list[Payload | None] = []
    if request.logger is not None and logs(node.unit, "response"):
        request.logger.log(node.unit, FEEDBACK, message, request.prefer, request.headers)
    if node.children:
        route = _recorded_route(node, routing)
        if route == ALL_CHILDREN:
            chosen = node.children
        elif route == NO_CHILDREN:
            chosen = []
        else:
            chosen = [node.children[route]]
        answers = _all([partial(feedback, child, message, routing, request) for child in chosen]) if chosen else []
    if node.calls.feedback:
        return node.client(request.prefer).call("send-feedback", message, request.headers)
    return next((answer for answer in answers if answer is not None), None)


def _recorded_route(node: Node, routing: Mapping[str, Any]) -> int:
    value = routing.get(node.name, ALL_CHILDREN)
    try:
        route = int(value)
    except (TypeError, ValueError):
        return ALL_CHILDREN  # Seldon: missing or unparsable means all children
    if route in (ALL_CHILDREN, NO_CHILDREN) or 0 <= route < len(node.children):
        return route
    raise errors.GraphError(node.name, f"feedback routing sends router {node.name!r} to child {route}, but it has "
                            f"{len(node.children)}", 400, errors.BAD_ROUTE)
