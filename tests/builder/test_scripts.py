"""The builder's shell scripts: short, strict and clean under shellcheck.

Checks: every s2i script and helper script passes shellcheck, runs with
`set -euo pipefail`, and each s2i script stays under 80 lines (helpers first,
then one straight flow); `assemble -h` prints the usage text.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from model_images import REPO

S2I_SCRIPTS = sorted((REPO / "builder" / "s2i" / "bin").iterdir())
HELPER_SCRIPTS = [REPO / "builder" / "build-image", REPO / "scripts" / "base-image", REPO / "scripts" / "release-images"]


def test_shellcheck_passes() -> None:
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is not installed: run scripts/setup-dev as root"
    result = subprocess.run([shellcheck, *map(str, S2I_SCRIPTS + HELPER_SCRIPTS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("script", S2I_SCRIPTS + HELPER_SCRIPTS, ids=lambda path: path.name)
def test_scripts_are_strict(script: Path) -> None:
    text = script.read_text()
    assert text.startswith("#!/bin/bash\n") or text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text


@pytest.mark.parametrize("script", S2I_SCRIPTS, ids=lambda path: path.name)
def test_s2i_scripts_stay_short(script: Path) -> None:
    assert len(script.read_text().splitlines()) < 80


def test_assemble_help_prints_usage() -> None:
    assemble = subprocess.run([str(REPO / "builder" / "s2i" / "bin" / "assemble"), "-h"], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "STI_SCRIPTS_PATH": str(REPO / "builder" / "s2i" / "bin")})
    assert assemble.returncode == 0
    assert assemble.stdout.startswith("seldon-python: builds a Python class")
