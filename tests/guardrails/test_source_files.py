"""Rules every source file of the repository keeps (the import contracts run in scripts/test, lint-imports)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FOLDERS = ("wrapper", "graph", "controller", "tests", "bench", "examples")
MAX_LINES = 400
# Build output and generated code are not ours to keep short.
SKIPPED_PARTS = {"build", "dist", "__pycache__", ".eggs"}


def python_sources() -> list[Path]:
    sources = []
    for folder in FOLDERS:
        for path in (REPO / folder).rglob("*.py"):
            relative = path.relative_to(REPO)
            if "_pb2" in path.name or SKIPPED_PARTS & set(relative.parts):
                continue
            if any(part.endswith(".egg-info") for part in relative.parts):
                continue
            sources.append(path)
    return sources


def test_the_scan_finds_the_sources() -> None:
    found = {path.relative_to(REPO).as_posix() for path in python_sources()}
    assert "wrapper/src/seldon_s2i/service.py" in found
    assert "tests/guardrails/test_source_files.py" in found
    assert not any("_pb2" in name for name in found)


def test_no_source_file_is_over_400_lines() -> None:
    too_long = {}
    for path in python_sources():
        with path.open("rb") as handle:
            lines = sum(1 for _ in handle)
        if lines > MAX_LINES:
            too_long[path.relative_to(REPO).as_posix()] = lines
    assert too_long == {}, f"split these by responsibility (at most {MAX_LINES} lines a file): {too_long}"
