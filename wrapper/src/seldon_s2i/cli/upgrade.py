"""``seldon-s2i upgrade``: playbooks/install.yml again, with a new controller version (see
``seldon_s2i.cli.install``). Registered by ``seldon_s2i.cli.main``.
"""

from __future__ import annotations

from typing import Any

from seldon_s2i.cli import install


def register(subparsers: Any) -> None:
    install.register_upgrade(subparsers)
