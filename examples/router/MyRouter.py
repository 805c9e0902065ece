"""An example ROUTER: sends each request to child 0 or 1 by the sign of its first feature."""


class MyRouter:
    def __init__(self, threshold=0.0):
        self.threshold = float(threshold)
        self.rewards = {0: 0.0, 1: 0.0}

    def route(self, features, feature_names):
        first = float(features.ravel()[0]) if features.size else 0.0
        return 0 if first <= self.threshold else 1

    def send_feedback(self, features, feature_names, reward, truth, routing=None):
        if routing is not None:
            self.rewards[routing] = self.rewards.get(routing, 0.0) + reward
