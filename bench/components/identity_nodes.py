"""Identity graph nodes, the baseline of the component benchmark (bench/prepackaged.py): they add nothing."""

from typing import Any


class IdentityRouter:
    def route(self, X: Any, names: Any) -> int:
        return 0


class IdentityCombiner:
    def aggregate(self, features_list: list[Any], names_list: list[Any]) -> Any:
        return features_list[0]


class IdentityTransformer:
    def transform_input(self, X: Any, names: Any, **kwargs: Any) -> Any:
        return X
