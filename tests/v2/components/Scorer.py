"""A described model: metadata, one class name, tags and a custom metric, and a view of what it was handed."""

from typing import Any

import numpy as np


class Scorer:
    def __init__(self) -> None:
        self.last: dict[str, Any] = {}

    def init_metadata(self) -> dict[str, Any]:
        return {
            "versions": ["3"],
            "platform": "numpy",
            "inputs": [{"name": "features", "datatype": "FP64", "shape": [-1, 4]}],
            "outputs": [{"name": "total", "datatype": "FP64", "shape": [-1, 1]}],
        }

    def class_names(self) -> list[str]:
        return ["total"]

    def predict(self, X: Any, feature_names: Any, meta: Any = None) -> Any:
        if isinstance(X, dict):  # several inputs by name: report what arrived
            return {name: np.asarray(value) for name, value in X.items()}
        self.last = {"names": list(feature_names), "meta": meta}
        return np.asarray(X, dtype=np.float64).sum(axis=1, keepdims=True)

    def tags(self) -> dict[str, Any]:
        return {"scored_by": "sum", "feature_names": ",".join(self.last.get("names", [])),
                "seen_tags": str((self.last.get("meta") or {}).get("tags", {}))}

    def metrics(self) -> list[dict[str, Any]]:
        return [{"type": "COUNTER", "key": "v2_scored", "value": 1}, {"type": "GAUGE", "key": "v2_last_rows", "value": 2}]
