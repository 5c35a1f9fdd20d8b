"""The ``sotreem`` parser: one subcommand group per module of this package, then dispatch.

Each group module (book, report, security, sync, children, imports, indicators, protection,
merge) registers its subcommands with ``add_commands(sub)``; every command's ``func`` takes
the parsed args and returns the exit code. Shared helpers live in ``desktop.cli.common``,
below the groups, so nothing imports this.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from desktop.cli import (
    book,
    children,
    imports,
    indicators,
    merge,
    protection,
    report,
    security,
    sync,
)
from desktop.cli.common import VERSION, CliError
from desktop.core.domain.errors import ValidationError
from desktop.core.domain.permissions import PermissionDenied
from desktop.core.services.book import (
    BookBusyError,
    BookFileError,
    KeyFileError,
    LoginError,
    is_locked,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sotreem",
        description="Sổ Trẻ Em — sổ theo dõi trẻ em cấp xã. Không có tham số: mở giao diện.",
    )
    parser.add_argument("--version", action="version", version=f"Sổ Trẻ Em {VERSION}")
    parser.add_argument("--user", help="tên đăng nhập (mặc định: admin hoặc $SOTREEM_USER)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="LỆNH")
    for group in (book, report, security, sync, children, imports, indicators, protection, merge):
        group.add_commands(sub)
    return parser


def run_cli(argv: list[str]) -> int:
    """Run one subcommand; Vietnamese errors on stderr, never a traceback for bad input."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure: Callable[..., None] | None = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
    args = _parser().parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except CliError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return exc.code
    except ValidationError as exc:
        print(f"Lỗi: {exc.message_vi}", file=sys.stderr)
        return 2
    except (LoginError, BookFileError, KeyFileError, PermissionDenied, BookBusyError) as exc:
        print(f"Lỗi: {exc.message_vi}", file=sys.stderr)
        return 1
    except ValueError as exc:  # e.g. demo size out of range
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        # The busy timeout ran out on a write statement (another process holds the book).
        if not is_locked(exc):
            raise
        print(f"Lỗi: {BookBusyError().message_vi}", file=sys.stderr)
        return 1
