"""Build benchmark of issue 4: seldon-python builds vs Seldon's published approach, one table.

Run as root from anywhere: `.venv/bin/python bench/build_bench.py` (`--help` for the knobs). It builds the
local base image and the builder (tests/support/model_images.py), then measures, on this machine:

1. clean builds of examples/model with a real ML dependency (scikit-learn) added, and one-line code changes
   rebuilt with `--incremental` (target: >= 5x faster than clean), plus a settings change rebuilt with
   `--incremental`, which takes s2i's save-artifacts way;
2. the image size of examples/model built by us vs the same model in an image made the way Seldon
   publishes it (pip install of seldon-core 1.18.2 on the same base);
3. container start -> ready (first `pong` on /health/ping) for both images (target for ours: <= 1 s).

Prints one Markdown table, also written to bench/results/build.md (raw numbers in build.json).
Exit status 1 if a build or a container failed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))

import model_images  # noqa: E402  (a shared test-support module, not an installed package)

RESULTS = REPO / "bench" / "results"
OURS = "localhost/seldon-s2i-bench/model:latest"
ML_IMAGE = "localhost/seldon-s2i-bench/sklearn-model:latest"
SELDON_IMAGE = "localhost/seldon-s2i-bench/seldon-core-model:latest"
SELDON_CORE = "seldon-core==1.18.2"
SKLEARN_REQUIREMENTS = "numpy\nscikit-learn\n"
TRUSTED_CA_MOUNT = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"

# Seldon's way: pip install seldon-core into the base, copy the model in, run seldon-core-microservice.
SELDON_CONTAINERFILE = """\
FROM {base}
RUN set -eu; ca={ca}; if [ -s "$ca" ]; then export PIP_CERT="$ca"; fi; \\
    python3 -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir --quiet {seldon_core} numpy
