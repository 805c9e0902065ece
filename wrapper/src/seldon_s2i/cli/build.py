"""``seldon-s2i build SOURCE BUILDER_IMAGE OUTPUT_IMAGE``: an s2i build without s2i or a daemon.

It fetches the sources (folder or git URL), writes the build context that
``s2i build --as-dockerfile`` (OpenShift 4's Source strategy) would write, and
builds it with buildah or podman. Registered by ``seldon_s2i.cli.main``.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from seldon_s2i.assignments import parse_assignments
from seldon_s2i.cli.errors import CommandError
from seldon_s2i.imagebuild import dockerfile, engine, injections, source

SCRIPTS_URL_LABELS = ("io.openshift.s2i.scripts-url", "io.s2i.scripts-url")
DESTINATION_LABELS = ("io.openshift.s2i.destination", "io.s2i.destination")
ASSEMBLE_USER_LABEL = "io.openshift.s2i.assemble-user"
# Where OpenShift's BuildConfig mountTrustedCA puts the cluster's CA bundle; assemble hands it to pip.
TRUSTED_CA_PATH = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"
# Records what an image's installed dependencies depend on, so a later incremental build can reuse them.
REUSE_KEY_LABEL = "io.seldon-s2i.reuse-key"
# Incremental builds on top of earlier ones add a small layer each; after this many, start from the builder again.
MAX_STACKED_BUILDS = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="folder or git URL (https://, ssh://, git@host:path, file://) of the sources")
    parser.add_argument("builder_image", metavar="builder-image", help="the s2i builder, e.g. seldon-python")
    parser.add_argument(
        "output_image", metavar="output-image", nargs="?", help="name of the image to build (not needed with --as-dockerfile)"
    )
    parser.add_argument("--context-dir", help="sub-folder of the source that holds the application")
    parser.add_argument("--ref", help="branch, tag or commit to build from a git source")
    parser.add_argument(
        "-e", "--env", action="append", default=[], metavar="NAME=VALUE",
        help="build and run-time environment variable; wins over .s2i/environment (repeatable)",
    )
    parser.add_argument(
        "-E", "--environment-file", action="append", default=[], type=Path, metavar="FILE",
        help="file of NAME=VALUE lines, like .s2i/environment (repeatable)",
    )
    parser.add_argument("--label", action="append", default=[], metavar="NAME=VALUE", help="extra output image label")
    parser.add_argument(
        "-i", "--inject", action="append", default=[], metavar="SRC:DEST",
        help="copy a file or folder into DEST for assemble and remove it afterwards, like a BuildConfig's "
        "source secret (a relative DEST is under the builder's working directory; repeatable)",
    )
    parser.add_argument(
        "--config-map", action="append", default=[], metavar="SRC:DEST",
        help="copy a file or folder into DEST and keep it in the image, like a BuildConfig's source ConfigMap",
    )
    parser.add_argument(
        "--incremental", action="store_true",
        help="reuse the previous output image's saved artifacts (installed dependencies)",
    )
    parser.add_argument(
        "--incremental-from", metavar="IMAGE", help="take the artifacts from IMAGE instead of the output image"
    )
    parser.add_argument(
        "--trusted-ca", type=Path, metavar="FILE",
        help="CA bundle mounted read-only into the build steps (TLS-intercepting proxies); never stored in the image",
    )
    parser.add_argument("--assemble-user", help="numeric user that runs assemble (default: the builder's label or 1001)")
    parser.add_argument("--as-dockerfile", type=Path, metavar="DIR", help="only write the Dockerfile and its context to DIR")
    parser.add_argument("--engine", choices=engine.ENGINES, help="image builder to use (default: buildah, else podman)")
    parser.add_argument("-q", "--quiet", action="store_true", help="show only the build steps and the s2i progress lines")


def _progress(message: str) -> None:
    print(f"---> {message}", file=sys.stderr, flush=True)


def _scripts_dir(labels: dict[str, str]) -> str:
    for key in SCRIPTS_URL_LABELS:
        url = labels.get(key, "")
        if url.startswith("image://"):
            return url.removeprefix("image://")
        if url:
            raise CommandError(f"the builder's {key} label is {url!r}; only image:// script locations are supported")
    return dockerfile.DEFAULT_SCRIPTS_DIR


def _assemble_user(requested: str | None, config: engine.ImageConfig | None) -> str:
    labels = config.labels if config else {}
    image_user = (config.user if config else "").partition(":")[0]
    user = requested or labels.get(ASSEMBLE_USER_LABEL) or image_user or dockerfile.DEFAULT_ASSEMBLE_USER
    if not user.isdigit() or int(user) == 0:
        # OpenShift's restricted builds insist on a numeric, non-root assemble user.
        raise CommandError(f"the assemble user must be a numeric, non-root user id like 1001, not {user!r}")
    return user


def _reuse_key(builder_id: str, staged: Path, environment: dict[str, str], scripts: dict[str, Path]) -> str:
    """Everything that decides an image's contents apart from the application code itself."""
    digest = hashlib.sha256(f"builder {builder_id}\n".encode())
    for name, value in sorted(environment.items()):
        digest.update(f"env {name}={value}\n".encode())
    files = {name: staged / name for name in source.DEPENDENCY_FILES} | {f"script {n}": p for n, p in scripts.items()}
    for name, path in sorted(files.items()):
        if path.is_file():
            digest.update(f"file {name}\n".encode() + path.read_bytes() + b"\n")
    return digest.hexdigest()


