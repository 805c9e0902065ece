"""Combiners: mean and weighted mean of numeric outputs, majority and soft vote over class probabilities.

Every child must answer the same shape (rows x columns, e.g. rows x classes). The answer keeps the inputs'
column names (they must agree when several children name them). Voters answer one-hot rows of the winning
class, so the names still say which class each column is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seldon_s2i.components.arrays import RequestNames, numeric_rows
from seldon_s2i.components.parameters import REQUIRED, Parameter, ParameterError, bind, float_list, metadata
from seldon_s2i.errors import BAD_DATA, BAD_PARAMETER, SeldonMicroserviceException

_WEIGHTS_MEANING = "comma-separated non-negative weights, one per input in graph order, e.g. `2,1,1`"


class _Combiner:
    PARAMETERS: tuple[Parameter, ...] = ()

    def __init__(self, **parameters: Any) -> None:
        name = type(self).__name__
        self.parameters = bind(name, self.PARAMETERS, parameters)
        self._names = RequestNames()
        self.weights: np.ndarray | None = None
        text = self.parameters.get("weights")
        if text:
            weights = float_list(name, "weights", text)
            if np.any(weights < 0) or weights.sum() <= 0:
                raise ParameterError(f"{name}: parameter 'weights' = {text!r}: must be >= 0 and not all 0")
            self.weights = weights

    def init_metadata(self) -> dict[str, Any]:
        return metadata(type(self).__name__, self.PARAMETERS, self.parameters)

    def class_names(self) -> list[str]:
        return self._names.get()

    def stack(self, features_list: list[Any], names_list: list[list[str]]) -> np.ndarray:
        """The inputs as one (inputs x rows x columns) array; remembers their shared column names."""
        name = type(self).__name__
        arrays = [numeric_rows(name, features) for features in features_list]
        shapes = {array.shape for array in arrays}
        if len(shapes) != 1:
            raise SeldonMicroserviceException(
                f"{name} needs inputs of one shape, got {[list(a.shape) for a in arrays]}", reason=BAD_DATA
            )
        named = [list(names) for names in names_list if names]
        if any(names != named[0] for names in named):
            raise SeldonMicroserviceException(
                f"{name} got inputs whose columns are named differently: {named}", reason=BAD_DATA
            )
        self._names.set(named[0] if named else None)
        if self.weights is not None and self.weights.size != len(arrays):
            raise SeldonMicroserviceException(
                f"{name}: parameter 'weights' has {self.weights.size} values but the graph sent {len(arrays)} inputs",
                status_code=500,
                reason=BAD_PARAMETER,
            )
        return np.stack(arrays)

    def weighted_mean(self, stacked: np.ndarray) -> np.ndarray:
        if self.weights is None:
            return np.asarray(stacked.mean(axis=0))
        return np.asarray(np.tensordot(self.weights / self.weights.sum(), stacked, axes=1))


class Mean(_Combiner):
    """The element-wise mean of the inputs."""

    def aggregate(self, features_list: list[Any], feature_names_list: list[list[str]]) -> np.ndarray:
        return self.weighted_mean(self.stack(features_list, feature_names_list))


class WeightedMean(_Combiner):
    """The element-wise weighted mean of the inputs."""

    PARAMETERS = (Parameter("weights", "STRING", REQUIRED, _WEIGHTS_MEANING),)

    def aggregate(self, features_list: list[Any], feature_names_list: list[list[str]]) -> np.ndarray:
        return self.weighted_mean(self.stack(features_list, feature_names_list))


def _one_hot(scores: np.ndarray, tie_break: np.ndarray) -> np.ndarray:
    """One-hot rows of the best-scoring column; ties go to the higher ``tie_break``, then the lower index."""
    best = scores == scores.max(axis=1, keepdims=True)
    tie_scores = np.where(best, tie_break, -np.inf)
    winner = np.argmax(tie_scores, axis=1)  # argmax takes the first (lowest index) of equal values
    answer = np.zeros_like(scores, dtype=np.float64)
    answer[np.arange(scores.shape[0]), winner] = 1.0
    return answer


class MajorityVote(_Combiner):
    """Each input votes for its most probable class per row (optionally weighted); the most votes win.

    Ties go to the class with the highest summed probability among the tied ones, then the lowest index.
    """

    PARAMETERS = (Parameter("weights", "STRING", "", _WEIGHTS_MEANING + "; none: one vote each"),)

    def aggregate(self, features_list: list[Any], feature_names_list: list[list[str]]) -> np.ndarray:
        stacked = self.stack(features_list, feature_names_list)
        inputs, rows, classes = stacked.shape
        weights = self.weights if self.weights is not None else np.ones(inputs)
        choices = np.argmax(stacked, axis=2)  # inputs x rows: each input's vote in each row
        cells = (np.arange(rows) * classes + choices).ravel()  # the (row, class) cell each vote goes to
        votes = np.bincount(cells, weights=np.repeat(weights, rows), minlength=rows * classes).reshape(rows, classes)
        return _one_hot(votes, stacked.sum(axis=0))


class SoftVote(_Combiner):
    """The class with the highest (optionally weighted) mean probability wins; ties: the lowest index."""

    PARAMETERS = (Parameter("weights", "STRING", "", _WEIGHTS_MEANING + "; none: equal weights"),)

    def aggregate(self, features_list: list[Any], feature_names_list: list[list[str]]) -> np.ndarray:
        mean = self.weighted_mean(self.stack(features_list, feature_names_list))
        return _one_hot(mean, np.zeros_like(mean))
