"""The outlier and drift detectors flag what was planted, pass data through, and rarely flag clean data."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.spatial.distance
import scipy.stats
from component_serving import MEAN, gaussian_rows
from seldon_s2i.components import KSDriftDetector, MahalanobisOutlierDetector
from seldon_s2i.components.drift import ks_statistics
from seldon_s2i.user_model import SeldonResponse

CLEAN_ROWS = 20_000


def tags_of(answer: SeldonResponse) -> dict[str, Any]:
    assert answer.tags is not None
    return answer.tags


def binomial_ceiling(level: float, trials: int) -> float:
    """The level plus three standard errors: what a rate at exactly ``level`` stays under on ``trials`` draws."""
    return level + 3 * math.sqrt(level * (1 - level) / trials)


@pytest.mark.parametrize("level", [0.01, 0.05])
def test_outlier_false_positive_rate_on_20000_clean_rows(reference_file: Path, level: float) -> None:
    detector = MahalanobisOutlierDetector(reference_path=str(reference_file), false_positive_rate=level)
    answer = detector.transform_input(gaussian_rows(np.random.default_rng(11), CLEAN_ROWS), [])
    rate = float(np.mean(tags_of(answer)["outlier"]))
    assert rate <= binomial_ceiling(level, CLEAN_ROWS), f"{rate:.4f} of clean rows flagged at level {level}"
    assert rate >= level / 2  # the threshold is not needlessly loose either


def test_planted_outliers_are_flagged_and_only_they(reference_file: Path) -> None:
    detector = MahalanobisOutlierDetector(reference_path=str(reference_file), false_positive_rate=0.001)
    rng = np.random.default_rng(5)
    rows = gaussian_rows(rng, 300)
    planted = rng.choice(300, size=30, replace=False)
    # Each value alone is ordinary (2.5 sd), but features 0 and 1 are correlated 0.8: moving them apart is not.
    rows[planted] = MEAN + np.array([2.5, -2.5, 0.0, 0.0])
    sent = rows.copy()
    answer = detector.transform_input(sent, ["a", "b", "c", "d"])
    assert answer.data is sent and np.array_equal(answer.data, rows)  # passed through unchanged
    assert np.flatnonzero(tags_of(answer)["outlier"]).tolist() == sorted(planted.tolist())
    assert len(tags_of(answer)["outlier_score"]) == 300
    assert answer.metrics == [{"type": "COUNTER", "key": "seldon_outliers", "value": 30}]
    assert detector.class_names() == ["a", "b", "c", "d"]


def test_explicit_threshold_is_the_distance_flagged(reference_file: Path) -> None:
    detector = MahalanobisOutlierDetector(reference_path=str(reference_file), threshold=2.0)
    rows = gaussian_rows(np.random.default_rng(2), 500)
    answer = detector.transform_input(rows, [])
    scores = np.array(tags_of(answer)["outlier_score"])
    assert np.array_equal(np.array(tags_of(answer)["outlier"]), scores > 2.0)
    # The score is the Mahalanobis distance from the reference set's mean and covariance.
    reference = np.load(reference_file)
    expected = [
        scipy.spatial.distance.mahalanobis(row, reference.mean(axis=0), np.linalg.inv(np.cov(reference, rowvar=False)))
        for row in rows[:20]
    ]
    assert scores[:20] == pytest.approx(expected)


def test_ks_statistic_matches_scipy_with_ties() -> None:
    rng = np.random.default_rng(9)
    reference, window = rng.normal(size=(400, 3)), rng.normal(0.2, size=(150, 3))
    reference[:, 1], window[:, 1] = np.round(reference[:, 1]), np.round(window[:, 1])  # many ties
    ours = ks_statistics(np.sort(reference, axis=0), window)
    assert ours == pytest.approx(scipy.stats.ks_2samp(reference, window, axis=0).statistic)


def test_drift_false_positive_rate_on_200_clean_windows(reference_file: Path) -> None:
    level, trials = 0.05, 200
    rng = np.random.default_rng(3)
    flagged = 0
    for _ in range(trials):  # independent windows: a fresh detector each
        detector = KSDriftDetector(reference_path=str(reference_file), window_size=200, p_value=level)
        flagged += tags_of(detector.transform_input(gaussian_rows(rng, 200), []))["drift"]
    assert flagged / trials <= level, f"{flagged} of {trials} clean windows flagged at level {level}"


def test_planted_drift_in_one_feature_is_flagged_and_named(reference_file: Path) -> None:
    detector = KSDriftDetector(reference_path=str(reference_file), window_size=200, p_value=0.05)
    rng = np.random.default_rng(4)
    before = detector.transform_input(gaussian_rows(rng, 150), ["a", "b", "c", "d"])
    assert tags_of(before) == {"drift": False, "drift_features": [], "drift_window_rows": 150}  # window not full yet
    clean = detector.transform_input(gaussian_rows(rng, 200), ["a", "b", "c", "d"])
    assert tags_of(clean)["drift"] is False
    assert {m["tags"]["feature"] for m in clean.metrics or [] if m["key"] == "seldon_drift_p_value"} == {"a", "b", "c", "d"}
    # Then one row at a time from a distribution whose feature c moved by half a standard deviation.
    drifted = gaussian_rows(rng, 200) + np.array([0.0, 0.0, 0.5 * math.sqrt(2.0), 0.0])
    tags = [tags_of(detector.transform_input(row, ["a", "b", "c", "d"])) for row in drifted]
    assert tags[-1]["drift"] is True and tags[-1]["drift_features"] == ["c"]
    assert tags[-1]["drift_p_values"]["c"] < 0.05 / 4
    first = next(index for index, tag in enumerate(tags) if tag["drift"])
    assert 20 <= first < 200  # noticed once enough of the window has moved, not at the first odd row