def _image_to_extend(builder: str, previous: str, builder_config: engine.ImageConfig | None, key: str) -> str | None:
    """``previous`` if it already holds exactly these dependencies and settings (and not too many layers)."""
    config = engine.image_config(builder, previous)
    if config is None or builder_config is None or config.labels.get(REUSE_KEY_LABEL) != key:
        return None
    if config.layers - builder_config.layers > MAX_STACKED_BUILDS:
        _progress(f"{previous} stacks {MAX_STACKED_BUILDS} incremental builds; this one starts from the builder again")
        return None
    return previous


def _check_output_folder(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CommandError(f"--as-dockerfile {folder} exists and is not an empty folder; nothing was written")


def _stage_scripts(scripts: dict[str, Path], build_context: Path) -> None:
    if not scripts:
        return
    (build_context / dockerfile.UPLOAD_SCRIPTS).mkdir(parents=True)
    for name, path in scripts.items():
        shutil.copy2(path, build_context / dockerfile.UPLOAD_SCRIPTS / name)
    _progress(f"Using the source's own .s2i/bin scripts: {', '.join(sorted(scripts))}")


def _builder_config(builder: str, image: str, only_writing: bool) -> engine.ImageConfig | None:
    config = engine.image_config(builder, image)
    if config is None and not only_writing:
        # Nothing can pull a localhost/ image, so say so now instead of after the pull's retries.
        if image.startswith("localhost/"):
            raise CommandError(f"builder image {image} is not present (build it with builder/build-image)")
        _progress(f"Builder image {image} is not present locally; {builder} will try to pull it")
    return config


def _incremental_sources(
    args: argparse.Namespace, builder: str, config: engine.ImageConfig | None, reuse_key: str
) -> tuple[str | None, str | None]:
    """(image whose save-artifacts to use, image to build on): at most one is set."""
    if not (args.incremental or args.incremental_from):
        return None, None
    previous = args.incremental_from or args.output_image
    if not engine.image_exists(builder, previous):
        _progress(f"Incremental build: no previous image {previous}, so this build starts clean")
        return None, None
    if _image_to_extend(builder, previous, config, reuse_key):
        _progress(f"Incremental build: {previous} has the same dependencies and settings; building on it")
        return None, previous
    _progress(f"Incremental build: reusing the artifacts of {previous}")
    return previous, None


def _check_arguments(args: argparse.Namespace) -> None:
    if args.output_image is None and args.as_dockerfile is None:
        raise CommandError("give the output image name, or --as-dockerfile DIR to only write the build context")
    if (args.incremental or args.incremental_from) and args.output_image is None and args.incremental_from is None:
        raise CommandError("--incremental needs the output image name (its previous version holds the artifacts)")
    if args.trusted_ca is not None and not args.trusted_ca.is_file():
        raise CommandError(f"--trusted-ca {args.trusted_ca} is not a readable file")
    if args.as_dockerfile is not None:
        _check_output_folder(args.as_dockerfile)
    for option, values in (("-i/--inject", args.inject), ("--config-map", args.config_map)):
        for value in values:
            injections.parse(value, option)


def _injections(args: argparse.Namespace, build_context: Path, config: engine.ImageConfig | None) -> tuple[
    dockerfile.Injection, ...
]:
    requested = [(*injections.parse(value, "-i/--inject"), False) for value in args.inject] + [
        (*injections.parse(value, "--config-map"), True) for value in args.config_map
    ]
    if not requested:
        return ()
    working_dir = (config.workdir if config else "") or injections.DEFAULT_WORKING_DIR
    return injections.stage(requested, build_context, working_dir)


def _command_line_environment(args: argparse.Namespace) -> dict[str, str]:
    environment: dict[str, str] = {}
    for env_file in args.environment_file:
        if not env_file.is_file():
            raise CommandError(f"--environment-file {env_file} is not a file")
        environment |= source.read_environment_file(env_file)
    return environment | parse_assignments(args.env, "-e/--env", environment_names=True)


def handle(args: argparse.Namespace) -> int:
    _check_arguments(args)
    extra_env = _command_line_environment(args)
    extra_labels = parse_assignments(args.label, "--label")
    builder = engine.find_engine(args.engine)
    started = time.monotonic()

    # Everything is staged in a scratch folder; --as-dockerfile DIR receives it only once complete.
    with tempfile.TemporaryDirectory(prefix="seldon-s2i-build-") as scratch_name:
        scratch = Path(scratch_name)
        if source.is_git_url(args.source):
            _progress(f"Cloning {args.source}" + (f" at {args.ref}" if args.ref else ""))
        root, info = source.fetch(args.source, args.ref, scratch)
        context = source.context_folder(root, args.context_dir)
        build_context = scratch / "context"
        staged = build_context / dockerfile.UPLOAD_SOURCES
        for removed in source.stage_sources(context, staged):
            _progress(f"Leaving out {removed.relative_to(staged)} (.s2iignore)")
        environment = source.read_environment_file(staged / source.ENVIRONMENT_FILE) | extra_env
        scripts = source.override_scripts(staged)
        _stage_scripts(scripts, build_context)

        config = _builder_config(builder, args.builder_image, only_writing=args.as_dockerfile is not None)
        labels = config.labels if config else {}
        reuse_key = _reuse_key(config.id if config else args.builder_image, staged, environment, scripts)
        incremental_from, extend_image = _incremental_sources(args, builder, config, reuse_key)
        plan = dockerfile.BuildPlan(
            builder_image=args.builder_image,
            output_image=args.output_image,
            environment=environment,
            labels=dockerfile.output_labels(args.builder_image, args.output_image, info, args.context_dir)
            | {REUSE_KEY_LABEL: reuse_key}
            | extra_labels,
            scripts_dir=_scripts_dir(labels),
            destination=next((labels[key] for key in DESTINATION_LABELS if labels.get(key)), dockerfile.DEFAULT_DESTINATION),
            assemble_user=_assemble_user(args.assemble_user, config),
            override_scripts=frozenset(scripts),
            incremental_from=incremental_from,
            extend_image=extend_image,
            injections=_injections(args, build_context, config),
        )
        (build_context / "Dockerfile").write_text(dockerfile.render(plan), encoding="utf-8")
        volumes = [f"{args.trusted_ca.resolve()}:{TRUSTED_CA_PATH}:ro"] if args.trusted_ca else []

        if args.as_dockerfile is not None:
            shutil.copytree(build_context, args.as_dockerfile, symlinks=True, dirs_exist_ok=True)
            command = engine.build_command(builder, args.as_dockerfile, args.output_image or "IMAGE", volumes)
            _progress(f"Wrote {args.as_dockerfile / 'Dockerfile'} and its context; build it with: {' '.join(command)}")
            return 0
        _progress(f"Building {args.output_image} from {args.builder_image} with {builder}")
        engine.build_image(builder, build_context, args.output_image, volumes, quiet=args.quiet)
    _progress(f"Built {args.output_image} in {time.monotonic() - started:.1f} s")
    print(args.output_image)
    return 0


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "build",
        help="build a model image from a source folder or git URL with an s2i builder (no s2i or daemon needed)",
        description=(
            "Build SOURCE (a folder, or a git URL with --ref) with the s2i builder BUILDER_IMAGE into OUTPUT_IMAGE, "
            "writing the Dockerfile OpenShift 4's Source strategy would write and building it with buildah or podman."
        ),
    )
    add_arguments(parser)
    parser.set_defaults(handler=handle)
