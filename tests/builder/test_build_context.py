"""``seldon-s2i build --as-dockerfile``: the build context and Dockerfile a user gets, and bad input.

Checks: the Dockerfile has OpenShift 4's Source-build shape (FROM builder, labels,
ENV from .s2i/environment then -e, COPY --chown=1001:0, USER 1001, RUN assemble,
CMD run); injected files are copied after the sources and removed after assemble
unless kept (ConfigMaps); values cannot break out of their quotes; .s2iignore leaves files out;
a source's .s2i/bin scripts replace the builder's; incremental builds add the
`cached` stage; every kind of bad input ends in one clear line, exit status 2,
no traceback and nothing written.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from model_images import SELDON_S2I, copy_example, git, s2i_build
from seldon_s2i.imagebuild.ignore import apply_ignore_file

BUILDER = "localhost/seldon-s2i/not-needed-for-as-dockerfile:1"


def write_context(source: Path, out: Path, *args: str) -> str:
    result = s2i_build(str(source), BUILDER, "example/model:1", "--as-dockerfile", str(out), *args)
    assert result.returncode == 0, result.stderr
    return (out / "Dockerfile").read_text()


def test_dockerfile_has_the_openshift_source_build_shape(tmp_path: Path) -> None:
    source = copy_example("model", tmp_path)
    dockerfile = write_context(source, tmp_path / "context", "-e", "SERVICE_TYPE=MODEL", "-e", 'QUOTED=a$HOME"b')

    lines = dockerfile.splitlines()
    instructions = [line.split()[0] for line in lines if line and not line.startswith(("#", " "))]
    # s2i 1.6.3's order: no USER root, the COPY --chown runs as the builder's user.
    assert instructions == ["FROM", "LABEL", "ENV", "COPY", "USER", "RUN", "CMD"]
    assert f"FROM {BUILDER}" in lines
    assert '"io.openshift.s2i.build.image"="localhost/seldon-s2i/not-needed-for-as-dockerfile:1"' in dockerfile
    assert '"io.k8s.display-name"="example/model:1"' in dockerfile
    assert 'MODEL_NAME="MyModel"' in dockerfile
    # $ is escaped, so the value reaches the image literally instead of expanding at build time.
    assert 'QUOTED="a\\$HOME\\"b"' in dockerfile
    assert "COPY --chown=1001:0 upload/src /tmp/src" in lines
    assert lines[lines.index("COPY --chown=1001:0 upload/src /tmp/src") + 1] == "USER 1001"
    assert "RUN /usr/libexec/s2i/assemble" in lines
    assert lines[-1] == 'CMD ["/usr/libexec/s2i/run"]'
    staged = tmp_path / "context" / "upload" / "src"
    assert (staged / "MyModel.py").read_text() == (source / "MyModel.py").read_text()
    assert (staged / ".s2i" / "environment").is_file()


def test_command_line_environment_wins_over_the_s2i_environment_file(tmp_path: Path) -> None:
    source = copy_example("model", tmp_path)
    env_file = tmp_path / "build.env"
    env_file.write_text("# comment\nPERSISTENCE=1\nFROM_FILE=yes\n")
    dockerfile = write_context(source, tmp_path / "context", "-E", str(env_file), "-e", "MODEL_NAME=Other")
    assert 'MODEL_NAME="Other"' in dockerfile and 'MODEL_NAME="MyModel"' not in dockerfile
    assert 'PERSISTENCE="1"' in dockerfile and 'FROM_FILE="yes"' in dockerfile


def test_s2iignore_leaves_listed_files_out_of_the_build(tmp_path: Path) -> None:
    source = copy_example("model", tmp_path)
    (source / "training-data").mkdir()
    (source / "training-data" / "big.csv").write_text("1,2,3\n")
    (source / "debug.log").write_text("noise")
    (source / "keep.log").write_text("needed")
    (source / ".s2iignore").write_text("# not for the image\ntraining-data\n*.log\n!keep.log\n")
    write_context(source, tmp_path / "context")
    staged = tmp_path / "context" / "upload" / "src"
    assert not (staged / "training-data").exists()
    assert not (staged / "debug.log").exists()
    assert (staged / "keep.log").read_text() == "needed"
    assert (staged / "MyModel.py").is_file()
    assert (source / "debug.log").exists(), "the user's own folder must be left alone"


def test_ignore_rules_are_not_recursive_and_stay_inside_the_source(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "top.tmp").write_text("x")
    (source / "sub" / "nested.tmp").write_text("x")
    (tmp_path / "outside.tmp").write_text("x")
    (source / ".s2iignore").write_text("*.tmp\n../outside.tmp\n.s2iignore\n")
    removed = apply_ignore_file(source)
    assert removed == [source / "top.tmp"]
    assert (source / "sub" / "nested.tmp").exists()  # like .dockerignore: list sub-folders explicitly
    assert (tmp_path / "outside.tmp").exists()
    assert (source / ".s2iignore").exists()


def test_source_scripts_replace_the_builders(tmp_path: Path) -> None:
    source = copy_example("model", tmp_path)
    (source / ".s2i" / "bin").mkdir()
    run_script = source / ".s2i" / "bin" / "run"
    run_script.write_text("#!/bin/bash\nexec /usr/libexec/s2i/run --workers 2\n")
    run_script.chmod(0o755)
    dockerfile = write_context(source, tmp_path / "context")
    assert "COPY --chown=1001:0 upload/scripts /tmp/scripts" in dockerfile
    assert dockerfile.splitlines()[-1] == 'CMD ["/tmp/scripts/run"]'
    assert "RUN /usr/libexec/s2i/assemble" in dockerfile  # not overridden, still the builder's
    assert (tmp_path / "context" / "upload" / "scripts" / "run").read_text() == run_script.read_text()


def test_git_source_records_its_commit_in_labels(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    repository.mkdir()
    git("init", "--quiet", "--initial-branch=main", cwd=repository)
    copy_example("model", repository)
    git("add", ".", cwd=repository)
    git("commit", "--quiet", "-m", "Add the model", cwd=repository)
    commit = git("rev-parse", "HEAD", cwd=repository)
    url = f"file://{repository}"
    context = str(tmp_path / "context")
    result = s2i_build(url, BUILDER, "example/model:1", "--as-dockerfile", context, "--context-dir", "model", "--ref", "main")
    assert result.returncode == 0, result.stderr
    dockerfile = (tmp_path / "context" / "Dockerfile").read_text()
    assert f'"io.openshift.s2i.build.commit.id"="{commit}"' in dockerfile
    assert '"io.openshift.s2i.build.commit.ref"="main"' in dockerfile
    assert '"io.openshift.s2i.build.commit.message"="Add the model"' in dockerfile
    assert '"io.openshift.s2i.build.source-context-dir"="model"' in dockerfile
    assert f'"io.openshift.s2i.build.source-location"="{url}"' in dockerfile
    assert not (tmp_path / "context" / "upload" / "src" / ".git").exists()


def _bad_cases(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    model = copy_example("model", tmp_path)
    broken_env = copy_example("router", tmp_path)
    (broken_env / ".s2i" / "environment").write_text("MODEL_NAME=MyRouter\nthis line has no equals sign\n")
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "precious.txt").write_text("keep me")
    repository = tmp_path / "repo"
    repository.mkdir()
    git("init", "--quiet", cwd=repository)
    (repository / "README").write_text("x")
    git("add", ".", cwd=repository)
    git("commit", "--quiet", "-m", "x", cwd=repository)
    out = str(tmp_path / "out")
    return {
        "missing source": ([str(tmp_path / "nowhere"), BUILDER, "x"], "is neither a folder nor a git URL"),
        "no output image": ([str(model), BUILDER], "give the output image name"),
        "env without value": ([str(model), BUILDER, "x", "-e", "NOEQUALS"], "-e/--env: expected NAME=VALUE, got 'NOEQUALS'"),
        "env bad name": ([str(model), BUILDER, "x", "-e", "1X=2"], "is not a valid environment variable name"),
        "ref on a plain folder": ([str(model), BUILDER, "x", "--ref", "main"], "--ref needs a git source"),
        "context dir escapes": ([str(model), BUILDER, "x", "--context-dir", "../router"], "relative path inside"),
        "context dir missing": ([str(model), BUILDER, "x", "--context-dir", "nope"], "is not a folder of the source"),
        "bad environment file": ([str(broken_env), BUILDER, "x", "--as-dockerfile", out], "environment:2: expected NAME=VALUE"),
        "occupied output folder": ([str(model), BUILDER, "--as-dockerfile", str(occupied)], "not an empty folder"),
        "unknown git url": (["file:///nonexistent/repo.git", BUILDER, "x"], "could not clone file:///nonexistent/repo.git"),
        "unknown ref": ([f"file://{repository}", BUILDER, "x", "--ref", "no-such-branch"], "'no-such-branch' is not a branch, tag or commit"),
        "builder not built": ([str(model), "localhost/seldon-s2i/no-such-builder:1", "x"], "is not present (build it with"),
        "missing CA file": ([str(model), BUILDER, "x", "--trusted-ca", str(tmp_path / "none.pem")], "is not a readable file"),
        "incremental without image": ([str(model), BUILDER, "--incremental", "--as-dockerfile", out], "--incremental needs the output image"),
        "root assemble user": ([str(model), BUILDER, "x", "--assemble-user", "root", "--as-dockerfile", out], "numeric, non-root"),
    }


CASES = [
    "missing source", "no output image", "env without value", "env bad name", "ref on a plain folder",
    "context dir escapes", "context dir missing", "bad environment file", "occupied output folder",
    "unknown git url", "unknown ref", "builder not built", "missing CA file", "incremental without image", "root assemble user",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gets_one_clear_line(tmp_path: Path, case: str) -> None:
    args, expected = _bad_cases(tmp_path)[case]
    result = subprocess.run([str(SELDON_S2I), "build", *args], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("seldon-s2i build: error: ")
    assert expected in last
    assert not (tmp_path / "out" / "Dockerfile").exists()
    assert (tmp_path / "occupied" / "precious.txt").read_text() == "keep me"


def test_injected_files_are_copied_after_the_sources_and_removed_after_assemble(tmp_path: Path) -> None:
    source = copy_example("model", tmp_path)
    secret, config_map = tmp_path / "secret", tmp_path / "config"
    (secret / "nested").mkdir(parents=True)
    (secret / "pip.conf").write_text("[global]\n")
    (secret / "nested" / "token").write_text("t")
    config_map.mkdir()
    (config_map / "settings.ini").write_text("x")
    dockerfile = write_context(
        source, tmp_path / "context", "-i", f"{secret}:.pip-secret", "--config-map", f"{config_map}:/etc/model"
    )
    lines = dockerfile.splitlines()
    copies = [line for line in lines if line.startswith("COPY")]
    assert copies == [
        "COPY --chown=1001:0 upload/src /tmp/src",
        # The builder is not present here, so a relative DEST is under s2i images' working directory.
        "COPY --chown=1001:0 upload/injections/0 /opt/app-root/src/.pip-secret",
        "COPY --chown=1001:0 upload/injections/1 /etc/model",
    ]
    assemble = lines.index("RUN /usr/libexec/s2i/assemble")
    assert lines[assemble + 1] == (
        'RUN rm "/opt/app-root/src/.pip-secret/nested/token" "/opt/app-root/src/.pip-secret/pip.conf"'
    )
    assert "settings.ini" not in dockerfile  # a ConfigMap stays in the image
    injected = tmp_path / "context" / "upload" / "injections"
    assert (injected / "0" / "pip.conf").read_text() == "[global]\n"
    assert (injected / "1" / "settings.ini").read_text() == "x"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("no-colon", "-i/--inject expects SRC:DEST"),
        ("{missing}:.secret", "does not exist"),
        ("{present}:../outside", "DEST may not contain '..'"),
    ],
)
def test_bad_injections_are_refused_before_anything_is_written(tmp_path: Path, value: str, expected: str) -> None:
    source = copy_example("model", tmp_path)
    (tmp_path / "present").write_text("x")
    value = value.format(missing=tmp_path / "missing", present=tmp_path / "present")
    result = s2i_build(str(source), BUILDER, "example/model:1", "--as-dockerfile", str(tmp_path / "out"), "-i", value)
    assert result.returncode == 2
    assert expected in result.error_line and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
