"""A model with static and per-request tags and metrics of every type, and feedback."""

import os

from seldon_s2i.user_model import SeldonResponse


class Instrumented:
    def __init__(self):
        self.loaded_in = None

    def load(self):
        self.loaded_in = os.getpid()
        marker_dir = os.environ.get("LOAD_MARKER_DIR")
        if marker_dir:
            with open(os.path.join(marker_dir, f"load-{os.getpid()}"), "w") as handle:
                handle.write("loaded")

    def predict(self, X, features_names, **kwargs):
        return SeldonResponse(
            X,
            tags={"request_tag": "yes", "static": "overridden"},
            metrics=[
                {"type": "TIMER", "key": "instrumented_inference_ms", "value": 20},
                {"type": "COUNTER", "key": "instrumented_by_colour", "value": 1, "tags": {"colour": "blue"}},
            ],
        )

    def tags(self):
        return {"static": "tag", "pid_loaded": self.loaded_in == os.getpid()}

    def metrics(self):
        return [
            {"type": "COUNTER", "key": "instrumented_requests", "value": 1},
            {"type": "GAUGE", "key": "instrumented_gauge", "value": 42},
        ]

    def send_feedback(self, features, feature_names, reward, truth, routing=None):
        return {"reward": reward, "routing": routing, "truth": truth.tolist(), "features": features.tolist()}
