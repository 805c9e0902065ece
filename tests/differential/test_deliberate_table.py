"""The table of deliberate differences: the README shows exactly it, and each row names a test that exists."""

from __future__ import annotations

import ast
import re

import pytest
from deliberate import DIFFERENCES, Difference
from microservice_process import REPO

SECTION = "## Where we differ from Seldon Core 1.18 on purpose"


def readme_rows() -> list[tuple[str, ...]]:
    text = (REPO / "README.md").read_text()
    assert SECTION in text, f"README.md has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    assert len(rows) > 2, "the section has no table"
    return [tuple(cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]) for row in rows[2:]]


def markdown_row(difference: Difference) -> str:
    return f"| {difference.seldon} | {difference.ours} | {difference.why} |"


def test_readme_table_is_the_table_of_deliberate_differences() -> None:
    expected = [(d.seldon, d.ours, d.why) for d in DIFFERENCES]
    assert readme_rows() == expected, "README rows, to paste:\n" + "\n".join(markdown_row(d) for d in DIFFERENCES)


def test_ids_are_unique() -> None:
    ids = [d.id for d in DIFFERENCES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("difference", DIFFERENCES, ids=[d.id for d in DIFFERENCES])
def test_each_difference_is_shown_by_a_test(difference: Difference) -> None:
    path, _, function = difference.backed_by.partition("::")
    source = REPO / path
    assert source.is_file(), f"{difference.id}: {path} does not exist"
    names = {node.name for node in ast.walk(ast.parse(source.read_text())) if isinstance(node, ast.FunctionDef)}
    assert function in names, f"{difference.id}: {path} has no test {function}"
    if difference.reconcile is not None:
        # The named test applies the difference by its id, and so checks it is still there.
        assert f'"{difference.id}"' in source.read_text(), f"{difference.id}: {difference.backed_by} does not apply it"
