"""`python -m desktop` / `sotreem`: the GUI by default, subcommands for headless work."""

from __future__ import annotations

import sys

SELF_TEST_FLAG = "--self-test"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `sotreem` console script."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        from desktop.ui.app import run_gui

        return run_gui(sys.argv[:1])
    if args and args[0] == SELF_TEST_FLAG:
        # Checks the whole installation offscreen, in a temporary data folder (desktop/selftest.py).
        from desktop.selftest import run_self_test_cli

        return run_self_test_cli(args[1:])
    from desktop.cli import run_cli

    return run_cli(args)


if __name__ == "__main__":
    sys.exit(main())
