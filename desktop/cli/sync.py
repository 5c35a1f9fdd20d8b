"""`sotreem sync`: enrol, push and pull, and the transfer file for communes without a connection.

sotreem sync --server URL --enroll CODE     enrol this book, then sync
sotreem sync --enroll-file F [--file-code C] enrol from upstream's file (no connection needed)
sotreem sync                                push everything waiting, then pull
sotreem sync --export-file F                write pending changes to an encrypted file
sotreem sync --import-file F                apply the answer file from upstream
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from desktop.cli.common import CliError, open_from_args
from sync.client import SyncError


def _print_summary(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False))


def _ask_file_code() -> str:
    if not sys.stdin.isatty():
        raise CliError("Cần --file-code (mã mở tệp đăng ký do cấp trên đọc cho).", 2)
    return input("Mã mở tệp đăng ký: ")


def cmd_sync(args: argparse.Namespace) -> int:
    """Run the ``sync`` subcommand."""
    from desktop.core.sync_service import SyncService
    from desktop.core.sync_service.transfer import TransferFileError, TransferService

    if args.export_file and args.import_file:
        raise CliError("Chỉ dùng một trong hai: --export-file hoặc --import-file.", 2)
    from sync.retry import RetryPolicy

    if not 1 <= args.attempts <= 20:
        raise CliError("--attempts phải từ 1 đến 20.", 2)
    book = open_from_args(args)
    try:
        service = SyncService(book, retry=RetryPolicy(attempts=args.attempts))
        if args.ca_bundle:
            try:
                pem = Path(args.ca_bundle).read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise CliError(f"Không đọc được tệp chứng chỉ {args.ca_bundle}: {exc}.", 2) from exc
            service.set_ca_bundle(pem)
            print(f"Đã lưu chứng chỉ CA của máy chủ cấp trên từ {args.ca_bundle}.")
        if args.auto_minutes is not None:
            service.set_auto_sync(args.auto_minutes)
            every = f"mỗi {args.auto_minutes} phút" if args.auto_minutes else "tắt"
            print(f"Tự đồng bộ: {every}.")
        if args.enroll and args.enroll_file:
            raise CliError("Chỉ dùng một trong hai: --enroll hoặc --enroll-file.", 2)
        if args.enroll_file:
            code = args.file_code or _ask_file_code()
            name = service.enroll_from_file(Path(args.enroll_file), code)
            print(f"Đã đăng ký sổ này bằng tệp (máy “{name}”).")
            if args.server:
                print(f"Địa chỉ máy chủ: {service.set_server_url(args.server)}.")
            elif not service.status().server_url:
                print(
                    "Chưa có địa chỉ máy chủ: dùng --export-file để gửi dữ liệu cho cấp trên; "
                    "khi có mạng, đặt địa chỉ bằng --server URL."
                )
                if not (args.export_file or args.import_file):
                    return 0
        elif args.server and not args.enroll:
            print(f"Đã lưu địa chỉ máy chủ {service.set_server_url(args.server)}.")
        if args.enroll:
            server = args.server or book.commune().upstream_url
            if not server:
                raise CliError("Cần --server URL để đăng ký thiết bị.", 2)
            try:
                service.enroll(server, args.enroll)
            except SyncError as exc:
                # Unreachable, 502/503, a cut answer, a used code: say so, never a traceback.
                raise CliError(f"Chưa đăng ký được sổ này: {exc.message_vi}", 3) from exc
            print(f"Đã đăng ký sổ này với máy chủ {server}.")
        transfers = TransferService(book, service)
        try:
            if args.export_file:
                exported = transfers.export(Path(args.export_file))
                print(
                    f"Đã ghi {exported.items} bản ghi ({exported.batches} lô) vào {exported.path}. "
                    "Hãy chuyển tệp này cho cấp trên (USB, Zalo); tệp đã được mã hóa."
                )
                _print_summary(
                    {
                        "exported": exported.items,
                        "batches": exported.batches,
                        "file": str(exported.path),
                    }
                )
                return 0
            if args.import_file:
                imported = transfers.import_answer(Path(args.import_file))
                print(imported.message_vi)
                _print_summary(
                    {
                        "sent": imported.sent,
                        "applied": imported.applied,
                        "duplicates": imported.duplicates,
                        "conflicts": imported.conflicts,
                        "rejected": imported.rejected,
                        "received": imported.received,
                        "remaining": imported.remaining,
                    }
                )
                return 0
        except TransferFileError as exc:
            raise CliError(exc.message_vi, 1) from exc
        if args.settings_only:
            return 0
        outcome = service.push() if args.push_only else service.sync()
        print(outcome.message_vi)
        _print_summary(
            {
                "sent": outcome.sent,
                "applied": outcome.applied,
                "duplicates": outcome.duplicates,
                "conflicts": outcome.conflicts,
                "rejected": outcome.rejected,
                "received": outcome.received,
                "remaining": outcome.remaining,
                "offline": outcome.offline,
                "bytes_sent": outcome.bytes_sent,
                "bytes_received": outcome.bytes_received,
                "requests": outcome.requests,
            }
        )
        return 3 if outcome.offline or outcome.failed else 0
    finally:
        book.close()


def add_commands(sub: Any) -> None:
    """Register ``sync`` on the main parser's subcommands."""
    p_sync = sub.add_parser(
        "sync",
        help="đồng bộ với máy chủ cấp trên (gửi rồi nhận), hoặc xuất/nhập tệp chuyển dữ liệu",
    )
    p_sync.add_argument(
        "--server", help="địa chỉ máy chủ (khi đăng ký; hoặc đặt cho máy đã đăng ký bằng tệp)"
    )
    p_sync.add_argument("--enroll", metavar="MÃ", help="mã đăng ký thiết bị một lần")
    p_sync.add_argument(
        "--enroll-file",
        metavar="TỆP",
        help="đăng ký bằng tệp do cấp trên gửi (xã không có mạng; không cần mạng)",
    )
    p_sync.add_argument(
        "--file-code",
        metavar="MÃ",
        help="mã mở tệp đăng ký (nếu không ghi, chương trình sẽ hỏi)",
    )
    p_sync.add_argument(
        "--export-file", metavar="TỆP", help="ghi các thay đổi chờ gửi vào tệp (không cần mạng)"
    )
    p_sync.add_argument(
        "--import-file", metavar="TỆP", help="nhập tệp trả lời của cấp trên (không cần mạng)"
    )
    p_sync.add_argument(
        "--ca-bundle", metavar="TỆP", help="tệp chứng chỉ CA (PEM) của máy chủ cấp trên"
    )
    p_sync.add_argument(
        "--auto-minutes",
        type=int,
        metavar="PHÚT",
        help="chu kỳ tự đồng bộ khi mở chương trình (0, 15, 30, 60, 120; 0 là tắt)",
    )
    p_sync.add_argument("--push-only", action="store_true", help="chỉ gửi, không nhận về")
    p_sync.add_argument(
        "--attempts",
        type=int,
        default=5,
        metavar="N",
        help="số lần thử mỗi yêu cầu khi mạng chập chờn (5; chờ tăng dần giữa các lần)",
    )
    p_sync.add_argument(
        "--settings-only",
        action="store_true",
        help="chỉ lưu cài đặt (--ca-bundle, --auto-minutes, đăng ký), không đồng bộ",
    )
    p_sync.set_defaults(func=cmd_sync)
