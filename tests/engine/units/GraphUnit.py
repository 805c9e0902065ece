"""A test component that can serve as every node type of a graph, its behaviour set by parameters.

- ``predict`` / ``transform_input`` / ``transform_output``: ``X * scale + add`` (so a walk's order shows
  in the numbers); a first feature equal to ``fail_on`` raises a 400 with a message naming the node.
- ``route``: ``route`` if given, else the first feature as an integer (the test picks the route).
- ``aggregate``: the sum of the children's answers.
- ``send_feedback``: counted; ``tags()`` reports the count, the last reward and routing under the
  node's name, so a test asks a node directly (``/predict``) where feedback arrived.
- a first feature equal to ``sleep_on`` makes the call take ``sleep`` seconds (a slow node).
"""

import time

import numpy as np

# Seldon's import path: served by our seldon-microservice and by Seldon Core 1.18.2's alike.
from seldon_core.flask_utils import SeldonMicroserviceException as ModelError


class GraphUnit:
    def __init__(self, name="unit", add=0.0, scale=1.0, route=-99, fail_on=-12345.0, sleep_on=-12345.0, sleep=2.0):
        self.name = name
        self.add = float(add)
        self.scale = float(scale)
        self.route_value = int(route)
        self.fail_on = float(fail_on)
        self.sleep_on = float(sleep_on)
        self.sleep = float(sleep)
        self.feedback = []

    def _apply(self, X):
        values = np.asarray(X, dtype=float)
        first = float(values.ravel()[0]) if values.size else None
        if first == self.fail_on:
            raise ModelError(f"{self.name} refuses {self.fail_on:g}", status_code=400)
        if first == self.sleep_on:
            time.sleep(self.sleep)
        return values * self.scale + self.add

    def predict(self, X, features_names=None, **kwargs):
        return self._apply(X)

    def transform_input(self, X, feature_names=None, **kwargs):
        return self._apply(X)

    def transform_output(self, X, feature_names=None, **kwargs):
        return self._apply(X)

    def route(self, features, feature_names):
        if self.route_value != -99:
            return self.route_value
        return int(np.asarray(features, dtype=float).ravel()[0])

    def aggregate(self, features_list, feature_names_list):
        return np.sum([np.asarray(features, dtype=float) for features in features_list], axis=0)

    def send_feedback(self, features, feature_names, reward, truth, routing=None):
        self.feedback.append((reward, routing))
        return []

    def tags(self):
        last = self.feedback[-1] if self.feedback else (None, None)
        return {self.name: {"feedback": len(self.feedback), "reward": last[0], "routing": last[1]}}
