"""An example MODEL: a small softmax classifier over four numeric features.

Written as a data scientist would for Seldon Core 1.x: plain class, numpy in,
numpy out, optional tags/metrics/metadata/feedback methods.
"""

import numpy as np


class MyModel:
    def __init__(self, temperature=1.0):
        self.temperature = float(temperature)
        self.weights = None
        self.feedback_rewards = 0.0
        self.predictions = 0

    def load(self):
        # Stands in for reading a trained model file; runs once per serving process.
        self.centre = np.array([5.8, 3.0, 3.8, 1.2])
        self.weights = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, -0.5], [-2.0, 0.3, 1.5], [-2.0, 0.0, 2.0]])
        self.bias = np.array([0.0, 1.0, 0.0])

    def predict(self, X, features_names=None, **kwargs):
        features = np.asarray(X, dtype=float).reshape(-1, 4) - self.centre
        logits = (features @ self.weights + self.bias) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        self.predictions += 1
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def class_names(self):
        return ["setosa", "versicolor", "virginica"]

    def tags(self):
        return {"model": "softmax", "temperature": self.temperature}

    def metrics(self):
        return [
            {"type": "COUNTER", "key": "mymodel_predictions", "value": 1},
            {"type": "GAUGE", "key": "mymodel_feedback_reward_sum", "value": self.feedback_rewards},
        ]

    def send_feedback(self, features, feature_names, reward, truth, routing=None):
        self.feedback_rewards += reward
        return []

    def health_status(self):
        return {"loaded": self.weights is not None, "predictions": self.predictions}

    def init_metadata(self):
        return {
            "name": "iris-softmax",
            "versions": ["1"],
            "platform": "numpy",
            "inputs": [{"messagetype": "tensor", "schema": {"names": ["sl", "sw", "pl", "pw"], "shape": [4]}}],
            "outputs": [{"messagetype": "tensor", "schema": {"shape": [3]}}],
        }
