"""The repository's OpenShift manifests (imagestreams/, openshift-templates/, crds/, builds/, rbac/,
console/), loaded and rendered.

Used by tests/manifests and by any test that needs the objects a template creates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from seldon_s2i.openshift import templates

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_FILES = sorted((REPOSITORY_ROOT / "openshift-templates").glob("*.yaml"))
IMAGESTREAM_FILES = sorted((REPOSITORY_ROOT / "imagestreams").glob("*.yaml"))
CRD_FILES = sorted((REPOSITORY_ROOT / "crds").glob("*.yaml"))
BUILD_FILES = sorted((REPOSITORY_ROOT / "builds").glob("*.yaml"))
RBAC_FILES = sorted((REPOSITORY_ROOT / "rbac").glob("*.yaml"))
CONSOLE_FILES = sorted((REPOSITORY_ROOT / "console").glob("*.yaml"))
MANIFEST_FILES = [*IMAGESTREAM_FILES, *TEMPLATE_FILES, *CRD_FILES, *BUILD_FILES, *RBAC_FILES, *CONSOLE_FILES]
CANONICAL_REPOSITORY = "https://github.com/seldon-s2i/seldon-s2i"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def render(path: Path, **values: str) -> templates.ProcessedTemplate:
    """The template at ``path`` processed with OpenShift's rules and these parameter values."""
    return templates.process(load(path), values)


def objects_of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [item for item in objects if item["kind"] == kind]


def by_name(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {item["metadata"]["name"]: item for item in objects_of_kind(objects, kind)}
