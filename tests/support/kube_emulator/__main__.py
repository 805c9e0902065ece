"""Serve the emulator by hand, to poke at it with a client: ``PYTHONPATH=tests/support python -m kube_emulator``.

Prints the kubeconfig path (use it as KUBECONFIG) and serves until interrupted.
"""

from __future__ import annotations

import argparse
import pathlib
import signal
import sys
import threading

import yaml

from kube_emulator.errors import ApiError
from kube_emulator.running import KubeEmulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kube_emulator", description=__doc__)
    parser.add_argument("--crd", action="append", default=[], type=pathlib.Path,
                        help="a CRD manifest to register (YAML, several documents allowed); repeatable")
    options = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with KubeEmulator() as cluster:
        for manifest in options.crd:
            try:
                cluster.register_crd(manifest)
            except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError, ApiError) as failure:
                print(f"kube_emulator: cannot register {manifest}: {failure}", file=sys.stderr)
                return 2
        print(f"serving {cluster.url}; KUBECONFIG={cluster.kubeconfig_path}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
