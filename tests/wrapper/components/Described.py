"""A model with metadata, health, class names and input/output transforms of strings and JSON."""


class Described:
    def predict(self, X, features_names):
        if isinstance(X, dict):
            return {"received": X, "names": features_names}
        if isinstance(X, bytes):
            return X[::-1]
        if isinstance(X, str):
            return X.upper()
        return X

    def init_metadata(self):
        return {
            "name": "described",
            "versions": ["v3"],
            "platform": "custom",
            "inputs": [{"messagetype": "ndarray", "schema": {"names": ["a", "b"]}}],
            "outputs": [{"name": "out", "datatype": "FP64", "shape": [1, 2]}],
            "custom": {"team": "ml"},
        }

    def health_status(self):
        return {"ok": True}
