"""Headless security commands: ``audit verify``, ``backup``, ``restore``.

``restore`` works without opening the book (a lost PC, a damaged file): the backup is checked
with the recovery code (``--recovery-code``, from $SOTREEM_RECOVERY_CODE or a prompt) or with a
user's password, before anything is replaced.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from desktop.cli.common import (
    ENV_RECOVERY,
    CliError,
    open_from_args,
    read_password,
    read_recovery_code,
)
from desktop.core.domain.permissions import PermissionDenied
from desktop.core.domain.text import format_size


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from desktop.core.services.audit import AuditService

    book = open_from_args(args)
    try:
        service = AuditService(book)
        report = service.verify()
        former = service.verify_former()
    except PermissionDenied as exc:
        raise CliError(exc.message_vi) from exc
    finally:
        book.close()
    print(report.message_vi)
    # The trails of former communes' books merged into this one (kept verbatim).
    for trail in former:
        print(trail.message_vi)
    return 0 if report.ok and all(t.ok for t in former) else 1


def cmd_backup(args: argparse.Namespace) -> int:
    from desktop.core.services.backup import BackupError, BackupService

    book = open_from_args(args)
    try:
        info = BackupService(book).backup_now(Path(args.to) if args.to else None)
    except (BackupError, PermissionDenied) as exc:
        raise CliError(exc.message_vi) from exc
    finally:
        book.close()
    print(f"Đã sao lưu vào {info.path} ({format_size(info.size)}, đã mã hóa).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from desktop.core.services.backup import BackupError, restore_file

    if args.recovery_code:
        secret, username = read_recovery_code(), None
    else:
        username = args.user or os.environ.get("SOTREEM_USER") or "admin"
        secret = read_password()
    try:
        result = restore_file(
            Path(args.file),
            secret=secret,
            username=username,
            confirm_other_commune=args.other_commune,
            restored_by=username or "",
        )
    except BackupError as exc:
        raise CliError(exc.message_vi) from exc
    info = result.info
    print(
        f"Đã khôi phục sổ {info.commune_name} (mã xã {info.commune_code}) từ bản sao lưu "
        f"{info.path.name}."
    )
    print(f"Dữ liệu trước khi khôi phục được cất ở: {result.aside_dir}")
    if result.key_file_replaced:
        print("Tệp khóa cũng được thay: hãy đăng nhập bằng mật khẩu của sổ trong bản sao lưu.")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``audit``, ``backup`` and ``restore``."""
    p_audit = sub.add_parser("audit", help="nhật ký thao tác")
    audit_sub = p_audit.add_subparsers(dest="audit_command", required=True, metavar="VIỆC")
    p_verify = audit_sub.add_parser("verify", help="kiểm tra nhật ký có bị sửa hay xóa không")
    p_verify.set_defaults(func=cmd_audit_verify)

    p_backup = sub.add_parser("backup", help="sao lưu sổ (đã mã hóa)")
    p_backup.add_argument("--to", metavar="THƯ_MỤC", help="thư mục hoặc USB (mặc định: sao-luu/)")
    p_backup.set_defaults(func=cmd_backup)

    p_restore = sub.add_parser("restore", help="khôi phục sổ từ một bản sao lưu .stebak")
    p_restore.add_argument("file", help="tệp sao lưu .stebak")
    p_restore.add_argument(
        "--recovery-code",
        action="store_true",
        help=f"kiểm tra bằng mã khôi phục (${ENV_RECOVERY} hoặc hỏi), thay vì mật khẩu",
    )
    p_restore.add_argument(
        "--other-commune",
        action="store_true",
        help="đồng ý thay sổ bằng bản sao lưu của xã khác",
    )
    p_restore.set_defaults(func=cmd_restore)
