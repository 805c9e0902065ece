"""The ``seldon-s2i`` command: one module a subcommand, ``main`` in ``seldon_s2i.cli.main``.

Each subcommand module exposes ``register(subparsers)``, adding a parser whose
``handler`` default takes the parsed arguments and returns the exit code.
Failures meant for the user are ``seldon_s2i.cli.errors.CommandError``.
"""
