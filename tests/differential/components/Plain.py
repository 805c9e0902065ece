"""An identity model with no tags, metrics or other methods: answers carry an empty meta, and Seldon's fallbacks show."""

from __future__ import annotations

from typing import Any


class Plain:
    def predict(self, X: Any, feature_names: list[str], **kwargs: Any) -> Any:
        return X
