"""``sotreem init`` and ``sotreem demo``: make a new book, empty or with sample children.

The recovery code is the one secret printed, exactly once, because it is the only way to get
it to the officer.
"""

from __future__ import annotations

import argparse

from desktop.cli.common import read_password
from desktop.core.services.book import BookSetup, create_book


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


def _book_options(p: argparse.ArgumentParser, demo: bool) -> None:
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


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``init`` and ``demo``."""
    p_init = sub.add_parser("init", help="tạo sổ mới, trống")
    _book_options(p_init, demo=False)
    p_init.set_defaults(func=cmd_init)

    p_demo = sub.add_parser("demo", help="tạo sổ dùng thử với dữ liệu mẫu")
    _book_options(p_demo, demo=True)
    p_demo.add_argument("--children", type=int, default=800, help="số trẻ em (50–50000)")
    p_demo.add_argument("--seed", type=int, default=2026)
    p_demo.set_defaults(func=cmd_demo)
