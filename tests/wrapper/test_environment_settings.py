"""Sizes as Kubernetes quantities, bad values named by their variable or flag, one environment reader."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from microservice_process import BIN
from seldon_s2i.environment import parse_size
from seldon_s2i.microservice.settings import parse

SOURCE = Path(__file__).resolve().parents[2] / "wrapper" / "src"


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1048576", 1048576),
        ("10Mi", 10 * 2**20),
        ("100M", 100_000_000),
        ("1.5Gi", 3 * 2**29),
        ("512k", 512_000),
        ("2Ki", 2048),
        ("1e6", 1_000_000),
        (" 64Mi ", 64 * 2**20),
        ("0.5", 1),  # rounded up to a whole byte, as Kubernetes does
    ],
)
def test_sizes_are_bytes_or_kubernetes_quantities(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["10MB", "10 Mi", "ten", "-1", "10mi", "1K", ""])
def test_other_sizes_are_refused_naming_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a size: give bytes \(1048576\) or a Kubernetes quantity"):
        parse_size(text)


def test_size_settings_take_quantities_from_the_environment_and_the_flag() -> None:
    assert parse(["MyModel"], {"SELDON_MAX_MESSAGE_SIZE": "10Mi"}).max_message_bytes == 10 * 2**20
    assert parse(["MyModel", "--max-message-size", "2M"], {"SELDON_MAX_MESSAGE_SIZE": "10Mi"}).max_message_bytes == 2_000_000
    assert parse(["MyModel"], {}).max_message_bytes == 100 * 2**20


def test_a_bad_size_in_the_environment_names_the_variable() -> None:
    with pytest.raises(SystemExit) as raised:
        parse(["MyModel"], {"SELDON_MAX_MESSAGE_SIZE": "10MB"})
    assert str(raised.value) == (
        "seldon-microservice: error: environment variable SELDON_MAX_MESSAGE_SIZE='10MB' is not a size: "
        "give bytes (1048576) or a Kubernetes quantity (10Mi, 10M)"
    )


def test_a_bad_value_of_a_flag_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(["MyModel", "--max-message-size", "10MB"], {})
    assert "argument --max-message-size: '10MB' is not a size" in capsys.readouterr().err
    with pytest.raises(SystemExit) as raised:
        parse(["MyModel"], {"SELDON_GRACEFUL_TIMEOUT": "soon"})
    assert "SELDON_GRACEFUL_TIMEOUT='soon' is not a number of seconds" in str(raised.value)


def test_the_unit_identity_and_metrics_folder_come_with_the_settings() -> None:
    settings = parse(
        ["MyModel"],
        {"PREDICTIVE_UNIT_ID": "classifier", "SELDON_DEPLOYMENT_ID": "iris", "PROMETHEUS_MULTIPROC_DIR": "/m"},
    )
    assert (settings.unit.unit_id, settings.unit.deployment_name, settings.metrics_dir) == ("classifier", "iris", "/m")


def test_the_predict_command_takes_the_servers_message_size_setting() -> None:
    command = [str(BIN / "seldon-s2i"), "predict", "--endpoint", "127.0.0.1:1", "--str", "x"]
    bad_variable = subprocess.run(
        command, capture_output=True, text=True, timeout=60, env={"SELDON_MAX_MESSAGE_SIZE": "10MB", "PATH": ""}
    )
    assert bad_variable.returncode == 2
    assert "SELDON_MAX_MESSAGE_SIZE='10MB' is not a size" in bad_variable.stderr
    bad_flag = subprocess.run([*command, "--max-message-size", "lots"], capture_output=True, text=True, timeout=60)
    assert bad_flag.returncode == 2
    assert "argument --max-message-size: 'lots' is not a size" in bad_flag.stderr


def test_only_the_environment_module_reads_the_environment() -> None:
    readers = re.compile(r"\bos\.environ\b|\bos\.getenv\b|\bgetenv\(|from os import .*environ")
    offenders = [
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if "_pb2" not in path.name and path.name != "environment.py" and readers.search(path.read_text())
    ]
    assert offenders == [], "read the environment through seldon_s2i.environment"
