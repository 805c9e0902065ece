"""Which classes start: Seldon serves every endpoint whatever the service type, and so do we (bar the typo case)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from deliberate import assert_same, reconcile
from microservice_process import BIN
from servers import COMPONENTS, Pair, serving_pair, start_seldon, stop_seldon
from wire import rest

NDARRAY = {"data": {"ndarray": [[1, 2]]}}


def test_class_without_any_seldon_method_is_refused_at_start(diff_log_dir: Path) -> None:
    seldon = start_seldon("Typo", diff_log_dir)
    try:
        answer = rest(seldon, "/predict", json_body=NDARRAY)
    finally:
        stop_seldon(seldon)
    ours = subprocess.run(
        [str(BIN / "seldon-microservice"), "Typo", "--http-port", "0", "--grpc-port", "0", "--metrics-port", "0"],
        cwd=COMPONENTS,
        capture_output=True,
        text=True,
        timeout=60,
    )
    reconcile(answer, (ours.returncode, ours.stderr), "start-check")
    assert "predict(self, X, feature_names, **kwargs) or predict_raw(self, message)" in ours.stderr


@pytest.mark.parametrize("service_type", ["TRANSFORMER", "MODEL"])
def test_output_transformer_built_as_seldon_users_do(diff_log_dir: Path, service_type: str) -> None:
    """Seldon's CLI has no OUTPUT_TRANSFORMER: its users declare TRANSFORMER (or use a generic MODEL image)."""
    with serving_pair("OutputOnly", diff_log_dir, service_type) as pair:
        for path in ("/transform-output", "/transform-input", "/predict"):
            assert_same(*(rest(service, path, json_body=NDARRAY) for service in pair))
        log = pair.ours.log()
    if service_type == "TRANSFORMER":
        assert "warning" not in log
    else:
        assert "warning: class OutputOnly is declared MODEL but has no predict(self, X, feature_names" in log


def test_generic_image_serves_every_node_type(everything: Pair) -> None:
    """Seldon's graph examples run one image with SERVICE_TYPE=MODEL for routers and combiners too."""
    for path, request in (("/route", NDARRAY), ("/aggregate", [NDARRAY])):
        assert_same(*(rest(service, path, json_body=request) for service in everything))
    assert "warning" not in everything.ours.log()
