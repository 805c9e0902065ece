"""A standard scaler: ``(x - mean) / std`` per feature, with the statistics from parameters or a file."""

from __future__ import annotations

from typing import Any

import numpy as np

from seldon_s2i.components.arrays import RequestNames, load_arrays, numeric_rows
from seldon_s2i.components.parameters import Parameter, ParameterError, bind, float_list, metadata


class StandardScaler:
    """Input transformer: each feature centred on its mean and divided by its standard deviation.

    A standard deviation of 0 (a constant feature) divides by 1, as scikit-learn does. Column names pass
    through.
    """

    PARAMETERS = (
        Parameter("mean", "STRING", "", "comma-separated mean of each feature (with `std`; or use `path`)"),
        Parameter("std", "STRING", "", "comma-separated standard deviation of each feature (with `mean`)"),
        Parameter(
            "path",
            "STRING",
            "",
            "a `.npz` with arrays `mean` and `std` (or `scale`), or a `.json` object with lists `mean` and `std`",
        ),
    )

    def __init__(self, **parameters: Any) -> None:
        self.parameters = bind("StandardScaler", self.PARAMETERS, parameters)
        mean_text, std_text, path = (self.parameters[k] for k in ("mean", "std", "path"))
        if path and (mean_text or std_text):
            raise ParameterError("StandardScaler: give parameter 'path' or parameters 'mean' and 'std', not both")
        if path:
            arrays = load_arrays("StandardScaler", "path", path)
            std_key = "std" if "std" in arrays else "scale"
            if "mean" not in arrays or std_key not in arrays:
                raise ParameterError(
                    f"StandardScaler: parameter 'path': {path} must hold arrays 'mean' and 'std', found {sorted(arrays)}"
                )
            mean, std = arrays["mean"].ravel(), arrays[std_key].ravel()
        elif mean_text and std_text:
            mean, std = float_list("StandardScaler", "mean", mean_text), float_list("StandardScaler", "std", std_text)
        else:
            missing = "std" if mean_text else "mean"
            raise ParameterError(f"StandardScaler: parameter {missing!r} is required (or give parameter 'path')")
        source = "path" if path else "std"
        if mean.size != std.size:
            raise ParameterError(
                f"StandardScaler: parameter {source!r} has {std.size} standard deviations for {mean.size} means"
            )
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))) or np.any(std < 0):
            raise ParameterError(f"StandardScaler: parameter {source!r}: means must be finite and std finite and >= 0")
        self.mean = mean
        self.scale = np.where(std == 0, 1.0, std)
        self._names = RequestNames()

    def transform_input(self, X: Any, feature_names: list[str], **kwargs: Any) -> np.ndarray:
        rows = numeric_rows("StandardScaler", X, self.mean.size)
        self._names.set(feature_names)
        return np.asarray((rows - self.mean) / self.scale)

    def class_names(self) -> list[str]:
        return self._names.get()

    def init_metadata(self) -> dict[str, Any]:
        return metadata("StandardScaler", self.PARAMETERS, self.parameters)
