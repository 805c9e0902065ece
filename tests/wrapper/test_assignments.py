"""One NAME=VALUE parser for -e, -p, --label and files of such lines."""

from __future__ import annotations

import pytest
from seldon_s2i.assignments import parse_assignment, parse_assignments, read_assignment_lines
from seldon_s2i.cli.errors import CommandError


def test_values_keep_what_follows_the_first_equals_sign() -> None:
    assert parse_assignment(" URL =http://x/?a=b", "-p/--param") == ("URL", "http://x/?a=b")
    assert parse_assignment("EMPTY=", "-e/--env", environment_name=True) == ("EMPTY", "")
    assert parse_assignments(["A=1", "B=2", "A=3"], "-e/--env") == {"A": "3", "B": "2"}


@pytest.mark.parametrize(
    ("text", "environment_name", "message"),
    [
        ("NOEQUALS", False, "-e/--env: expected NAME=VALUE, got 'NOEQUALS'"),
        ("=value", False, "-e/--env: expected NAME=VALUE, got '=value'"),
        ("1X=2", True, "-e/--env: '1X' is not a valid environment variable name"),
        ("A=two\nlines", True, "-e/--env: the value of A contains a line break"),
    ],
)
def test_errors_name_the_option_and_the_text(text: str, environment_name: bool, message: str) -> None:
    with pytest.raises(CommandError) as refused:
        parse_assignment(text, "-e/--env", environment_name=environment_name)
    assert str(refused.value) == message


def test_files_skip_comments_and_blank_lines_and_name_the_line() -> None:
    text = "# settings\n\nMODEL_NAME=Iris\n  SERVICE_TYPE=MODEL  \n"
    assert read_assignment_lines(text, ".s2i/environment", environment_names=True) == [
        ("MODEL_NAME", "Iris"),
        ("SERVICE_TYPE", "MODEL"),
    ]
    with pytest.raises(CommandError, match=r"^params.env:2: expected NAME=VALUE, got 'oops'$"):
        read_assignment_lines("A=1\noops\n", "params.env")
