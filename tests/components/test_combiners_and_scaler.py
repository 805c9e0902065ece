"""Combiners, the scaler and the A/B split: their results, tie-breaks, kept names and refusals of bad data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from seldon_s2i.components import ABTest, MajorityVote, Mean, SoftVote, StandardScaler, WeightedMean
from seldon_s2i.errors import SeldonMicroserviceException


def test_mean_and_weighted_mean_keep_the_names() -> None:
    mean = Mean()
    assert mean.aggregate([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])], [["p", "q"], []]).tolist() == [[2.0, 3.0]]
    assert mean.class_names() == ["p", "q"]
    weighted = WeightedMean(weights="1,3")
    assert weighted.aggregate([[[0.0, 4.0]], [[4.0, 0.0]]], [[], []]).tolist() == [[3.0, 1.0]]


def test_inputs_that_cannot_be_combined_are_refused() -> None:
    with pytest.raises(SeldonMicroserviceException, match="one shape") as shapes:
        Mean().aggregate([[[1.0, 2.0]], [[1.0, 2.0, 3.0]]], [[], []])
    assert shapes.value.status_code == 400
    with pytest.raises(SeldonMicroserviceException, match="named differently"):
        Mean().aggregate([[[1.0]], [[2.0]]], [["a"], ["b"]])
    with pytest.raises(SeldonMicroserviceException, match="numeric"):
        Mean().aggregate([["x"], ["y"]], [[], []])
    with pytest.raises(SeldonMicroserviceException, match="'weights' has 2 values but the graph sent 3 inputs") as count:
        WeightedMean(weights="1,2").aggregate([[[1.0]], [[2.0]], [[3.0]]], [[], [], []])
    assert count.value.status_code == 500  # the deployment is wrong, not the request


def test_majority_vote_breaks_ties_by_summed_probability_then_lowest_class() -> None:
    vote = MajorityVote()
    first = np.array([[0.6, 0.4, 0.0], [0.5, 0.0, 0.5], [0.1, 0.1, 0.8]])
    second = np.array([[0.3, 0.7, 0.0], [0.0, 0.5, 0.5], [0.0, 0.2, 0.8]])
    answer = vote.aggregate([first, second], [["a", "b", "c"], ["a", "b", "c"]])
    # Row 0: one vote each for a and b, b has more probability. Row 1: one vote each for a and b (argmax
    # takes the first of equal values) with equal probability: a, the lower index. Row 2: both vote c.
    assert answer.tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 1]]
    assert vote.class_names() == ["a", "b", "c"]
    weighted = MajorityVote(weights="1,1,3")
    third = np.array([[0.0, 0.0, 1.0]] * 3)
    assert weighted.aggregate([first, second, third], [[], [], []])[:, 2].tolist() == [1, 1, 1]


def test_soft_vote_takes_the_highest_mean_probability_ties_to_the_lowest_class() -> None:
    vote = SoftVote()
    answer = vote.aggregate([[[0.6, 0.4], [0.3, 0.7]], [[0.4, 0.6], [0.3, 0.7]]], [[], []])
    assert answer.tolist() == [[1, 0], [0, 1]]


def test_ab_split_follows_the_weights() -> None:
    router = ABTest(weights="1,2,7", seed=3)
    routes = np.array([router.route(None, []) for _ in range(20_000)])
    assert np.bincount(routes, minlength=3) / routes.size == pytest.approx([0.1, 0.2, 0.7], abs=0.01)
    assert ABTest(weights="0,1").route(None, []) == 1


def test_scaler_from_parameters_and_from_files(tmp_path: Path) -> None:
    rows = np.array([[3.0, 2.5, 7.0], [1.0, 2.0, 7.0]])
    expected = [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    inline = StandardScaler(mean="1,2,7", std="2,0.5,0")  # a constant feature (std 0) is only centred
    assert inline.transform_input(rows, ["a", "b", "c"]).tolist() == expected
    assert inline.class_names() == ["a", "b", "c"]
    np.savez(tmp_path / "stats.npz", mean=[1, 2, 7], scale=[2, 0.5, 0])
    assert StandardScaler(path=str(tmp_path / "stats.npz")).transform_input(rows, []).tolist() == expected
    (tmp_path / "stats.json").write_text(json.dumps({"mean": [1, 2, 7], "std": [2, 0.5, 0]}))
    assert StandardScaler(path=str(tmp_path / "stats.json")).transform_input(rows, []).tolist() == expected
    with pytest.raises(SeldonMicroserviceException, match="expects 3 features per row, got 2"):
        inline.transform_input([[1.0, 2.0]], [])
