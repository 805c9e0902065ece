"""A model whose load() fails, as when its weights are missing from the image."""


class BrokenLoad:
    def load(self):
        raise RuntimeError("weights.bin is missing")

    def predict(self, X, features_names):
        return X
