"""A model whose module imports Triton's gRPC client, which registers its own copy of the `inference` protos."""

from typing import Any

import tritonclient.grpc  # noqa: F401  (the point: the same package names in protobuf's default pool)


class TritonUser:
    def predict(self, X: Any, feature_names: Any, **kwargs: Any) -> Any:
        return X
