"""Headless commands: init, demo, report, sync. Passwords come from SOTREEM_PASSWORD or a prompt.

Secrets are never printed, except the recovery code, which `init` and `demo` show exactly
once because it is the only way to get it to the officer.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from desktop import paths
from desktop.core.domain.dates import parse_vn_date
from desktop.core.domain.errors import ValidationError
from desktop.core.domain.permissions import PermissionDenied
from desktop.core.services.book import (
    Book,
    BookFileError,
    BookSetup,
    KeyFileError,
    LoginError,
    book_exists,
    create_book,
    open_book,
)
from sync import clock

ENV_PASSWORD = "SOTREEM_PASSWORD"
ENV_USER = "SOTREEM_USER"
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


def open_from_args(args: argparse.Namespace) -> Book:
    """Unlock the book in the data folder as ``--user`` (or $SOTREEM_USER, or admin)."""
    if not book_exists():
        raise CliError(
            f"Chưa có sổ trong {paths.data_dir()}. Hãy chạy `sotreem init` hoặc `sotreem demo`.", 2
        )
    user = args.user or os.environ.get(ENV_USER) or "admin"
    return open_book(user, read_password())


def _setup_from(args: argparse.Namespace) -> BookSetup:
    return BookSetup(
        commune_code=args.commune_code,
        commune_name=args.commune_name,
        province_name=args.province,
        unit_kind=args.unit_kind,
        upstream_url=args.server,
        admin_username=args.admin_user,
        admin_full_name=args.admin_name,
        admin_password=read_password(confirm=True),
    )


def _show_recovery(code: str) -> None:
    print("MÃ KHÔI PHỤC (chỉ hiện một lần — hãy ghi ra giấy và cất giữ an toàn):")
    print(f"    {code}")


def cmd_init(args: argparse.Namespace) -> int:
    book, recovery = create_book(_setup_from(args))
    try:
        commune = book.commune()
        where = f"{commune.display_name}, {commune.province_name}"
        print(f"Đã tạo sổ mới cho {where} (mã {commune.code}).")
        print(f"Dữ liệu (đã mã hóa): {book.path}")
        _show_recovery(recovery)
    finally:
        book.close()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from desktop.core.services.demo import populate_demo

    book, recovery = create_book(_setup_from(args))
    try:
        count = populate_demo(book, args.children, seed=args.seed)
        print(f"Đã tạo sổ dùng thử {book.commune().display_name} với {count} trẻ em (dữ liệu mẫu).")
        print(f"Dữ liệu (đã mã hóa): {book.path}")
        _show_recovery(recovery)
    finally:
        book.close()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from desktop.core.services.reports import ReportService

    on = parse_vn_date(args.date, "date", "Ngày chốt số liệu") if args.date else clock.today()
    book = open_from_args(args)
    try:
        service = ReportService(book)
        if args.format == "json":
            data = service.population(on).as_json()
            text = json.dumps(data, ensure_ascii=False, indent=2)
            if args.output:
                Path(args.output).write_text(text + "\n", encoding="utf-8")
                print(f"Đã ghi {args.output}")
            else:
                print(text)
            return 0
        output = (
            Path(args.output)
            if args.output
            else (paths.exports_dir() / f"dan-so-tre-em-{on:%Y%m%d}.{args.format}")
        )
        report = service.write_population(on, output, args.format)
        print(f"Đã ghi {output} ({report.total} trẻ em dưới 16 tuổi ngày {on:%d/%m/%Y}).")
        return 0
    finally:
        book.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sotreem",
        description="Sổ Trẻ Em — sổ theo dõi trẻ em cấp xã. Không có tham số: mở giao diện.",
    )
    parser.add_argument("--version", action="version", version=f"Sổ Trẻ Em {VERSION}")
    parser.add_argument("--user", help="tên đăng nhập (mặc định: admin hoặc $SOTREEM_USER)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="LỆNH")

    def book_options(p: argparse.ArgumentParser, demo: bool) -> None:
        p.add_argument(
            "--commune-code",
            required=not demo,
            default="99999" if demo else None,
            help="mã xã 5 chữ số",
        )
        p.add_argument(
            "--commune-name",
            required=not demo,
            default="Hoàng Kim (dữ liệu mẫu)" if demo else None,
            help="tên xã/phường",
        )
        p.add_argument(
            "--province",
            required=not demo,
            default="Thanh Hóa" if demo else None,
            help="tỉnh/thành phố",
        )
        p.add_argument("--unit-kind", default="Xã", choices=["Xã", "Phường", "Đặc khu"])
        p.add_argument("--server", help="địa chỉ máy chủ cấp trên (có thể đặt sau)")
        p.add_argument("--admin-user", default="admin", help="tên đăng nhập quản trị viên")
        p.add_argument("--admin-name", default="Quản trị viên", help="họ tên quản trị viên")

    p_init = sub.add_parser("init", help="tạo sổ mới, trống")
    book_options(p_init, demo=False)
    p_init.set_defaults(func=cmd_init)

    p_demo = sub.add_parser("demo", help="tạo sổ dùng thử với dữ liệu mẫu")
    book_options(p_demo, demo=True)
    p_demo.add_argument("--children", type=int, default=800, help="số trẻ em (50–50000)")
    p_demo.add_argument("--seed", type=int, default=2026)
    p_demo.set_defaults(func=cmd_demo)

    p_report = sub.add_parser("report", help="tính và xuất báo cáo")
    p_report.add_argument("kind", choices=["population"], help="population: dân số trẻ em")
    p_report.add_argument("--date", help="ngày chốt số liệu DD/MM/YYYY (mặc định hôm nay)")
    p_report.add_argument("--format", choices=["json", "pdf", "xlsx"], default="json")
    p_report.add_argument("--output", help="tệp kết quả")
    p_report.set_defaults(func=cmd_report)

    # Feature modules add their own subcommands here, one line each:
    # ``module.add_commands(sub)`` where each command's ``func`` takes the parsed args.
    importlib.import_module("desktop.cli_security").add_commands(sub)
    importlib.import_module("desktop.cli_sync").add_commands(sub)
    importlib.import_module("desktop.cli_children").add_commands(sub)
    importlib.import_module("desktop.cli_import").add_commands(sub)
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
    except (LoginError, BookFileError, KeyFileError, PermissionDenied) as exc:
        print(f"Lỗi: {exc.message_vi}", file=sys.stderr)
        return 1
    except ValueError as exc:  # e.g. demo size out of range
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
