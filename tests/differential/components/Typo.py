"""A class whose only method is misspelt: it implements none of Seldon's methods."""

from __future__ import annotations

from typing import Any


class Typo:
    def predcit(self, X: Any, feature_names: list[str]) -> Any:
        return X
