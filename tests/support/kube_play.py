"""Run the pod of a Kubernetes Deployment with ``podman kube play``, as OpenShift's restricted-v2 SCC admits it.

``local_run(deployment)`` changes only what a run on this machine needs, and says why in ``LocalRun.changes``:

- podman plays a ``Deployment`` as it is (the pod ``<name>-pod-0`` with every container of the template sharing
  one network namespace; env, ports, command, resources as cgroup limits, capabilities, allowPrivilegeEscalation
  as no-new-privileges, runAsUser/runAsGroup); it ignores ``runAsNonRoot``, ``seccompProfile`` (its default
  seccomp filter applies), ``lifecycle`` and readiness probes;
- restricted-v2 assigns the UID from the namespace's range and GID 0: set here, as it would, on the pod;
- podman publishes only ports that have a ``hostPort``: every container port gets a free one on 127.0.0.1;
- podman has no downward API volume: it becomes a ConfigMap volume holding the files the kubelet would write;
- podman runs an httpGet probe as ``curl`` inside the container (the images have none) and readiness probes
  not at all: the probes are taken out and ``PlayedPod.probe`` performs them from outside, as the kubelet does;
  ``PlayedPod.run_pre_stop_hooks`` likewise runs the preStop hooks podman ignores.
podman 4.3 stops containers with SIGTERM and its own 10 s timeout (not terminationGracePeriodSeconds), then
SIGKILL with a warning on stderr.
"""

from __future__ import annotations

import copy
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml
from microservice_process import free_port

# What restricted-v2 would assign: a UID from the namespace's range (not the image's 1001), group 0.
ASSIGNED_UID = 12345
ASSIGNED_GID = 0


@dataclass(frozen=True)
class Probe:
    container: str
    kind: str  # readinessProbe or livenessProbe
    spec: dict[str, Any]


@dataclass
class LocalRun:
    manifest: dict[str, Any]
    config_maps: list[dict[str, Any]]
    host_ports: dict[int, int]  # container port -> 127.0.0.1 port
    probes: list[Probe]
    changes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.manifest["metadata"]["name"])

    @property
    def pod_labels(self) -> dict[str, str]:
        return dict(self.manifest["spec"]["template"]["metadata"]["labels"])


def _downward_file(item: dict[str, Any], template: dict[str, Any]) -> str:
    """A downward API file as the kubelet writes it (``key="value"`` lines, sorted, values quoted)."""
    path = item["fieldRef"]["fieldPath"]
    metadata = template.get("metadata") or {}
    if path in ("metadata.annotations", "metadata.labels"):
        values = metadata.get(path.split(".")[1]) or {}
        return "\n".join(f"{key}={json.dumps(str(values[key]))}" for key in sorted(values))
    if path in ("metadata.name", "metadata.namespace"):
        return str(metadata.get(path.split(".")[1], ""))
    raise ValueError(f"no local stand-in for the downward API field {path}")


def _replace_downward_volumes(run: LocalRun, template: dict[str, Any]) -> None:
    for volume in template["spec"].get("volumes") or []:
        source = volume.pop("downwardAPI", None)
        if source is None:
            continue
        name = f"{run.name}-{volume['name']}"
        items = source.get("items") or []
        data = {item["path"].replace("/", "_"): _downward_file(item, template) for item in items}
        run.config_maps.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data})
        volume["configMap"] = {"name": name, "items": [{"key": item["path"].replace("/", "_"), "path": item["path"]}
                                                        for item in items]}
        run.changes.append(f"volume {volume['name']}: downward API -> ConfigMap {name} with the same files")


def local_run(deployment: dict[str, Any]) -> LocalRun:
    """``deployment`` changed only where podman on this machine needs it (see the module's docstring)."""
    manifest = copy.deepcopy(deployment)
    template = manifest["spec"]["template"]
    pod = template["spec"]
    run = LocalRun(manifest, [], {}, [])
    pod.setdefault("securityContext", {}).update(runAsUser=ASSIGNED_UID, runAsGroup=ASSIGNED_GID)
    run.changes.append(f"pod securityContext: runAsUser {ASSIGNED_UID}, runAsGroup {ASSIGNED_GID} (what the SCC "
                       "assigns)")
    for container in pod["containers"]:
        for port in container.get("ports") or []:
            run.host_ports[port["containerPort"]] = free_port()
            port.update(hostIP="127.0.0.1", hostPort=run.host_ports[port["containerPort"]])
        for kind in ("readinessProbe", "livenessProbe"):
            if kind in container:
                run.probes.append(Probe(container["name"], kind, container.pop(kind)))
                run.changes.append(f"{container['name']}: {kind} performed by the test from outside, not by podman")
    run.changes.append("every container port published on 127.0.0.1 (hostIP, hostPort)")
    _replace_downward_volumes(run, template)
    return run


@dataclass(frozen=True)
class PodContainer:
    name: str  # as in the pod spec
    id: str
    state: str
    restarts: int


