"""A component written for Seldon Core 1.x, imports and all, moved over unchanged."""

from seldon_core.flask_utils import SeldonMicroserviceException
from seldon_core.metrics import create_counter, create_timer
from seldon_core.proto import prediction_pb2
from seldon_core.user_model import SeldonComponent, SeldonResponse


class LegacySeldon(SeldonComponent):
    def __init__(self, threshold=0.5):
        super().__init__()
        self.threshold = float(threshold)

    def predict(self, X, features_names=None, meta=None):  # type: ignore[override]  # as Seldon users write it
        if X.size == 0:
            raise SeldonMicroserviceException("empty input", status_code=422)
        above = (X > self.threshold).astype(int)
        return SeldonResponse(above, tags={"threshold": self.threshold}, metrics=[create_timer("legacy_ms", 3.0)])

    def metrics(self):
        return [create_counter("legacy_calls", 1)]

    def send_feedback_raw(self, feedback):
        assert isinstance(feedback, prediction_pb2.Feedback)
        return prediction_pb2.SeldonMessage(strData=f"reward {feedback.reward}")
