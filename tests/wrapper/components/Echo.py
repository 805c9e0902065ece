"""Identity model that also reports what the wrapper handed it."""

import numpy as np


class Echo:
    def __init__(self, label="echo", scale=1.0, enabled=True, count=0):
        self.label = label
        self.scale = scale
        self.enabled = enabled
        self.count = count
        self.last_meta = None

    def predict(self, X, features_names, meta=None):
        self.last_meta = meta
        if isinstance(X, np.ndarray) and X.dtype.kind in "iuf" and self.scale != 1.0:
            return X * self.scale
        return X

    def tags(self):
        return {
            "label": self.label,
            "param_types": [type(v).__name__ for v in (self.label, self.scale, self.enabled, self.count)],
            "seen_puid": (self.last_meta or {}).get("puid"),
        }