class PlayedPod:
    """The pod podman made of a ``LocalRun``, found by its labels."""

    def __init__(self, run: LocalRun, manifest_path: Path) -> None:
        self.run = run
        self.manifest_path = manifest_path
        self.selector = f"app={run.pod_labels['app']}"

    def pod_ids(self) -> list[str]:
        listed = _podman("pod", "ps", "--quiet", "--filter", f"label={self.selector}")
        return listed.stdout.split()

    def containers(self) -> list[PodContainer]:
        found = []
        for pod_id in self.pod_ids():
            listed = json.loads(_podman("ps", "--all", "--format", "json", "--filter", f"pod={pod_id}").stdout or "[]")
            for entry in listed:
                if entry.get("IsInfra"):
                    continue
                inspected = json.loads(_podman("inspect", entry["Id"]).stdout)[0]
                spec_name = str(inspected["Name"]).removeprefix(f"{self.run.name}-pod-0-")
                found.append(PodContainer(spec_name, entry["Id"], entry["State"], int(inspected["RestartCount"])))
        return found

    def logs(self) -> str:
        parts = []
        for container in self.containers():
            output = _podman("logs", "--tail", "40", container.id)
            parts.append(f"--- {container.name} ({container.state}):\n{output.stdout}{output.stderr}")
        return "\n".join(parts)

    def probe(self, probe: Probe) -> bool:
        """One attempt of ``probe``, from outside the pod as the kubelet makes it, through the published port."""
        spec = probe.spec
        if "httpGet" in spec:
            action = spec["httpGet"]
            url = f"{action.get('scheme', 'HTTP').lower()}://127.0.0.1:{self._host_port(action['port'])}"
            try:
                answer = requests.get(url + action.get("path", "/"), timeout=spec.get("timeoutSeconds", 1) + 1)
            except requests.RequestException:
                return False
            return 200 <= answer.status_code < 400
        if "tcpSocket" in spec:
            try:
                socket.create_connection(("127.0.0.1", self._host_port(spec["tcpSocket"]["port"])), timeout=2).close()
            except OSError:
                return False
            return True
        raise ValueError(f"{probe.container}: no local way to perform the probe {spec}")

    def _host_port(self, port: int | str) -> int:
        if isinstance(port, str):  # a named port
            for container in self.run.manifest["spec"]["template"]["spec"]["containers"]:
                for declared in container.get("ports") or []:
                    if declared.get("name") == port:
                        return self.run.host_ports[declared["containerPort"]]
            raise ValueError(f"no container port named {port}")
        return self.run.host_ports[port]

    def wait_ready(self, timeout: float) -> float:
        """Poll every readiness probe until all pass; fail early, with the logs, when a container stops."""
        started = time.monotonic()
        pending = [probe for probe in self.run.probes if probe.kind == "readinessProbe"]
        next_check = started
        while pending:
            pending = [probe for probe in pending if not self.probe(probe)]
            now = time.monotonic()
            if now > started + timeout:
                names = sorted({probe.container for probe in pending})
                changes = "\n".join(self.run.changes)
                raise AssertionError(f"not ready after {timeout:.0f} s: {names}\n{self.logs()}\n"
                                     f"changed for the local run:\n{changes}")
            if now >= next_check:
                next_check = now + 2
                stopped = [c for c in self.containers() if c.state != "running" or c.restarts]
                if stopped:
                    raise AssertionError(f"containers stopped or restarted: {stopped}\n{self.logs()}")
            time.sleep(0.2)
        return time.monotonic() - started

    def run_pre_stop_hooks(self) -> dict[str, int]:
        """Each container's preStop exec hook run in it, all at once, as the kubelet does before SIGTERM (podman
        ignores ``lifecycle``); container name -> exit status."""
        ids = {container.name: container.id for container in self.containers()}
        running = {}
        for container in self.run.manifest["spec"]["template"]["spec"]["containers"]:
            hook = (container.get("lifecycle") or {}).get("preStop")
            if hook is None:
                continue
            if "exec" not in hook:
                raise ValueError(f"{container['name']}: no local way to run the preStop hook {hook}")
            command = ["podman", "exec", ids[container["name"]], *hook["exec"]["command"]]
            running[container["name"]] = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                                          stderr=subprocess.DEVNULL)
        return {name: process.wait(timeout=120) for name, process in running.items()}

    def down(self) -> subprocess.CompletedProcess[str]:
        return _podman("kube", "down", str(self.manifest_path), timeout=180)

    def volumes(self) -> list[str]:
        names = {config_map["metadata"]["name"] for config_map in self.run.config_maps}
        listed = _podman("volume", "ls", "--format", "{{.Name}}").stdout.split()
        return [name for name in listed if name in names]

    def remove_everything(self) -> None:
        """What ``podman kube down`` should have left nothing of, removed by force (failure paths)."""
        for pod_id in self.pod_ids():
            _podman("pod", "rm", "--force", "--time", "0", pod_id, timeout=120)
        for volume in self.volumes():
            _podman("volume", "rm", "--force", volume)


def _podman(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, check=False)


@contextmanager
def played(run: LocalRun, workdir: Path) -> Iterator[PlayedPod]:
    """``podman kube play`` of ``run``; on the way out ``podman kube down``, then anything left removed by force."""
    manifest_path = workdir / f"{run.name}.yaml"
    manifest_path.write_text(yaml.safe_dump(run.manifest, sort_keys=False))
    command = ["kube", "play", "--quiet"]
    for config_map in run.config_maps:
        path = workdir / f"{config_map['metadata']['name']}.configmap.yaml"
        path.write_text(yaml.safe_dump(config_map, sort_keys=False))
        command += ["--configmap", str(path)]
    pod = PlayedPod(run, manifest_path)
    try:
        result = _podman(*command, str(manifest_path), timeout=300)
        if result.returncode != 0:
            raise AssertionError(f"podman kube play failed:\n{result.stdout}{result.stderr}\n{pod.logs()}")
        yield pod
    finally:
        pod.down()
        pod.remove_everything()
