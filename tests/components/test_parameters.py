"""Bad parameters stop a component at start with a message naming the parameter; the README documents them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import seldon_s2i.components as components
from component_serving import seldon_parameters
from microservice_process import REPO, start
from seldon_s2i.components.parameters import ParameterError, table_rows

REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("EpsilonGreedy", {"n_branches": 2, "epsilom": 0.2}, "unknown parameter 'epsilom'"),
    ("EpsilonGreedy", {"n_branches": "2"}, "parameter 'n_branches' must be INT, got STRING '2'"),
    ("EpsilonGreedy", {"n_branches": 2, "epsilon": 1.5}, "parameter 'epsilon' = 1.5: must be between 0 and 1"),
    ("EpsilonGreedy", {}, "parameter 'n_branches' (INT) is required"),
    ("ThompsonSampling", {"n_branches": 2, "prior_beta": 0.0}, "parameter 'prior_beta' = 0.0: must be greater than 0"),
    ("ThompsonSampling", {"n_branches": 3, "branch_names": "a,b"}, "parameter 'branch_names' needs 3 distinct names"),
    ("ThompsonSampling", {"n_branches": 2, "state_path": "/no/such/folder/s.json"}, "parameter 'state_path': folder"),
    ("ABTest", {"weights": "0.5,0.5", "n_branches": 3}, "parameter 'weights' has 2 values but parameter 'n_branches' is 3"),
    ("ABTest", {"weights": "half,half"}, "parameter 'weights' = 'half,half': expected comma-separated numbers"),
    ("ABTest", {"weights": "0,0"}, "parameter 'weights' = '0,0': must be >= 0 and not all 0"),
    ("WeightedMean", {}, "parameter 'weights' (STRING) is required"),
    ("MajorityVote", {"weights": "1,-1"}, "parameter 'weights' = '1,-1'"),
    ("Mean", {"weights": "1,1"}, "unknown parameter 'weights' (valid: none)"),
    ("StandardScaler", {"mean": "1,2"}, "parameter 'std' is required"),
    ("StandardScaler", {"mean": "1,2", "std": "1"}, "parameter 'std' has 1 standard deviations for 2 means"),
    ("StandardScaler", {"path": "stats.txt"}, "parameter 'path': stats.txt must end in .npz, .npy, .json or .csv"),
    ("MahalanobisOutlierDetector", {"reference_path": "missing.npy"}, "parameter 'reference_path': cannot read missing.npy"),
    ("MahalanobisOutlierDetector", {"reference_path": "{ref}", "threshold": -1.0}, "parameter 'threshold' = -1.0"),
    ("MahalanobisOutlierDetector", {"reference_path": "{ref}", "false_positive_rate": 1.0}, "'false_positive_rate' = 1.0"),
    ("KSDriftDetector", {"reference_path": "{ref}", "window_size": 3}, "parameter 'window_size' = 3: must be at least 10"),
    ("KSDriftDetector", {"reference_path": "{ref}", "p_value": True}, "parameter 'p_value' must be FLOAT, got BOOL True"),
]


def _filled(parameters: dict[str, Any], reference: Path) -> dict[str, Any]:
    return {k: str(reference) if v == "{ref}" else v for k, v in parameters.items()}


@pytest.mark.parametrize(("name", "parameters", "message"), REFUSED, ids=[f"{c}-{m[:30]}" for c, _, m in REFUSED])
def test_bad_parameters_are_refused_naming_the_parameter(
    name: str, parameters: dict[str, Any], message: str, reference_file: Path
) -> None:
    with pytest.raises(ParameterError) as refused:
        getattr(components, name)(**_filled(parameters, reference_file))
    assert message in str(refused.value)
    assert str(refused.value).startswith(f"{name}: ")


def refused_at_start(name: str, service_type: str, parameters: str, folder: Path, log_dir: Path) -> tuple[int, str]:
    service = start(f"seldon_s2i.components.{name}", folder, log_dir, ["--service-type", service_type], {"PREDICTIVE_UNIT_PARAMETERS": parameters}, wait=False)
    try:
        status = service.process.wait(60)
    except subprocess.TimeoutExpired:
        service.stop()
        raise
    return status, service.log()


@pytest.mark.parametrize(
    ("name", "service_type", "parameters", "message"),
    [
        ("EpsilonGreedy", "ROUTER", seldon_parameters(n_branches=2, explore=0.3), "unknown parameter 'explore'"),
        ("EpsilonGreedy", "ROUTER", seldon_parameters(n_branches=2, epsilon="lots"), "parameter 'epsilon' must be FLOAT, got STRING 'lots'"),
        ("ABTest", "ROUTER", seldon_parameters(weights="0.9,0.1", n_branches=3), "parameter 'weights' has 2 values but parameter 'n_branches' is 3"),
        ("ThompsonSampling", "ROUTER", '[{"name": "n_branches", "value": "2.5", "type": "INT"}]', "n_branches with value '2.5' is not a valid INT"),
    ],
)
def test_the_microservice_refuses_to_start_with_bad_parameters(
    name: str, service_type: str, parameters: str, message: str, tmp_path: Path, log_dir: Path
) -> None:
    status, log = refused_at_start(name, service_type, parameters, tmp_path, log_dir)
    assert status != 0
    assert message in log


def test_a_component_needing_scipy_names_the_extra_when_scipy_is_missing(
    tmp_path: Path, log_dir: Path, reference_file: Path
) -> None:
    # The serving folder comes first on sys.path (as a user's module does): a broken scipy there hides the real one.
    (tmp_path / "scipy").mkdir()
    (tmp_path / "scipy" / "__init__.py").write_text("raise ImportError('scipy is not installed here')\n")
    parameters = seldon_parameters(reference_path=str(reference_file))
    status, log = refused_at_start("KSDriftDetector", "TRANSFORMER", parameters, tmp_path, log_dir)
    assert status != 0
    assert "KSDriftDetector needs scipy, which is in the wrapper's optional extra 'components'" in log
    assert "pip install 'seldon-s2i[components]'" in log
    status, log = refused_at_start("MahalanobisOutlierDetector", "TRANSFORMER", parameters, tmp_path, log_dir)
    assert status != 0 and "MahalanobisOutlierDetector needs scipy" in log


def test_outlier_detector_with_an_explicit_threshold_needs_no_scipy(reference_file: Path) -> None:
    detector = components.MahalanobisOutlierDetector(reference_path=str(reference_file), threshold=3.0)
    assert detector.threshold == 3.0
    assert detector.scores(np.load(reference_file)[:5]).shape == (5,)


def test_readme_table_documents_every_parameter() -> None:
    readme = (REPO / "wrapper" / "README.md").read_text()
    documented = {line.strip() for line in readme.splitlines() if re.match(r"\| `[A-Za-z]+` \|", line.strip())}
    expected: set[str] = set()
    for name in components.SERVICE_TYPES:
        component = getattr(components, name)
        rows = table_rows(name, component.PARAMETERS) or [f"| `{name}` | — | | | no parameters |"]
        expected.update(rows)
        assert f"seldon_s2i.components.{name}" in readme
    assert documented == expected
