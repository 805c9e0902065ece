"""Readable errors for a spec that does not parse: each line names the field path and the graph node."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError


class GraphSpecError(ValueError):
    """A SeldonDeployment or predictor that breaks the schema or a rule; ``problems`` holds one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def field_path(location: Sequence[str | int], root: str = "") -> str:
    """``("spec", "predictors", 0, "graph")`` → ``spec.predictors[0].graph``."""
    path = root
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "(top level)"


def _node_at(data: Any, location: Sequence[str | int]) -> str | None:
    """The name of the innermost graph node on ``location`` inside ``data``, if any."""
    node_name: str | None = None
    current = data
    previous: str | int | None = None
    for part in location:
        if isinstance(current, Mapping) and isinstance(part, str):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        else:
            break
        is_node = part == "graph" or (previous == "children" and isinstance(part, int))
        if is_node and isinstance(current, Mapping) and isinstance(current.get("name"), str):
            node_name = current["name"]
        previous = part
    return node_name


def describe_validation_error(error: ValidationError, data: Any, root: str = "") -> list[str]:
    """One line per schema error: path, pydantic's message, and the graph node it is in."""
    lines: list[str] = []
    for detail in error.errors(include_url=False):
        location = list(detail["loc"])
        node = _node_at(data, location)
        where = f" (graph node {node!r})" if node else ""
        line = f"{field_path(location, root)}: {detail['msg']}{where}"
        if line not in lines:
            lines.append(line)
    return lines
