"""ImageStreamTags as OpenShift serves them: views of their ImageStream, never stored on their own.

``server.py`` routes ``image.openshift.io/v1 imagestreamtags`` here. ``<stream>:<tag>`` exists once the stream's
``status.tags`` has an image for the tag (tests write that status, as the image import or a build would);
creating or updating one edits the stream's ``spec.tags``; deleting one removes the tag from spec and status.
As on OpenShift, ImageStreamTags cannot be watched: watch the ImageStream.
"""

from __future__ import annotations

import copy
from typing import Any

from kube_emulator import errors, patching
from kube_emulator.admission import WriteOptions
from kube_emulator.resources import ResourceType
from kube_emulator.store import Store

API_VERSION = "image.openshift.io/v1"


def _split(resource: ResourceType, name: str) -> tuple[str, str]:
    stream, _, tag = name.partition(":")
    if not stream or not tag:
        raise errors.invalid(resource, name, [("metadata.name", "Invalid value: must be of the form "
                                                                "<stream_name>:<tag>")])
    return stream, tag


def _spec_tag(stream: dict[str, Any], tag: str) -> dict[str, Any] | None:
    return next((item for item in (stream.get("spec") or {}).get("tags") or [] if item.get("name") == tag), None)


def _view(stream: dict[str, Any], tag: str, resolved_only: bool = True) -> dict[str, Any] | None:
    history = next((item.get("items") or [] for item in (stream.get("status") or {}).get("tags") or []
                    if item.get("tag") == tag), [])
    if resolved_only and not history:
        return None
    latest = history[0] if history else {}
    meta = stream["metadata"]
    return {
        "kind": "ImageStreamTag", "apiVersion": API_VERSION,
        "metadata": {"name": f"{meta['name']}:{tag}", "namespace": meta.get("namespace", ""), "uid": meta["uid"],
                     "resourceVersion": meta["resourceVersion"],
                     "creationTimestamp": latest.get("created", meta.get("creationTimestamp"))},
        "tag": _spec_tag(stream, tag),
        "generation": latest.get("generation", meta.get("generation", 0)),
        "lookupPolicy": (stream.get("spec") or {}).get("lookupPolicy", {"local": False}),
        "image": {"metadata": {"name": latest.get("image", "")},
                  "dockerImageReference": latest.get("dockerImageReference", "")},
    }


def _streams(store: Store) -> ResourceType:
    streams = store.catalogue.find("image.openshift.io", "v1", "imagestreams")
    assert streams is not None
    return streams


def _write_tag(store: Store, namespace: str, stream_name: str, tag: str, spec_tag: dict[str, Any] | None,
               options: WriteOptions) -> dict[str, Any]:
    """Put (or, with None, remove) a spec tag; creates the stream if needed. Returns the stream."""
    streams = _streams(store)
    stream = store.find(streams, namespace, stream_name)
    if stream is None:
        stream = {"apiVersion": API_VERSION, "kind": "ImageStream", "metadata": {"name": stream_name},
                  "spec": {"tags": [{**spec_tag, "name": tag}] if spec_tag else []}}
        return store.create(streams, namespace, stream, options).obj
    tags = [item for item in (stream.get("spec") or {}).get("tags") or [] if item.get("name") != tag]
    if spec_tag is not None:
        tags.append({**spec_tag, "name": tag})
    stream.setdefault("spec", {})["tags"] = tags
    return store.replace(streams, namespace, stream_name, stream, options).obj


def handle(store: Store, resource: ResourceType, method: str, namespace: str, name: str | None, body: Any,
           options: WriteOptions, patch_type: str) -> tuple[int, dict[str, Any]]:
    streams = _streams(store)
    if method == "GET" and name is None:
        items = [view for stream in store.list_objects(streams, namespace or None, lambda obj: True)
                 for status_tag in (stream.get("status") or {}).get("tags") or []
                 if (view := _view(stream, status_tag.get("tag", ""))) is not None]
        return 200, {"kind": "ImageStreamTagList", "apiVersion": API_VERSION,
                     "metadata": {"resourceVersion": str(store.resource_version)}, "items": items}
    if method == "POST" and isinstance(body, dict):
        name = (body.get("metadata") or {}).get("name", "")
        stream_name, tag = _split(resource, name)
        existing = store.find(streams, namespace, stream_name)
        if existing is not None and (_spec_tag(existing, tag) or _view(existing, tag)):
            raise errors.already_exists(resource, name)
        created = _write_tag(store, namespace, stream_name, tag, body.get("tag") or {}, options)
        return 201, _view(created, tag, resolved_only=False) or {}
    if name is None:
        raise errors.method_not_allowed()
    stream_name, tag = _split(resource, name)
    stream = store.find(streams, namespace, stream_name)
    resolved = _view(stream, tag) if stream is not None else None  # None until the tag has an image
    if method == "GET" and resolved is not None:
        return 200, resolved
    if stream is None or method == "GET" or (resolved is None and _spec_tag(stream, tag) is None):
        raise errors.not_found(resource, name)
    current = resolved or _view(stream, tag, resolved_only=False) or {}
    if method == "DELETE":
        remaining = [item for item in (stream.get("status") or {}).get("tags") or [] if item.get("tag") != tag]
        stream = _write_tag(store, namespace, stream_name, tag, None, options)
        stream["status"] = {**(stream.get("status") or {}), "tags": remaining}
        store.replace(streams, namespace, stream_name, stream, options, "status")
        return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                     "details": {"name": name, "group": "image.openshift.io", "kind": "imagestreamtags"}}
    if method == "PUT":
        changed = copy.deepcopy(body)
    elif patch_type == "application/merge-patch+json":
        changed = patching.merge_patch(current, body)
    elif patch_type == "application/strategic-merge-patch+json":
        changed = patching.strategic_merge(current, body)
    elif patch_type == "application/json-patch+json":
        changed = patching.json_patch(current, body)
    else:
        raise errors.unsupported_media_type(patch_type)
    stream = _write_tag(store, namespace, stream_name, tag, changed.get("tag") or {}, options)
    return 200, _view(stream, tag, resolved_only=False) or {}
