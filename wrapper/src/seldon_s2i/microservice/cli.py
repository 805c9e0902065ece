"""Entry point of ``seldon-microservice``."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence

from seldon_s2i import environment
from seldon_s2i.microservice import settings as settings_module


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _prepare_metrics_dir(given: str | None) -> tuple[str, bool]:
    """A fresh multiprocess metrics folder; it must exist before prometheus_client is imported anywhere."""
    if given:
        os.makedirs(given, exist_ok=True)
        for name in os.listdir(given):
            if name.endswith(".db"):
                os.unlink(os.path.join(given, name))
        return given, False
    folder = tempfile.mkdtemp(prefix="seldon-metrics-")
    environment.export(settings_module.METRICS_DIR_VARIABLE, folder)  # prometheus_client reads it from there
    return folder, True


def main(argv: Sequence[str] | None = None) -> int:
    settings = settings_module.parse(argv)
    configure_logging(settings.log_level)
    if settings.validate_only:
        from seldon_s2i.microservice.supervisor import validate

        return validate(settings)
    folder, created = _prepare_metrics_dir(settings.metrics_dir)
    try:
        from seldon_s2i.microservice.supervisor import run

        return run(settings)
    finally:
        if created:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
