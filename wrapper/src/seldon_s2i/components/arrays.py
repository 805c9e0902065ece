"""Numeric input checks, reference files and the per-request column names the components hand back."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from seldon_s2i.components.parameters import REQUIRED, Parameter, ParameterError
from seldon_s2i.errors import BAD_DATA, SeldonMicroserviceException, SeldonNotImplementedError


def numeric_rows(component: str, X: Any, width: int | None = None) -> np.ndarray:
    """``X`` as a 2-D float array (one row if 1-D), or a 400 naming the component and what was wrong."""
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise SeldonMicroserviceException(
            f"{component} needs numeric rows (ndarray or tensor of numbers)", reason=BAD_DATA
        ) from None
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2:
        raise SeldonMicroserviceException(
            f"{component} needs a 2-D batch of rows, got shape {list(array.shape)}", reason=BAD_DATA
        )
    if width is not None and array.shape[1] != width:
        raise SeldonMicroserviceException(
            f"{component} expects {width} features per row, got {array.shape[1]}", reason=BAD_DATA
        )
    return array


def load_arrays(component: str, parameter: str, path: str) -> dict[str, np.ndarray]:
    """Arrays in a ``.npz`` (by key), ``.npy`` (``data``), ``.json`` (an object of lists, or one list) or
    ``.csv`` (``data``, numbers only) file; any problem is a ParameterError naming ``parameter``."""
    file = Path(path)
    suffix = file.suffix.lower()
    try:
        if suffix == ".npz":
            with np.load(file, allow_pickle=False) as archive:
                return {key: np.asarray(archive[key], dtype=np.float64) for key in archive.files}
        if suffix == ".npy":
            return {"data": np.asarray(np.load(file, allow_pickle=False), dtype=np.float64)}
        if suffix == ".json":
            content = json.loads(file.read_text())
            if isinstance(content, dict):
                return {str(k): np.asarray(v, dtype=np.float64) for k, v in content.items()}
            return {"data": np.asarray(content, dtype=np.float64)}
        if suffix == ".csv":
            return {"data": np.atleast_2d(np.loadtxt(file, delimiter=",", dtype=np.float64))}
    except (OSError, ValueError, TypeError) as error:
        raise ParameterError(f"{component}: parameter {parameter!r}: cannot read {path}: {error}") from None
    raise ParameterError(f"{component}: parameter {parameter!r}: {path} must end in .npz, .npy, .json or .csv")


# The parameter naming the file :func:`reference_rows` reads (the detectors' reference set).
REFERENCE_PATH = Parameter(
    "reference_path",
    "STRING",
    REQUIRED,
    "reference rows (rows x features): `.npy`, `.csv`, `.json` (list of rows) or `.npz` (its one array, or `reference`)",
)


def reference_rows(component: str, parameter: str, path: str, key: str = "reference") -> np.ndarray:
    """A reference set (rows x features): the file's only array, or the one named ``key`` (``data`` also)."""
    arrays = load_arrays(component, parameter, path)
    if len(arrays) == 1:
        (array,) = arrays.values()
    elif key in arrays or "data" in arrays:
        array = arrays[key] if key in arrays else arrays["data"]
    else:
        raise ParameterError(
            f"{component}: parameter {parameter!r}: {path} holds {sorted(arrays)}; name the reference array {key!r}"
        )
    array = np.atleast_2d(np.asarray(array))
    if array.ndim != 2 or not np.all(np.isfinite(array)):
        raise ParameterError(f"{component}: parameter {parameter!r}: {path} must hold a finite 2-D array of rows")
    return array


class RequestNames:
    """The column names of the request a thread is answering, handed back through ``class_names()``.

    The wrapper asks ``class_names()`` for the response's names right after the call, in the same thread,
    so a thread-local keeps each request's names even with several threads per worker.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def set(self, names: Any) -> None:
        self._local.names = list(names) if names is not None and len(names) else None

    def get(self) -> list[str]:
        names = getattr(self._local, "names", None)
        if names is None:
            raise SeldonNotImplementedError("no names in this request")  # the wrapper then uses t:0 ... t:n-1
        return list(names)


class MissingExtraError(ImportError):
    """A component needs a package of the wrapper's ``components`` extra that is not installed."""


def scipy_stats(component: str) -> Any:
    """``scipy.stats``, or a start-up error that names the extra to install."""
    try:
        import scipy.stats
    except ImportError:
        raise MissingExtraError(
            f"{component} needs scipy, which is in the wrapper's optional extra 'components': "
            "pip install 'seldon-s2i[components]' (or add scipy to the model's requirements.txt)"
        ) from None
    return scipy.stats
