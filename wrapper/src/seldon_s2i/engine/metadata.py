"""Graph metadata, shaped as Seldon's executor answers ``GET /api/v1.0/metadata``.

``{"name", "models": {node: its /metadata}, "graphinputs", "graphoutputs"}``: the graph's
inputs are those of the first node that takes the request (down the first child of
nodes that pass it on unchanged), its outputs those of the node whose answer the
caller gets (an output transformer, a combiner, else the first child, else the node).
"""

from __future__ import annotations

from typing import Any

from seldon_s2i.engine.walk import FAN_OUT, Node


def graph_metadata(name: str, root: Node) -> dict[str, Any]:
    nodes = [node for node in root.walk() if node.clients]
    answers = list(FAN_OUT.map(lambda node: next(iter(node.clients.values())).metadata(), nodes))
    models = {node.name: answer for node, answer in zip(nodes, answers, strict=True)}
    return {
        "name": name,
        "models": models,
        "graphinputs": _inputs(root, models),
        "graphoutputs": _outputs(root, models),
    }


def _field(models: dict[str, Any], node: Node, key: str) -> list[Any]:
    value = (models.get(node.name) or {}).get(key)
    return value if isinstance(value, list) else []


def _inputs(node: Node, models: dict[str, Any]) -> list[Any]:
    if node.calls.input is not None or not node.children:
        return _field(models, node, "inputs")
    return _inputs(node.children[0], models)


def _outputs(node: Node, models: dict[str, Any]) -> list[Any]:
    if node.calls.output or node.calls.aggregate or not node.children:
        return _field(models, node, "outputs")
    return _outputs(node.children[0], models)
