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

Also as a real server: built-in kinds are defaulted (Deployment replicas/strategy/history/deadline, pod template,
container and probe defaults, Service, HPA v2, Route; quantities canonical, ``0.5`` -> ``"500m"``), so a field its
only applier stops applying returns to its default; server-side apply on ``/status`` (owned with ``subresource:
status``; a main-resource apply never owns status), 422 for apply without fieldManager and for ``force`` on other
patches, FieldManagerConflict causes with real field paths; Lease times are MicroTime; owner references are
checked (two controllers 422) and collected after creates and updates too (dangling, wrong-name, cross-namespace
owners), ``blockOwnerDeletion`` decides what foreground deletion waits for, the collector runs a moment (0.2 s)
after the write; a Deployment's generation moves on annotation changes; opt-in RBAC (``authorization=True``) for
ServiceAccount tokens, with OpenShift's owner-reference rules.

Known differences from a real API server:
- No controllers run: Deployments get no ReplicaSets or Pods, Builds never leave phase New, no Route ingress
  status. Tests write such status themselves (``KubeEmulator.set_status``).
- OpenShift kinds are not checked against a schema. Defaults cover the kinds above only (not StatefulSet,
  Job or CronJob specifics, PDB, Ingress, NetworkPolicy), and validation of built-in kinds is the published
  schema plus required fields, not the API server's semantic checks.
- Authentication is a fixed admin token plus emulated ServiceAccount tokens; RBAC has no aggregated
  ClusterRoles, no escalation checks on Role writes, no impersonation; no admission webhooks, no aggregated
  discovery, no OpenAPI documents, no protobuf, no Table output; CRD conversion is always strategy None.
- No image import: an ImageStreamTag has an image only once a test writes the stream's status. Projects cannot
  be watched.
- Server-side apply treats lists without a known merge key as atomic, tracks ownership per leaf field, and knows
  no ``x-kubernetes-list-type: set`` beyond finalizers.
"""

from kube_emulator.errors import ApiError
from kube_emulator.resources import ResourceType
from kube_emulator.running import SELDON_DEPLOYMENT_STAND_IN, KubeEmulator
from kube_emulator.server import RecordedRequest

__all__ = ["SELDON_DEPLOYMENT_STAND_IN", "ApiError", "KubeEmulator", "RecordedRequest", "ResourceType"]
