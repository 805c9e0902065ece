"""The error a command's code raises for a clear one-line message (exit status 2, no traceback).

It lives below every package so that library code (``imagebuild``, ``assignments``) can raise it without
importing the ``seldon_s2i.cli`` entry point; the CLI re-exports it as ``seldon_s2i.cli.errors.CommandError``.
"""

from __future__ import annotations


class CommandError(Exception):
    """A failure to report to the user as one clear line, with exit status 2 (no traceback)."""
