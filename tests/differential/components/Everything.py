"""One class with every method Seldon calls, served by both servers in the differential suite.

Identity behaviour, so answers show how each server decodes and re-encodes a payload; its metrics
cover every type, with and without tags.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Everything:
    def __init__(self) -> None:
        self.type_error_calls = 0

    def predict(self, X: Any, feature_names: list[str], **kwargs: Any) -> Any:
        if isinstance(X, dict) and X.get("raise") == "TypeError":
            self.type_error_calls += 1
            raise TypeError("raised inside predict")
        if isinstance(X, dict) and X.get("count") == "type_error_calls":
            calls, self.type_error_calls = self.type_error_calls, 0
            return {"type_error_calls": calls}
        return X

    def transform_input(self, X: Any, feature_names: list[str], **kwargs: Any) -> Any:
        return X

    def transform_output(self, X: Any, feature_names: list[str], **kwargs: Any) -> Any:
        return X

    def route(self, X: Any, feature_names: list[str], **kwargs: Any) -> Any:
        if isinstance(X, dict) and X.get("numpy"):
            return np.int64(1)
        return 1

    def aggregate(self, features_list: list[Any], feature_names_list: list[Any]) -> Any:
        return features_list[0]

    def send_feedback(
        self, features: Any, feature_names: list[str], reward: float, truth: Any, routing: Any = None
    ) -> Any:
        return features

    def health_status(self) -> Any:
        return "healthy"

    def init_metadata(self) -> dict[str, Any]:
        return {"name": "everything", "versions": ["1"], "custom": {"team": "diff"}}

    def tags(self) -> dict[str, Any]:
        return {"component": "everything"}

    def metrics(self) -> list[dict[str, Any]]:
        return [
            {"type": "COUNTER", "key": "diff_calls", "value": 1},
            {"type": "COUNTER", "key": "diff_tagged", "value": 2, "tags": {"colour": "blue"}},
            {"type": "GAUGE", "key": "diff_gauge", "value": 7.5},
            {"type": "TIMER", "key": "diff_timer", "value": 12.5},
        ]
