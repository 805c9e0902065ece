"""The Open Inference Protocol (V2) over the same :class:`~seldon_s2i.handler.Handler` as the Seldon routes.

The REST and gRPC V2 transports decode a request with the V2 codec and call :class:`V2Service`. It hands the
request to the handler's operation for the component's service type (``predict`` for a MODEL, ``route`` for
a ROUTER...) as an :class:`Inbound` read by :mod:`seldon_s2i.codec.v2.documents`, so ``*_raw`` methods,
fallbacks, tags and custom metrics (Prometheus included) behave as for Seldon's routes, and turns the answer
into an :class:`InferResponse` for the transport to encode.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import seldon_s2i
from seldon_s2i.codec.v2 import arrays, documents, mapping
from seldon_s2i.codec.v2.tensors import InferRequest, InferResponse, Tensor, check_shape
from seldon_s2i.errors import SeldonMicroserviceException
from seldon_s2i.handler import Handler, Inbound, Raw

SERVER_NAME = "seldon-s2i"
EXTENSIONS = ("binary_tensor_data",)
# The handler operation a V2 infer runs, by Seldon service type; feedback has no V2 counterpart.
OPERATIONS = {
    "MODEL": "predict",
    "TRANSFORMER": "transform_input",
    "OUTLIER_DETECTOR": "transform_input",
    "OUTPUT_TRANSFORMER": "transform_output",
    "ROUTER": "route",
    "COMBINER": "aggregate",
}


@dataclass(frozen=True)
class V2Model:
    """What V2 clients call the served class, and which handler operation answers its infer."""

    name: str
    service_type: str = "MODEL"

    @property
    def operation(self) -> str:
        return OPERATIONS[self.service_type]


def _raw_outputs(value: Any) -> tuple[list[Tensor], dict[str, Any]]:
    """Outputs and parameters of a ``*_raw`` method's V2 answer (a dict shaped like the REST response)."""
    if not isinstance(value, dict) or not isinstance(value.get("outputs"), list):
        raise SeldonMicroserviceException(
            f"Over V2 a *_raw method must return a dict with a list of outputs, got {type(value).__name__}",
            status_code=500,
        )
    outputs = []
    for index, item in enumerate(value["outputs"]):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or "data" not in item:
            raise SeldonMicroserviceException(f"Raw answer: outputs[{index}] needs a name and data", status_code=500)
        if "datatype" in item and "shape" in item:
            where = f"output '{item['name']}'"
            try:
                shape = check_shape(item["shape"], where)
                data = arrays.from_json(item["data"], item["datatype"], shape, where)
            except SeldonMicroserviceException as error:
                raise SeldonMicroserviceException(f"Raw answer: {error.message}", status_code=500) from None
            outputs.append(Tensor(item["name"], item["datatype"], shape, data, dict(item.get("parameters") or {})))
        else:
            outputs.extend(mapping.to_outputs({item["name"]: item["data"]}, None))
    parameters = value.get("parameters")
    return outputs, parameters if isinstance(parameters, dict) else {}


class V2Service:
    def __init__(self, handler: Handler, model: V2Model) -> None:
        self.handler = handler
        self.model = model
        self._operation: Callable[[Inbound], Any] = getattr(handler, model.operation)

    # ---- health and metadata ----------------------------------------------------------------------------------
    def versions(self) -> list[str]:
        try:
            versions = self.handler.metadata().get("versions") or []
        except SeldonMicroserviceException:
            return []
        return [str(v) for v in versions if v]

    def check_model(self, name: str, version: str | None = None) -> None:
        """404 unless ``name`` (and ``version``, when given) is the model served here."""
        if name != self.model.name:
            raise SeldonMicroserviceException(
                f"Unknown model '{name}': this server serves '{self.model.name}'", status_code=404
            )
        versions = self.versions()
        if version and version not in versions:
            declared = ", ".join(versions) or "none declared"
            raise SeldonMicroserviceException(
                f"Model '{name}' has no version '{version}' (versions: {declared})", status_code=404
            )

    def ready(self) -> bool:
        return self.handler.ready()

    def server_metadata(self) -> dict[str, Any]:
        return {"name": SERVER_NAME, "version": seldon_s2i.__version__, "extensions": list(EXTENSIONS)}

    def model_metadata(self) -> dict[str, Any]:
        """Name, versions, platform and the tensor inputs/outputs of the class's metadata."""
        metadata = self.handler.metadata()

        def tensors(key: str) -> list[dict[str, Any]]:
            return [
                {"name": item["name"], "datatype": item["datatype"], "shape": list(item["shape"])}
                for item in metadata.get(key) or []
                if isinstance(item, dict) and "datatype" in item
            ]

        return {
            "name": self.model.name,
            "versions": self.versions(),
            "platform": metadata.get("platform") or "",
            "inputs": tensors("inputs"),
            "outputs": tensors("outputs"),
        }

    # ---- inference --------------------------------------------------------------------------------------------
    def timer(self, transport: str) -> Callable[[int | str], None]:
        """Start timing an infer; call the result with the answer's status code (HTTP or gRPC name)."""
        start = time.perf_counter()

        def done(code: int | str) -> None:
            self.handler.record_request(self.model.operation, transport, code, time.perf_counter() - start)

        return done

    def infer(self, request: InferRequest) -> InferResponse:
        outcome = self._operation(Inbound(documents.from_request(request), documents, documents.TRANSPORT))
        if isinstance(outcome, Raw):
            outputs, parameters = _raw_outputs(outcome.value)
        else:
            outputs, parameters = mapping.outputs_of(outcome), mapping.parameters_of(outcome.meta)
        versions = self.versions()
        return InferResponse(
            self.model.name,
            mapping.select(outputs, request.outputs),
            request.model_version or (versions[0] if versions else None),
            request.id,
            parameters,
        )
