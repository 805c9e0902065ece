"""The one error type subcommands raise for a clear one-line message (exit status 2, no traceback)."""

from __future__ import annotations


class CommandError(Exception):
    """A failure to report to the user as one clear line, with exit status 2 (no traceback)."""
