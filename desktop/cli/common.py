"""What every command group shares: the Vietnamese error to exit with, the password, the book.

Passwords come from $SOTREEM_PASSWORD or a prompt and are never printed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from desktop import paths
from desktop.core.services.book import Book, book_exists, open_book

ENV_PASSWORD = "SOTREEM_PASSWORD"
ENV_USER = "SOTREEM_USER"
ENV_RECOVERY = "SOTREEM_RECOVERY_CODE"
VERSION = "0.1.0"


class CliError(Exception):
    """A problem to print in Vietnamese, with the exit code to use."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def read_password(confirm: bool = False) -> str:
    """The password from $SOTREEM_PASSWORD, or asked at the terminal (never echoed)."""
    from_env = os.environ.get(ENV_PASSWORD)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise CliError(
            f"Chưa có mật khẩu: đặt biến môi trường {ENV_PASSWORD} hoặc chạy trong cửa sổ lệnh.", 2
        )
    first = getpass.getpass("Mật khẩu: ")
    if confirm and getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise CliError("Hai lần nhập mật khẩu không khớp.", 2)
    return first


def read_recovery_code(prompt: str = "Mã khôi phục: ") -> str:
    """A recovery code from $SOTREEM_RECOVERY_CODE, or asked at the terminal (never echoed)."""
    from_env = os.environ.get(ENV_RECOVERY)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise CliError(
            f"Chưa có mã khôi phục: đặt biến môi trường {ENV_RECOVERY} "
            "hoặc chạy trong cửa sổ lệnh.",
            2,
        )
    return getpass.getpass(prompt)


def open_from_args(args: argparse.Namespace) -> Book:
    """Unlock the book in the data folder as ``--user`` (or $SOTREEM_USER, or admin)."""
    if not book_exists():
        raise CliError(
            f"Chưa có sổ trong {paths.data_dir()}. Hãy chạy `sotreem init` hoặc `sotreem demo`.", 2
        )
    user = args.user or os.environ.get(ENV_USER) or "admin"
    book = open_book(user, read_password())
    try:
        _housekeeping(book)
    except BaseException:
        book.close()
        raise
    return book


def _housekeeping(book: Book) -> None:
    """Headless commands do, before their work, what the app does after showing its window.

    A command line has no window to show early, and a script that runs `sotreem report`
    every day should still leave the day's backup behind — so the whole-file check and the
    daily backup run here, synchronously. A damaged book stops the command (exit code 1).
    """
    from desktop.core.services.housekeeping import run_housekeeping

    result = run_housekeeping(book)
    if result.damaged:
        raise CliError(result.damaged)
    if result.backup_error:
        print(f"Cảnh báo: chưa sao lưu hằng ngày được: {result.backup_error}", file=sys.stderr)
