"""seldon-microservice reads seldon-core-microservice's environment variables; flags win over them."""

from __future__ import annotations

import pytest
from seldon_s2i.component.contract import ServiceType
from seldon_s2i.microservice.settings import parse


def test_environment_sets_the_defaults_and_flags_win() -> None:
    environ = {
        "PREDICTIVE_UNIT_HTTP_SERVICE_PORT": "9123",
        "PREDICTIVE_UNIT_GRPC_SERVICE_PORT": "5123",
        "PREDICTIVE_UNIT_METRICS_SERVICE_PORT": "6123",
        "PREDICTIVE_UNIT_METRICS_ENDPOINT": "prometheus-custom",
        "PREDICTIVE_UNIT_PARAMETERS": '[{"name": "a", "value": "1", "type": "INT"}]',
        "GUNICORN_WORKERS": "3",
        "GUNICORN_THREADS": "4",
        "GRPC_WORKERS": "0",
        "GRPC_THREADS": "2",
        "SELDON_LOG_LEVEL": "warning",
        "PAYLOAD_PASSTHROUGH": "true",
        "INCLUDE_METRICS_IN_CLIENT_RESPONSE": "false",
        "SELDON_MAX_MESSAGE_SIZE": "1024",
    }
    settings = parse(["MyModel", "--service-type", "router"], environ)
    assert (settings.http_port, settings.grpc_port, settings.metrics_port) == (9123, 5123, 6123)
    assert settings.metrics_endpoint == "/prometheus-custom"
    assert settings.parameters == environ["PREDICTIVE_UNIT_PARAMETERS"]
    assert (settings.workers, settings.threads, settings.grpc_workers, settings.grpc_threads) == (3, 4, 0, 2)
    assert settings.service_type is ServiceType.ROUTER
    assert settings.log_level == "WARNING"
    assert settings.payload_passthrough and not settings.include_metrics_in_response
    assert settings.max_message_bytes == 1024
    flagged = parse(["MyModel", "--http-port", "9999", "--workers", "2", "--single-threaded", "1"], environ)
    assert (flagged.http_port, flagged.workers, flagged.threads) == (9999, 2, 1)


def test_defaults_match_seldon() -> None:
    settings = parse(["MyModel"], {})
    assert (settings.http_port, settings.grpc_port, settings.metrics_port) == (9000, 5000, 6000)
    assert (settings.workers, settings.threads, settings.grpc_workers, settings.grpc_threads) == (1, 1, 1, 1)
    assert settings.metrics_endpoint == "/metrics" and settings.include_metrics_in_response


@pytest.mark.parametrize(
    ("argv", "environ", "message"),
    [
        (["MyModel"], {"GUNICORN_WORKERS": "many"}, "environment variable GUNICORN_WORKERS='many' is not an integer"),
        (["MyModel", "--workers", "0"], {}, "--workers must be at least 1"),
        (["MyModel", "--grpc-workers", "-1"], {}, "--grpc-workers must be 0 or more"),
    ],
)
def test_bad_settings_are_one_clear_line(argv: list[str], environ: dict[str, str], message: str) -> None:
    with pytest.raises(SystemExit) as raised:
        parse(argv, environ)
    assert message in str(raised.value)
