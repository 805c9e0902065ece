"""A class whose constructor fails, as when a model file is missing."""


class BrokenInit:
    def __init__(self):
        raise FileNotFoundError("model.joblib not found")

    def predict(self, X, features_names):
        return X
