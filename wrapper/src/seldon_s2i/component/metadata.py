"""Model metadata: Seldon's defaults, the component's ``init_metadata()`` and ``MODEL_METADATA``, validated."""

from __future__ import annotations

from typing import Any

import jsonschema
import yaml

from seldon_s2i.errors import BAD_METADATA, SeldonMicroserviceException

_TENSOR_TYPES = ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES"]

_MESSAGE_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {
            "type": "object",
            "properties": {
                "messagetype": {"type": "string"},
                "schema": {"type": ["object", "array", "string", "number", "boolean", "null"]},
            },
            "required": ["messagetype"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "datatype": {"enum": _TENSOR_TYPES},
                "shape": {"type": "array", "items": {"type": "integer"}},
            },
            "required": ["name", "datatype", "shape"],
            "additionalProperties": False,
        },
    ]
}

METADATA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "versions": {"type": "array", "items": {"type": "string"}},
        "platform": {"type": "string"},
        "inputs": {"type": "array", "items": _MESSAGE_SCHEMA},
        "outputs": {"type": "array", "items": _MESSAGE_SCHEMA},
        "custom": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "additionalProperties": False,
}


def defaults(image: str) -> dict[str, Any]:
    name, _, version = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "")
    return {"name": name, "versions": [version], "platform": "", "inputs": [], "outputs": [], "custom": {}}


def build(init_metadata: dict[str, Any], model_metadata_env: str | None, image: str) -> dict[str, Any]:
    """The validated metadata document, or SeldonMicroserviceException(500, MICROSERVICE_BAD_METADATA)."""
    metadata = defaults(image)
    if not isinstance(init_metadata, dict):
        raise SeldonMicroserviceException(
            "init_metadata() must return a dict", status_code=500, reason=BAD_METADATA
        )
    metadata.update(init_metadata)
    if model_metadata_env:
        try:
            from_env = yaml.safe_load(model_metadata_env)
        except yaml.YAMLError as error:
            raise SeldonMicroserviceException(
                f"MODEL_METADATA is not valid YAML: {error}", status_code=500, reason=BAD_METADATA
            ) from None
        if not isinstance(from_env, dict):
            raise SeldonMicroserviceException("MODEL_METADATA must be a mapping", status_code=500, reason=BAD_METADATA)
        metadata.update(from_env)
    try:
        jsonschema.validate(metadata, METADATA_SCHEMA)
    except jsonschema.ValidationError as error:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise SeldonMicroserviceException(
            f"Model metadata is invalid at {where}: {error.message}", status_code=500, reason=BAD_METADATA
        ) from None
    return metadata
