"""Request bodies: JSON, or YAML for apply patches (which clients mostly write as JSON, itself valid YAML)."""

from __future__ import annotations

import json
from typing import Any

import yaml

from kube_emulator import errors

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_json(text: str) -> Any:
    """The body as JSON for the request log, or the text itself when it is not JSON."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def parse(text: str, content_type: str) -> Any:
    """The decoded body; 400 when it cannot be decoded or is empty. JSON is tried first: the pure-Python YAML
    parser costs a hundred times more, and an apply body is JSON for most clients."""
    try:
        try:
            body = json.loads(text)
        except ValueError:
            if "yaml" not in content_type:
                raise
            body = yaml.load(text, Loader=_YAML_LOADER)
    except (ValueError, yaml.YAMLError) as failure:
        raise errors.bad_request(f"the request body could not be decoded: {failure}") from failure
    if body is None:
        raise errors.bad_request("the request body is empty")
    return body
