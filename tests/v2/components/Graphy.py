"""One class for every other service type: router, combiner, transformers; and a model that fails."""

from typing import Any

import numpy as np


class Graphy:
    def route(self, X: Any, feature_names: Any) -> int:
        return 1 if float(np.sum(X)) > 0 else 0

    def aggregate(self, Xs: list[Any], features_names: Any) -> Any:
        return np.sum([np.asarray(x, dtype=np.float64) for x in Xs], axis=0)

    def transform_input(self, X: Any, feature_names: Any) -> Any:
        return np.asarray(X) + 1

    def transform_output(self, X: Any, feature_names: Any) -> Any:
        return np.asarray(X) * 10


class Failing:
    def predict(self, X: Any, feature_names: Any) -> Any:
        if float(np.sum(X)) < 0:
            raise ValueError("negative input: the model refuses it")
        return {"text": "fine", "blob": b"\x00\xff"}
