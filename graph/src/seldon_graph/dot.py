"""A predictor's graph as Graphviz DOT text (``seldon-s2i graph``).

Each node shows its name, type (after Seldon's defaulting) and what the orchestrator
calls on it; an edge goes from a node to each child, labelled with the route index a
router would choose (and ``ratioA`` for RANDOM_ABTEST). Built-in nodes are dashed.
"""

from __future__ import annotations

from seldon_graph.spec import PredictiveUnit, Predictor


def _quoted(text: str) -> str:
    # Backslashes are left alone: labels use DOT's \n line breaks, and node names are DNS labels.
    return '"' + text.replace('"', '\\"') + '"'


def _label(node: PredictiveUnit) -> str:
    calls = node.calls()
    kind = node.implementation if node.implementation not in (None, "UNKNOWN_IMPLEMENTATION") else \
        node.effective_type or "UNKNOWN_TYPE"
    steps = [step for step in (calls.input, calls.route and "route", calls.aggregate and "aggregate",
                               calls.output and "transform-output") if step]
    return "\\n".join([node.name, str(kind), *([", ".join(steps)] if steps else [])])


def _edge_label(parent: PredictiveUnit, index: int) -> str:
    calls = parent.calls()
    if calls.route == "RANDOM_ABTEST":
        ratio = next((p.value for p in parent.parameters or [] if p.name == "ratioA"), "0.5")
        try:
            share = float(ratio) if index == 0 else 1 - float(ratio)
        except ValueError:
            return str(index)
        return f"{index}: {share:g}"
    if calls.route == "remote":
        return str(index)
    return ""


def to_dot(predictor: Predictor, title: str | None = None) -> str:
    lines = [f"digraph {_quoted(title or predictor.name)} {{", "  rankdir=TB;",
             '  node [shape=box, style="rounded", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];',
             f"  request [shape=plaintext, label={_quoted('request')}];",
             f"  request -> {_quoted(predictor.graph.name)};"]
    for _, node in predictor.nodes():
        style = ', style="rounded,dashed"' if node.implementation == "RANDOM_ABTEST" else ""
        lines.append(f"  {_quoted(node.name)} [label={_quoted(_label(node))}{style}];")
        for index, child in enumerate(node.child_nodes):
            label = _edge_label(node, index)
            suffix = f" [label={_quoted(label)}]" if label else ""
            lines.append(f"  {_quoted(node.name)} -> {_quoted(child.name)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"
