"""The one error type subcommands raise for a clear one-line message (exit status 2, no traceback).

Defined in :mod:`seldon_s2i.command_error`, below the library packages that raise it too.
"""

from __future__ import annotations

from seldon_s2i.command_error import CommandError

__all__ = ["CommandError"]
