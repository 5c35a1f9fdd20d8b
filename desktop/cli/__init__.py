"""Headless commands of ``sotreem`` (init, demo, report, sync, backup, import, …).

``main`` builds the parser and dispatches; one module per command group sits below it;
``common`` (errors, password, opening the book) sits below them all.
"""

from desktop.cli.main import run_cli

__all__ = ["run_cli"]
