"""A component written for Seldon Core 1.x (its imports and helpers); a jsonData request picks a behaviour."""

from __future__ import annotations

from typing import Any

import numpy as np
from seldon_core.flask_utils import SeldonMicroserviceException
from seldon_core.metrics import create_counter, create_gauge, create_timer
from seldon_core.user_model import SeldonComponent, SeldonResponse


class Behaviours(SeldonComponent):
    def class_names(self) -> list[str]:
        return ["low", "high"]

    def tags(self) -> dict[str, Any]:
        return {"component": "behaviours"}

    def predict(self, X: Any, feature_names: list[str], **kwargs: Any) -> Any:  # type: ignore[override]
        if not isinstance(X, dict):
            return X
        kind = X.get("do")
        if kind == "seldon-exception":
            raise SeldonMicroserviceException("refused by the model", status_code=422, reason="MODEL_REFUSED")
        if kind == "value-error":
            raise ValueError("broken model")
        if kind == "runtime":
            return SeldonResponse(
                data={"runtime": "answer"},
                tags={"runtime": "yes", "component": "overridden"},
                metrics=[
                    create_counter("runtime_calls", 1),
                    create_gauge("runtime_gauge", 3),
                    create_timer("runtime_ms", 4.5),
                ],
            )
        if kind == "bad-metric":
            return SeldonResponse(data={"a": 1}, metrics=[{"type": "COUNTER", "key": "bad", "value": "many"}])
        if kind == "numpy-scalar":
            return np.float64(1.5)
        if kind == "nothing":
            return None
        if kind == "tuple":
            return (1, 2)
        if kind == "array":
            return np.array([[0.25, 0.75]])
        if kind == "strings":
            return np.array([["a", "b"]])
        return X
