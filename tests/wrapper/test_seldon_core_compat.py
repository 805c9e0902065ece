"""Component code written for Seldon Core 1.x (``from seldon_core... import``) runs unchanged."""

from __future__ import annotations

from pathlib import Path

import requests
from microservice_process import running

COMPONENTS = Path(__file__).parent / "components"


def test_legacy_component_imports_and_semantics(log_dir: Path) -> None:
    args = ["--parameters", '[{"name": "threshold", "value": "2", "type": "FLOAT"}]']
    with running("LegacySeldon", COMPONENTS, log_dir, args) as service:
        body = requests.post(f"{service.url}/predict", json={"data": {"ndarray": [[1, 2, 3]]}}, timeout=5).json()
        assert body["data"]["ndarray"] == [[0, 0, 1]]
        assert body["meta"]["tags"] == {"threshold": 2.0}
        assert [m["key"] for m in body["meta"]["metrics"]] == ["legacy_calls", "legacy_ms"]
        empty = requests.post(f"{service.url}/predict", json={"data": {"ndarray": []}}, timeout=5)
        assert empty.status_code == 422 and empty.json()["status"]["info"] == "empty input"
        feedback = requests.post(f"{service.url}/send-feedback", json={"reward": 0.5}, timeout=5).json()
        assert feedback["strData"] == "reward 0.5"
        # Inherited SeldonComponent methods that raise "not implemented" fall back as in Seldon.
        assert requests.post(f"{service.url}/transform-input", json={"strData": "x"}, timeout=5).json()["strData"] == "x"
        assert requests.get(f"{service.url}/health/status", timeout=5).json()["strData"] == "healthy"
