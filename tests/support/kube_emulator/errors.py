"""API errors as a real API server reports them: a ``Status`` body with the real ``reason`` and ``code``.

Raised anywhere in the store and the HTTP layer; ``server.py`` turns them into responses and watch ERROR events.
Messages follow the API server's wording, because clients and humans match on them.
"""

from __future__ import annotations

from typing import Any

from kube_emulator.resources import ResourceType


class ApiError(Exception):
    """A failed request, rendered as a ``meta.k8s.io/v1 Status``."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def to_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            status["details"] = self.details
        return status


def _details(resource: ResourceType, name: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {"kind": resource.plural}
    if name:
        details["name"] = name
    if resource.group:
        details["group"] = resource.group
    return details


def not_found(resource: ResourceType, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{resource.qualified_plural} "{name}" not found', _details(resource, name))


def unknown_path() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(resource: ResourceType, name: str) -> ApiError:
    return ApiError(409, "AlreadyExists", f'{resource.qualified_plural} "{name}" already exists',
                    _details(resource, name))


def conflict(resource: ResourceType, name: str, why: str) -> ApiError:
    return ApiError(409, "Conflict", f'Operation cannot be fulfilled on {resource.qualified_plural} "{name}": {why}',
                    _details(resource, name))


def stale_resource_version(resource: ResourceType, name: str) -> ApiError:
    return conflict(resource, name,
                    "the object has been modified; please apply your changes to the latest version and try again")


def invalid(resource: ResourceType, name: str, causes: list[tuple[str, str]]) -> ApiError:
    """422 Invalid; ``causes`` are (field path, message) pairs, as in ``details.causes``."""
    text = ", ".join(f"{field}: {message}" for field, message in causes)
    details = _details(resource, name)
    details["kind"] = resource.kind
    details["causes"] = [{"reason": "FieldValueInvalid", "message": message, "field": field}
                         for field, message in causes]
    qualified_kind = f"{resource.kind}.{resource.group}" if resource.group else resource.kind
    return ApiError(422, "Invalid", f'{qualified_kind} "{name}" is invalid: {text}', details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "Forbidden", message)


def method_not_allowed(message: str = "the server does not allow this method on the requested resource") -> ApiError:
    return ApiError(405, "MethodNotAllowed", message)


def gone(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(415, "UnsupportedMediaType", f'the body of the request was in an unknown format - accepted media '
                    f'types include: application/json-patch+json, application/merge-patch+json, '
                    f'application/apply-patch+yaml (got "{content_type}")')


def invalid_patch_options(field: str, reason: str, message: str) -> ApiError:
    """422 about the query parameters of a patch (fieldManager, force), as ``PatchOptions`` validation says it."""
    return ApiError(422, "Invalid", f'PatchOptions.meta.k8s.io "" is invalid: {field}: {message}',
                    {"group": "meta.k8s.io", "kind": "PatchOptions",
                     "causes": [{"reason": reason, "message": message, "field": field}]})


def no_strategic_merge() -> ApiError:
    return ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media "
                    "types include: application/json-patch+json, application/merge-patch+json, "
                    "application/apply-patch+yaml")
