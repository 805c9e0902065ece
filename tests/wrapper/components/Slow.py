"""A model that takes its time: strData holds the seconds to sleep."""

import time


class Slow:
    def predict(self, X, features_names):
        time.sleep(float(X))
        return f"slept {X}"
