"""`python -m desktop` / `sotreem`: the GUI by default, subcommands for headless work."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `sotreem` console script."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        from desktop.ui.app import run_gui

        return run_gui(sys.argv[:1])
    from desktop.cli import run_cli

    return run_cli(args)


if __name__ == "__main__":
    sys.exit(main())
