"""An emulated Kubernetes/OpenShift API server for tests, reached over real HTTP by the real clients.

    from kube_emulator import KubeEmulator
    with KubeEmulator() as cluster:
        api = kubernetes.client.CoreV1Api(cluster.api_client())

Pytest fixtures are in ``kube_emulator.pytest_plugin``. Built on aiohttp, not on kmock's KubernetesEmulator:
kmock's request parser fails on ``/api/v1/namespaces`` and its state machine (plain merges, no resourceVersions)
would have had to be replaced whole, so subclassing it would only have kept its name.

What it does as a real API server does: discovery of the built-in groups, OpenShift's image, build, route, template
and project groups and every CRD created (a SeldonDeployment stand-in until the real CRD is registered);
server-filled uid, creationTimestamp, resourceVersion and generation; 201 on create, PUT replace, 409 on a stale
resourceVersion or an existing name; list kind/apiVersion/resourceVersion and limit/continue; label and field
selectors on list, watch and deletecollection; watch from a resourceVersion with an event log, timeoutSeconds,
bookmarks and 410 Gone after compaction; the status subresource apart from the rest, generation bumped by spec
changes only; JSON, merge and strategic merge patches (merge keys of the built-in lists; 415 for custom
resources); server-side apply with managedFields, conflicts and removal of fields a manager stops applying;
finalizers and deletionTimestamp; garbage collection of ownerReferences (background, foreground, orphan);
namespaces that terminate and empty themselves; Status errors with the real reasons; generateName,
deletecollection, dryRun=All; CRD schemas defaulted, pruned and validated on write, CRD selectableFields;
Kubernetes built-in kinds checked against their published schemas (unknown fields dropped, or refused under
fieldValidation=Strict; wrong types 400; missing required fields 422);
immutable fields (selectors, clusterIP, immutable ConfigMaps); the scale subresource; template processing,
``buildconfigs/<name>/instantiate``, projects/project requests as views of namespaces, and ImageStreamTags as views
of their ImageStream (not watchable, as on OpenShift).

Known differences from a real API server:
- No controllers run: Deployments get no ReplicaSets or Pods, Builds never leave phase New, no Route ingress
  status. Tests write such status themselves (``KubeEmulator.set_status``).
- OpenShift kinds are not checked against a schema. Built-in kinds get no defaults besides Service clusterIP,
  ports and type, Route host, ImageStream repository and Namespace phase, and only required-field checks of
  their validation.
- No authentication or authorization (any token is accepted), no admission webhooks, no aggregated discovery,
  no OpenAPI documents, no protobuf, no Table output; CRD conversion is always strategy None.
- No image import: an ImageStreamTag has an image only once a test writes the stream's status. Projects cannot
  be watched.
- Server-side apply treats lists without a known merge key as atomic and tracks ownership per leaf field.
- Garbage collection runs right after each deletion unless ``collection_delay`` is set, and ignores
  blockOwnerDeletion.
"""

from kube_emulator.errors import ApiError
from kube_emulator.resources import ResourceType
from kube_emulator.running import SELDON_DEPLOYMENT_STAND_IN, KubeEmulator
from kube_emulator.server import RecordedRequest

__all__ = ["SELDON_DEPLOYMENT_STAND_IN", "ApiError", "KubeEmulator", "RecordedRequest", "ResourceType"]
