"""Every hardening setting is a flag and an environment variable; a bad value names the flag or the variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from seldon_s2i.microservice import settings

BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    ("flag", "variable", "value", "field", "expected"),
    [
        ("--max-requests", "GUNICORN_MAX_REQUESTS", "500", "max_requests", 500),
        ("--max-requests-jitter", "GUNICORN_MAX_REQUESTS_JITTER", "50", "max_requests_jitter", 50),
        ("--max-worker-memory", "SELDON_MAX_WORKER_MEMORY", "512Mi", "max_worker_memory", 512 * 2**20),
        ("--rest-timeout", "SELDON_REST_TIMEOUT", "2.5", "rest_timeout", 2.5),
        ("--grpc-timeout", "SELDON_GRPC_TIMEOUT", "30", "grpc_timeout", 30.0),
        ("--max-connections", "SELDON_MAX_CONNECTIONS", "64", "max_connections", 64),
        ("--extra-threads", "SELDON_EXTRA_THREADS", "4", "extra_threads", 4),
        ("--keepalive", "GUNICORN_KEEPALIVE", "5", "keepalive", 5.0),
    ],
)
def test_each_limit_is_a_flag_and_a_variable_and_the_flag_wins(
    flag: str, variable: str, value: str, field: str, expected: object
) -> None:
    assert getattr(settings.parse(["Model"], {variable: value}).limits, field) == expected
    assert getattr(settings.parse(["Model", flag, value], {}).limits, field) == expected
    other = settings.parse(["Model", flag, value], {variable: "7"}).limits
    assert getattr(other, field) == expected


def test_the_defaults_are_off_except_connections_and_keepalive() -> None:
    limits = settings.parse(["Model"], {}).limits
    assert (limits.max_requests, limits.max_worker_memory, limits.rest_timeout, limits.grpc_timeout) == (0, 0, 0, 0)
    assert (limits.max_connections, limits.keepalive, limits.extra_threads) == (1024, 2.0, 1)


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("GUNICORN_MAX_REQUESTS", "many", "GUNICORN_MAX_REQUESTS"),
        ("SELDON_MAX_WORKER_MEMORY", "1GB", "SELDON_MAX_WORKER_MEMORY"),
        ("SELDON_REST_TIMEOUT", "-1", "SELDON_REST_TIMEOUT"),
        ("SELDON_MAX_CONNECTIONS", "0", "--max-connections [SELDON_MAX_CONNECTIONS]"),
        ("GUNICORN_MAX_REQUESTS_JITTER", "-5", "--max-requests-jitter [GUNICORN_MAX_REQUESTS_JITTER]"),
        ("SELDON_EXTRA_THREADS", "-1", "--extra-threads [SELDON_EXTRA_THREADS]"),
    ],
)
def test_a_bad_value_names_the_variable(variable: str, value: str, named: str) -> None:
    with pytest.raises(SystemExit) as raised:
        settings.parse(["Model"], {variable: value})
    assert named in str(raised.value)


def test_the_command_names_a_bad_flag_and_documents_every_setting() -> None:
    bad = subprocess.run([str(BIN / "seldon-microservice"), "Model", "--grpc-timeout", "soon"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--grpc-timeout" in bad.stderr
    helped = subprocess.run([str(BIN / "seldon-microservice"), "--help"], capture_output=True, text=True).stdout
    for variable in ("GUNICORN_MAX_REQUESTS", "GUNICORN_MAX_REQUESTS_JITTER", "SELDON_MAX_WORKER_MEMORY",
                     "SELDON_REST_TIMEOUT", "SELDON_GRPC_TIMEOUT", "SELDON_MAX_CONNECTIONS", "SELDON_EXTRA_THREADS",
                     "GUNICORN_KEEPALIVE",
                     "SELDON_GRACEFUL_TIMEOUT"):
        assert f"[{variable}]" in helped
