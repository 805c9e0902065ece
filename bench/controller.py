"""Controller benchmark: 500 SeldonDeployments to converge, ImageStream push to Deployment patch, memory.

    .venv/bin/python bench/controller.py [--count 500] [--pushes 20]

Runs ``seldon-controller run`` as a process against the emulated API server (tests/support/kube_emulator) and
prints one table: the time from creating ``--count`` single-model SeldonDeployments (all at once) until every one
has its Deployment, both Services, its Route and a status at its generation; the latency from writing a new digest
into an ImageStream until the Deployment that names its tag carries it (median and worst of ``--pushes``); and the
controller's peak resident memory (VmHWM). Issue 13's targets are checked below it. No competitor runs in the same
table: Seldon Core's operator is a Go binary that needs a real cluster (its webhooks and cert-manager), so the
figures are set against the targets instead.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from kube_emulator import KubeEmulator  # noqa: E402 (after the path of the test support package)
from kube_emulator.admission import WriteOptions  # noqa: E402

NAMESPACE = "bench"
SDEP = "machinelearning.seldon.io/v1"
REGISTRY = "image-registry.openshift-image-registry.svc:5000"
TARGETS = {"converge": 30.0, "push": 1.0, "rss": 150.0}


def _sdep(name: str, tagged: bool = False) -> dict[str, Any]:
    containers: list[dict[str, Any]] = [{"name": "classifier", "image": "quay.io/example/classifier:1.0"}]
    component: dict[str, Any] = {"spec": {"containers": containers}}
    if tagged:
        del containers[0]["image"]
        component["imageStreamTags"] = [{"container": "classifier", "name": f"{name}:latest"}]
    return {"apiVersion": SDEP, "kind": "SeldonDeployment", "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"predictors": [{"name": "default", "graph": {"name": "classifier", "type": "MODEL"},
                                     "componentSpecs": [component]}]}}


def _converged(cluster: KubeEmulator, names: list[str]) -> bool:
    for name in reversed(names):  # the newest are the likeliest to be missing
        sdep = cluster.get(SDEP, "SeldonDeployment", name, NAMESPACE)
        if (sdep is None or (sdep.get("status") or {}).get("observedGeneration") != sdep["metadata"]["generation"]
                or cluster.get("apps/v1", "Deployment", f"{name}-default-0-classifier", NAMESPACE) is None
                or cluster.get("v1", "Service", f"{name}-default", NAMESPACE) is None
                or cluster.get("v1", "Service", f"{name}-default-classifier", NAMESPACE) is None
                or cluster.get("route.openshift.io/v1", "Route", name, NAMESPACE) is None):
            return False
    return True


def _push(cluster: KubeEmulator, stream: str, number: int) -> str:
    digest = f"sha256:{number:064x}"
    reference = f"{REGISTRY}/{NAMESPACE}/{stream}@{digest}"
    cluster.set_status("image.openshift.io/v1", "ImageStream", stream, {"tags": [
        {"tag": "latest", "items": [{"dockerImageReference": reference, "image": digest}]}]}, NAMESPACE)
    return reference


def _image(cluster: KubeEmulator, name: str) -> str | None:
    found = cluster.get("apps/v1", "Deployment", f"{name}-default-0-classifier", NAMESPACE)
    if found is None:
        return None
    return next(item["image"] for item in found["spec"]["template"]["spec"]["containers"]
                if item["name"] == "classifier")


def _wait(check: Any, timeout: float, step: float = 0.002) -> float:
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"timed out after {timeout}s")
        time.sleep(step)
    return time.perf_counter() - started


def _peak_rss_mib(pid: int) -> float:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(count: int, pushes: int) -> dict[str, float]:
    with KubeEmulator(event_log_size=200_000) as cluster, tempfile.TemporaryDirectory() as logs:
        cluster.register_crd(ROOT / "crds" / "machinelearning.seldon.io_seldondeployments.yaml")
        cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        command = [str(pathlib.Path(sys.executable).parent / "seldon-controller"), "run", "--kubeconfig",
                   str(cluster.kubeconfig_path), "--leader-election", "false", "--health-port", "0",
                   "--engine-image", "engine:bench", "--workers", "8"]
        log_path = pathlib.Path(os.environ.get("CONTROLLER_BENCH_LOG") or pathlib.Path(logs, "controller.log"))
        log = log_path.open("wb")
        controller = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
        try:
            cluster.create(_sdep("warmup"))
            _wait(lambda: _converged(cluster, ["warmup"]), 60)
            names = [f"model-{index:04d}" for index in range(count)]
            resource = cluster.resource(SDEP, "SeldonDeployment")
            started = time.perf_counter()
            for name in names:
                cluster.store.create(resource, NAMESPACE, _sdep(name), WriteOptions(field_manager="bench"))
            _wait(lambda: _converged(cluster, names), 600, step=0.2)
            converge = time.perf_counter() - started
            cluster.create({"apiVersion": "image.openshift.io/v1", "kind": "ImageStream",
                            "metadata": {"name": "pushed", "namespace": NAMESPACE}})
            _push(cluster, "pushed", 1)
            cluster.create(_sdep("pushed", tagged=True))
            _wait(lambda: _image(cluster, "pushed") is not None, 60)
            latencies = []
            for number in range(2, pushes + 2):
                started = time.perf_counter()
                reference = _push(cluster, "pushed", number)
                _wait(lambda reference=reference: _image(cluster, "pushed") == reference, 30)
                latencies.append(time.perf_counter() - started)
                time.sleep(0.05)
            rss = _peak_rss_mib(controller.pid)
            ticks = os.sysconf("SC_CLK_TCK")
            fields = pathlib.Path(f"/proc/{controller.pid}/stat").read_text().rsplit(")", 1)[1].split()
            controller_cpu = (int(fields[11]) + int(fields[12])) / ticks
            own = os.times()
            emulator_cpu = own.user + own.system
        finally:
            controller.terminate()
            controller.wait(timeout=30)
            log.close()
    return {"controller_cpu": controller_cpu, "emulator_cpu": emulator_cpu, "converge": converge, "push_median": statistics.median(latencies), "push_max": max(latencies),
            "rss": rss, "count": count, "pushes": pushes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500, help="SeldonDeployments created at once")
    parser.add_argument("--pushes", type=int, default=20, help="ImageStream pushes timed")
    arguments = parser.parse_args()
    figures = run(arguments.count, arguments.pushes)
    print("| measure | seldon-controller | target |")
    print("|---|---|---|")
    print(f"| {figures['count']:.0f} SeldonDeployments created at once → all converged | "
          f"{figures['converge']:.1f} s | ≤ {TARGETS['converge']:.0f} s |")
    print(f"| ImageStream push → Deployment patched (median / worst of {figures['pushes']:.0f}) | "
          f"{figures['push_median'] * 1000:.0f} ms / {figures['push_max'] * 1000:.0f} ms | ≤ {TARGETS['push']:.0f} s |")
    print(f"| controller peak RSS (VmHWM) | {figures['rss']:.0f} MiB | ≤ {TARGETS['rss']:.0f} MiB |")
    print(f"| CPU used: controller / emulator and this script | {figures['controller_cpu']:.1f} s / "
          f"{figures['emulator_cpu']:.1f} s | — |")
    met = (figures["converge"] <= TARGETS["converge"] and figures["push_max"] <= TARGETS["push"]
           and figures["rss"] <= TARGETS["rss"])
    print(f"\nissue 13 targets: {'all met' if met else 'NOT all met'}")


if __name__ == "__main__":
    main()
