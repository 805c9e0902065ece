"""Pick the module that defines ``tensorflow.TensorProto`` for this process.

A descriptor pool cannot hold two files defining ``tensorflow.TensorProto``.
When TensorFlow is installed (a user model may import it at any time) its own
definition is used; otherwise the wire-identical copy shipped here is.
"""

from __future__ import annotations

import importlib.util

if importlib.util.find_spec("tensorflow") is not None:  # pragma: no cover - needs TensorFlow
    try:
        from tensorflow.core.framework import tensor_pb2
    except ImportError:
        from seldon_s2i.protos.tensorflow.core.framework import tensor_pb2
else:
    from seldon_s2i.protos.tensorflow.core.framework import tensor_pb2

__all__ = ["tensor_pb2"]
