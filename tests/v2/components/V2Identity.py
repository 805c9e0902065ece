"""Answers what it is given: one input as X, several as a dict or a matrix of columns (see the V2 mapping)."""

from typing import Any


class V2Identity:
    def predict(self, X: Any, feature_names: Any, **kwargs: Any) -> Any:
        return X
