"""An outlier detector: Mahalanobis distance of each row from a reference set."""

from __future__ import annotations

from typing import Any

import numpy as np

from seldon_s2i.components.arrays import REFERENCE_PATH, RequestNames, numeric_rows, reference_rows, scipy_stats
from seldon_s2i.components.parameters import (
    Parameter,
    ParameterError,
    bind,
    metadata,
    open_probability,
    positive,
)
from seldon_s2i.user_model import SeldonResponse


class MahalanobisOutlierDetector:
    """Input transformer that passes the data through unchanged and scores every row.

    Each row's distance ``sqrt((x - m)' S^-1 (x - m))`` from the reference rows' mean ``m`` and covariance
    ``S`` goes to ``meta.tags.outlier_score`` and whether it exceeds the threshold to ``meta.tags.outlier``
    (one entry per row); the counter ``seldon_outliers_total`` counts flagged rows. Without a ``threshold``,
    it is the distance a new row from the reference distribution (taken as Gaussian) exceeds with probability
    ``false_positive_rate``: Hotelling's prediction bound, which allows for the reference set's size
    (``scipy`` needed).
    """

    PARAMETERS = (
        REFERENCE_PATH,
        Parameter("threshold", "FLOAT", None, "distance above which a row is an outlier; none: from `false_positive_rate`", positive),
        Parameter(
            "false_positive_rate",
            "FLOAT",
            0.01,
            "share of rows like the reference set that may be flagged (sets the threshold when none is given)",
            open_probability,
        ),
    )

    def __init__(self, **parameters: Any) -> None:
        self.parameters = bind("MahalanobisOutlierDetector", self.PARAMETERS, parameters)
        reference = reference_rows("MahalanobisOutlierDetector", "reference_path", self.parameters["reference_path"])
        rows, features = reference.shape
        if rows <= features + 1:
            raise ParameterError(
                f"MahalanobisOutlierDetector: parameter 'reference_path': {rows} rows are too few for {features} "
                f"features (need more than {features + 1})"
            )
        self.mean = reference.mean(axis=0)
        # pinv: a constant or collinear feature gives a singular covariance, which still scores the rest.
        self.precision = np.linalg.pinv(np.atleast_2d(np.cov(reference, rowvar=False)))
        threshold = self.parameters["threshold"]
        if threshold is None:
            fpr = self.parameters["false_positive_rate"]
            f_quantile = scipy_stats("MahalanobisOutlierDetector").f.ppf(1.0 - fpr, features, rows - features)
            threshold = float(np.sqrt(f_quantile * (rows * rows - 1) * features / (rows * (rows - features))))
        self.threshold = float(threshold)
        self._names = RequestNames()

    def scores(self, rows: np.ndarray) -> np.ndarray:
        centred = rows - self.mean
        squared = np.einsum("ij,jk,ik->i", centred, self.precision, centred)
        return np.asarray(np.sqrt(np.maximum(squared, 0.0)))

    def transform_input(self, X: Any, feature_names: list[str], **kwargs: Any) -> SeldonResponse:
        scores = self.scores(numeric_rows("MahalanobisOutlierDetector", X, self.mean.size))
        flags = scores > self.threshold
        self._names.set(feature_names)
        return SeldonResponse(
            X,
            tags={"outlier_score": scores.tolist(), "outlier": flags.tolist()},
            metrics=[{"type": "COUNTER", "key": "seldon_outliers", "value": int(flags.sum())}],
        )

    def class_names(self) -> list[str]:
        return self._names.get()

    def init_metadata(self) -> dict[str, Any]:
        described = metadata("MahalanobisOutlierDetector", self.PARAMETERS, self.parameters)
        described["custom"]["threshold.effective"] = f"{self.threshold:.6g}"
        return described