COPY model/ /microservice/
WORKDIR /microservice
ENV PATH=/opt/venv/bin:$PATH
USER 1001
CMD ["seldon-core-microservice", "MyModel", "--service-type", "MODEL"]
"""


def build_or_fail(*args: str) -> float:
    result = model_images.s2i_build(*args, "--quiet", *model_images.trusted_ca_args())
    if result.returncode != 0:
        raise SystemExit(f"build failed: {' '.join(args)}\n{result.stderr[-3000:]}")
    return result.seconds


def build_times(scratch: Path, builder: str, rebuilds: int) -> dict[str, list[float]]:
    source = model_images.copy_example("model", scratch)
    (source / "requirements.txt").write_text(SKLEARN_REQUIREMENTS)
    model = source / "MyModel.py"

    def change_one_line(version: int) -> None:
        text = model.read_text()
        start = text.index('"model": "softmax')
        end = text.index('"', start + len('"model": "'))
        model.write_text(text[:start] + f'"model": "softmax-{version}' + text[end:])

    model_images.remove_image(ML_IMAGE)
    clean = [build_or_fail(str(source), builder, ML_IMAGE)]
    incremental = []
    for version in range(rebuilds):
        change_one_line(version)
        incremental.append(build_or_fail(str(source), builder, ML_IMAGE, "--incremental"))
    # A changed setting cannot build on the previous image: s2i's save-artifacts way.
    s2i_way = build_or_fail(str(source), builder, ML_IMAGE, "--incremental", "-e", "GUNICORN_WORKERS=2")
    change_one_line(rebuilds)
    clean.append(build_or_fail(str(source), builder, ML_IMAGE, "-e", "GUNICORN_WORKERS=2"))
    model_images.remove_image(ML_IMAGE)
    return {"clean": clean, "incremental": incremental, "incremental_s2i_way": [s2i_way]}


def build_seldon_core_image(scratch: Path, base: str) -> float:
    context = scratch / "seldon-core-context"
    context.mkdir()
    shutil.copytree(model_images.EXAMPLES / "model", context / "model")
    text = SELDON_CONTAINERFILE.format(base=base, ca=TRUSTED_CA_MOUNT, seldon_core=SELDON_CORE)
    (context / "Containerfile").write_text(text)
    command = ["buildah", "build", "--layers=false", "-f", str(context / "Containerfile"), "-t", SELDON_IMAGE]
    if model_images.HOST_CA_BUNDLE.is_file():
        command += ["-v", f"{model_images.HOST_CA_BUNDLE}:{TRUSTED_CA_MOUNT}:ro"]
    started = time.monotonic()
    result = subprocess.run([*command, str(context)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"building the seldon-core image failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.monotonic() - started


def image_size(image: str) -> int:
    size = model_images.image_inspect(image)["Size"]
    assert isinstance(size, int)
    return size


# The floor: the smallest Python server answering the health check, started the same way from the base image.
PONG_SERVER = """
import http.server
class Pong(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"pong")
http.server.HTTPServer(("0.0.0.0", 9000), Pong).serve_forever()
"""


def start_to_ready(image: str, runs: int, command: tuple[str, ...] = ()) -> list[float]:
    seconds = []
    for _ in range(runs):
        with model_images.running_container(image, timeout=120, command=command) as container:
            seconds.append(container.ready_at - container.started_at)
    return seconds


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.0f} MB"


def report(numbers: dict[str, object]) -> str:
    times = numbers["build_seconds"]
    sizes = numbers["image_bytes"]
    ready = numbers["start_to_ready_seconds"]
    assert isinstance(times, dict) and isinstance(sizes, dict) and isinstance(ready, dict)
    clean, incremental = statistics.median(times["clean"]), statistics.median(times["incremental"])
    speedup = clean / incremental
    ours_ready = statistics.median(ready["ours"])
    rows = [
        "| measurement | seldon-s2i | Seldon's approach (pip install seldon-core 1.18.2) | target |",
        "|---|---|---|---|",
        f"| clean build, model + scikit-learn, median of {len(times['clean'])} | {clean:.1f} s | | |",
        f"| rebuild after a one-line code change, `--incremental`, median of {len(times['incremental'])} "
        f"| {incremental:.1f} s | | |",
        f"| rebuild after a settings change, `--incremental` (s2i's save-artifacts way) "
        f"| {times['incremental_s2i_way'][0]:.1f} s | | |",
        f"| incremental speed-up | {speedup:.1f}x | | >= 5x: {'met' if speedup >= 5 else 'NOT met'} |",
        f"| image size, examples/model | {megabytes(sizes['ours'])} | {megabytes(sizes['seldon_core'])} | smaller |",
        f"| of which on top of the base ({megabytes(sizes['base'])}) | {megabytes(sizes['ours'] - sizes['base'])} "
        f"| {megabytes(sizes['seldon_core'] - sizes['base'])} | |",
        f"| container start -> ready, median of {len(ready['ours'])} | {ours_ready:.2f} s "
        f"| {statistics.median(ready['seldon_core']):.2f} s | <= 1 s: {'met' if ours_ready <= 1 else 'NOT met'} |",
        f"| the same start for a 6-line Python HTTP server on the base image (podman + Python floor) "
        f"| {statistics.median(ready['python_floor']):.2f} s | | |",
        f"| building that image | {numbers['ours_build_seconds']:.1f} s | {numbers['seldon_core_build_seconds']:.1f} s | |",
    ]
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="container starts to time per image (default 5)")
    parser.add_argument("--rebuilds", type=int, default=3, help="incremental rebuilds to time (default 3)")
    parser.add_argument("--no-write", action="store_true", help="print the table only, do not write bench/results")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.rebuilds < 1:
        parser.error("--runs and --rebuilds must be at least 1")

    builder = model_images.ensure_builder("localhost/seldon-s2i/seldon-python:bench")
    base = subprocess.run([str(model_images.BASE_IMAGE_SCRIPT)], capture_output=True, text=True, check=True)
    base_image = base.stdout.strip().splitlines()[-1]
    with tempfile.TemporaryDirectory(prefix="seldon-s2i-bench-") as scratch_name:
        scratch = Path(scratch_name)
        times = build_times(scratch, builder, args.rebuilds)
        model_images.remove_image(OURS)
        ours_build = build_or_fail(str(model_images.EXAMPLES / "model"), builder, OURS)
        seldon_build = build_seldon_core_image(scratch, base_image)
    numbers: dict[str, object] = {
        "build_seconds": times,
        "ours_build_seconds": ours_build,
        "seldon_core_build_seconds": seldon_build,
        "image_bytes": {"ours": image_size(OURS), "seldon_core": image_size(SELDON_IMAGE), "base": image_size(base_image)},
        "start_to_ready_seconds": {
            "ours": start_to_ready(OURS, args.runs),
            "seldon_core": start_to_ready(SELDON_IMAGE, args.runs),
            "python_floor": start_to_ready(base_image, args.runs, ("python3", "-c", PONG_SERVER)),
        },
        "base_image": base_image,
        "builder_image": builder,
    }
    table = report(numbers)
    print(table)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "build.md").write_text(table)
        (RESULTS / "build.json").write_text(json.dumps(numbers, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
