"""The identity model served by ours and by seldon-core in the serving benchmark (copied into a temp folder)."""

from typing import Any


class Identity:
    def predict(self, X: Any, names: Any, **kw: Any) -> Any:
        return X
