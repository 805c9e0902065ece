"""A model whose metadata breaks the schema (custom values must be strings)."""


class BadMetadata:
    def predict(self, X, features_names):
        return X

    def init_metadata(self):
        return {"name": "bad", "custom": {"answer": 42}}
