"""A drift detector: per-feature two-sample Kolmogorov–Smirnov tests of recent rows against a reference set."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from seldon_s2i.codec.response import default_names
from seldon_s2i.components.arrays import REFERENCE_PATH, RequestNames, numeric_rows, reference_rows, scipy_stats
from seldon_s2i.components.parameters import Parameter, at_least, bind, metadata, open_probability
from seldon_s2i.user_model import SeldonResponse


def ks_statistics(sorted_reference: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Two-sample KS statistic of every column: the largest gap between the two empirical CDFs.

    ``sorted_reference`` is sorted per column (once, at start). Both right-continuous CDFs are evaluated at
    every point of both samples, which is where the gap peaks, ties included. One pass per feature (never
    per row), each a few binary searches.
    """
    m, n = sorted_reference.shape[0], window.shape[0]
    sorted_window = np.sort(window, axis=0)
    statistics = np.empty(window.shape[1])
    for feature in range(window.shape[1]):
        reference, recent = sorted_reference[:, feature], sorted_window[:, feature]
        points = np.concatenate([reference, recent])
        gaps = np.searchsorted(reference, points, "right") / m - np.searchsorted(recent, points, "right") / n
        statistics[feature] = np.abs(gaps).max()
    return statistics


class KSDriftDetector:
    """Input transformer that passes the data through unchanged and watches the last rows for drift.

    It keeps the last ``window_size`` rows this worker served; once it has that many, every request tests
    each feature against the reference set (two-sample Kolmogorov–Smirnov, asymptotic p-value) and reports
    drift for the features whose p-value is below ``p_value / features`` (Bonferroni: the chance that
    undrifted data is flagged on any feature stays below ``p_value``). Tags: ``drift``, ``drift_features``,
    ``drift_p_values``; gauges ``seldon_drift_p_value`` and ``seldon_drift_ks_statistic`` per feature.
    """

    PARAMETERS = (
        REFERENCE_PATH,
        Parameter("window_size", "INT", 500, "number of most recent rows compared with the reference set", at_least(10)),
        Parameter("p_value", "FLOAT", 0.05, "drift is reported when a feature's p-value is below p_value / features", open_probability),
    )

    def __init__(self, **parameters: Any) -> None:
        self.parameters = bind("KSDriftDetector", self.PARAMETERS, parameters)
        scipy_stats("KSDriftDetector")  # stops here, naming the extra, when scipy is missing
        import scipy.special

        self._kolmogorov = scipy.special.kolmogorov  # the asymptotic two-sided KS distribution's survival function
        self.sorted_reference = np.sort(
            reference_rows("KSDriftDetector", "reference_path", self.parameters["reference_path"]), axis=0
        )
        size = self.parameters["window_size"]
        self.features = self.sorted_reference.shape[1]
        self.threshold = self.parameters["p_value"] / self.features
        self._window = np.empty((size, self.features))
        self._filled = 0
        self._next = 0
        self._lock = threading.Lock()
        self._names = RequestNames()
        m = self.sorted_reference.shape[0]
        self._effective_size = np.sqrt(m * size / (m + size))

    def _remember(self, rows: np.ndarray) -> None:
        size = self._window.shape[0]
        rows = rows[-size:]
        positions = (self._next + np.arange(rows.shape[0])) % size
        self._window[positions] = rows
        self._next = int((self._next + rows.shape[0]) % size)
        self._filled = min(size, self._filled + rows.shape[0])

    def test(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(KS statistic, p-value) per feature over the current window, or None until the window is full."""
        if self._filled < self._window.shape[0]:
            return None
        statistics = ks_statistics(self.sorted_reference, self._window)
        return statistics, np.asarray(self._kolmogorov(self._effective_size * statistics))

    def transform_input(self, X: Any, feature_names: list[str], **kwargs: Any) -> SeldonResponse:
        rows = numeric_rows("KSDriftDetector", X, self.features)
        with self._lock:
            self._remember(rows)
            result = self.test()
            filled = self._filled
        self._names.set(feature_names)
        labels = list(feature_names) if len(feature_names) == self.features else default_names(self.features)
        tags: dict[str, Any] = {"drift": False, "drift_features": [], "drift_window_rows": filled}
        if result is None:
            return SeldonResponse(X, tags=tags)
        statistics, p_values = result
        drifted = p_values < self.threshold
        tags["drift"] = bool(drifted.any())
        tags["drift_features"] = [labels[i] for i in np.flatnonzero(drifted)]
        tags["drift_p_values"] = dict(zip(labels, p_values.tolist(), strict=True))
        metrics = [
            {"type": "GAUGE", "key": key, "value": float(value), "tags": {"feature": label}}
            for key, values in (("seldon_drift_p_value", p_values), ("seldon_drift_ks_statistic", statistics))
            for label, value in zip(labels, values, strict=True)
        ]
        return SeldonResponse(X, tags=tags, metrics=metrics)

    def class_names(self) -> list[str]:
        return self._names.get()

    def init_metadata(self) -> dict[str, Any]:
        return metadata("KSDriftDetector", self.PARAMETERS, self.parameters)
