"""Entry point of ``seldon-microservice``."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence

from seldon_s2i.microservice import settings as settings_module

METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _prepare_metrics_dir() -> tuple[str, bool]:
    """A fresh multiprocess metrics folder; it must exist before prometheus_client is imported anywhere."""
    given = os.environ.get(METRICS_DIR_ENV)
    if given:
        os.makedirs(given, exist_ok=True)
        for name in os.listdir(given):
            if name.endswith(".db"):
                os.unlink(os.path.join(given, name))
        return given, False
    folder = tempfile.mkdtemp(prefix="seldon-metrics-")
    os.environ[METRICS_DIR_ENV] = folder
    return folder, True


def main(argv: Sequence[str] | None = None) -> int:
    settings = settings_module.parse(argv)
    configure_logging(settings.log_level)
    if settings.validate_only:
        from seldon_s2i.microservice.supervisor import validate

        return validate(settings)
    folder, created = _prepare_metrics_dir()
    try:
        from seldon_s2i.microservice.supervisor import run

        return run(settings)
    finally:
        if created:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
