"""2,000+ fuzzed REST requests: no 5xx for a client's fault, every error is Seldon's JSON, the server keeps serving."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import requests
from fuzz_requests import Generator
from microservice_process import Microservice, start

WRAPPER_COMPONENTS = Path(__file__).parents[1] / "wrapper" / "components"
REQUESTS = 2400


@pytest.fixture(scope="module")
def echo(log_dir: Path) -> Iterator[Microservice]:
    service = start("Echo", WRAPPER_COMPONENTS, log_dir, ["--grpc-workers", "0"], {"SELDON_MAX_MESSAGE_SIZE": "65536"})
    try:
        yield service
    finally:
        service.stop()


def test_fuzzed_requests_get_a_result_or_a_seldon_client_error(echo: Microservice) -> None:
    generator = Generator(seed=20261129)
    statuses: Counter[int] = Counter()
    failures = []
    with requests.Session() as session:
        for number in range(REQUESTS):
            fuzz = generator.request()
            answer = session.request(
                fuzz.method,
                echo.url + fuzz.path,
                data=fuzz.form if fuzz.form is not None else fuzz.body,
                headers=fuzz.headers,
                params=fuzz.params,
                files=fuzz.files,
                timeout=30,
            )
            statuses[answer.status_code] += 1
            problem = _problem(answer)
            if problem:
                failures.append(f"#{number} {fuzz.method} {fuzz.path} {fuzz!r:.300}: {answer.status_code} {problem}")
    assert not failures, f"{len(failures)} bad answers, first ones:\n" + "\n".join(failures[:10])
    assert sum(statuses.values()) == REQUESTS
    assert statuses[400] > REQUESTS // 10 and statuses[200] > REQUESTS // 20, statuses  # the generator reaches both
    assert requests.get(f"{echo.url}/health/ping", timeout=10).text == "pong"
    answer = requests.post(f"{echo.url}/predict", json={"data": {"ndarray": [[1, 2]]}}, timeout=10)
    assert answer.status_code == 200 and answer.json()["data"]["ndarray"] == [[1, 2]]
    assert echo.process.poll() is None


def _problem(answer: requests.Response) -> str | None:
    if answer.status_code >= 500:
        return f"server error for a client's request: {answer.text[:300]}"
    if answer.status_code < 400:
        return None
    try:
        status = orjson.loads(answer.content)["status"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return f"error body is not Seldon's JSON: {answer.content[:300]!r}"
    if not (status.get("status") == 1 and status.get("code") == -1 and str(status.get("reason", "")).startswith("MICROSERVICE_")):
        return f"error body is not Seldon's JSON: {status}"
    if answer.headers.get("Content-Type") != "application/json":
        return f"error content type {answer.headers.get('Content-Type')}"
    return None
