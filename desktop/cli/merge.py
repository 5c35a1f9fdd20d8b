"""``sotreem merge-book`` and ``merge-list``: bring a former commune into this book (2025).

    sotreem merge-book so-xa-cu.stebak --recovery-code --dry-run \\
        --write-hamlet-map thon.csv --write-duplicates trung.csv
    sotreem merge-book so-xa-cu.stebak --recovery-code --hamlet-map thon.csv \\
        [--confirm-duplicates trung.csv]

The open book is unlocked as usual (``--user``, $SOTREEM_PASSWORD). The former book is
opened with its recovery code (``--recovery-code``: $SOTREEM_RECOVERY_CODE or asked) or with
the password of one of its users (``--former-user``: $SOTREEM_FORMER_PASSWORD or asked). A
dry run prints the preview, and can write the proposed hamlet mapping and the list of
children who may be in both books, to correct and pass back; nothing is written to the
book. Without ``--dry-run`` the mapping file is required: the officer has seen it.

A former commune that kept its children in the template Excel list (no Sổ Trẻ Em book) is
brought in the same way from that list, named by its code and name:

    sotreem merge-list ds-xa-cu.xlsx --commune-code 11111 --commune-name "xã Minh Hưng" \\
        --dry-run --write-hamlet-map thon.csv --write-duplicates trung.csv
    sotreem merge-list ds-xa-cu.xlsx --commune-code 11111 --commune-name "xã Minh Hưng" \\
        --hamlet-map thon.csv [--confirm-duplicates trung.csv] [--as-of 30/06/2025]

The rows with errors are not brought in; they are written to an .xlsx with an error column
(``--rejected``), as ``sotreem import`` does, and the command exits with 1.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desktop import paths
from desktop.cli.common import CliError, open_from_args, read_recovery_code
from desktop.core.domain.permissions import Action, PermissionDenied

if TYPE_CHECKING:
    from desktop.core.services.book import Book
    from desktop.core.services.merge_book import MergeBookPreview
    from desktop.core.services.merge_list import MergeListPreview

ENV_FORMER_PASSWORD = "SOTREEM_FORMER_PASSWORD"


def _former_secret(args: argparse.Namespace) -> tuple[str, str | None]:
    """(secret, username) that open the former book."""
    if args.recovery_code:
        return read_recovery_code("Mã khôi phục của sổ xã cũ: "), None
    if not args.former_user:
        raise CliError(
            "Hãy cho biết cách mở sổ xã cũ: --recovery-code (mã khôi phục của sổ đó) hoặc "
            "--former-user TÊN (một tài khoản của sổ đó, mật khẩu ở biến môi trường "
            f"{ENV_FORMER_PASSWORD}).",
            2,
        )
    from_env = os.environ.get(ENV_FORMER_PASSWORD)
    if from_env:
        return from_env, args.former_user
    if not sys.stdin.isatty():
        raise CliError(
            f"Chưa có mật khẩu của sổ xã cũ: đặt biến môi trường {ENV_FORMER_PASSWORD} hoặc "
            "chạy trong cửa sổ lệnh.",
            2,
        )
    return getpass.getpass(f"Mật khẩu của {args.former_user} trong sổ xã cũ: "), args.former_user


def cmd_merge_book(args: argparse.Namespace) -> int:
    from desktop.core.importer.reader import ImportFileError
    from desktop.core.services.backup import BackupError
    from desktop.core.services.merge_book import MergeBookService
    from desktop.core.services.merge_book_files import (
        read_hamlet_map,
    )

    if not args.dry_run and not args.hamlet_map:
        raise CliError(
            "Cần --hamlet-map THÔN.csv (cột “Thôn cũ”, “Thôn mới”) để gộp. Hãy chạy trước với "
            "--dry-run --write-hamlet-map THÔN.csv, xem và sửa tệp đó, rồi chạy lại.",
            2,
        )
    secret, username = _former_secret(args)
    book = open_from_args(args)
    try:
        service = MergeBookService(book)
        with service.open(Path(args.file), secret=secret, username=username) as former:
            proposal = service.preview(former)
            targets = (
                read_hamlet_map(Path(args.hamlet_map), proposal.hamlets)
                if args.hamlet_map
                else None
            )
            preview = service.preview(former, targets) if targets is not None else proposal
            _show_preview(book, args, preview, "merge_book_duplicates")
            if args.dry_run:
                print("Chạy thử: chưa ghi gì vào sổ.")
                return 0
            result = service.apply(former, targets, _confirmed_pairs(args, preview))
            print(result.message_vi())
            return 0
    except (BackupError, ImportFileError, PermissionDenied) as exc:
        raise CliError(exc.message_vi, 2) from exc
    except OSError as exc:  # ReportWriteError: a file could not be written
        raise CliError(str(exc), 2) from exc
    finally:
        book.close()


EXIT_REJECTED = 1  # as ``sotreem import``: some rows of the list were not brought in


def cmd_merge_list(args: argparse.Namespace) -> int:
    from desktop.core.domain.dates import parse_vn_date
    from desktop.core.importer.headers import load_mapping_file
    from desktop.core.importer.reader import ImportFileError
    from desktop.core.services.backup import BackupError
    from desktop.core.services.merge_book_files import (
        read_hamlet_map,
    )
    from desktop.core.services.merge_list import MergeListService

    if not args.dry_run and not args.hamlet_map:
        raise CliError(
            "Cần --hamlet-map THÔN.csv (cột “Thôn cũ”, “Thôn mới”) để gộp. Hãy chạy trước với "
            "--dry-run --write-hamlet-map THÔN.csv, xem và sửa tệp đó, rồi chạy lại.",
            2,
        )
    as_of = parse_vn_date(args.as_of, "as_of", "Số liệu tính đến ngày") if args.as_of else None
    source = Path(args.file)
    book = open_from_args(args)
    try:
        mapping = load_mapping_file(Path(args.mapping)) if args.mapping else None
        service = MergeListService(book)
        former = service.former(args.commune_code, args.commune_name)
        imported = service.read(source, sheet=args.sheet, mapping=mapping, as_of=as_of)
        proposal = service.preview(former, imported)
        targets = (
            read_hamlet_map(Path(args.hamlet_map), proposal.hamlets) if args.hamlet_map else None
        )
        preview = service.preview(former, imported, targets) if targets is not None else proposal
        _show_preview(book, args, preview, "merge_list_duplicates")
        if args.dry_run:
            print("Chạy thử: chưa ghi gì vào sổ.")
        else:
            result = service.apply(preview, targets, _confirmed_pairs(args, preview))
            print(result.message_vi())
        if preview.rejected:
            target = (
                Path(args.rejected)
                if args.rejected
                else paths.exports_dir() / f"{source.stem}-dong-bi-tu-choi.xlsx"
            )
            written = service.write_rejected(preview, target)
            print(f"Đã ghi {written} dòng có lỗi (kèm cột lỗi) vào: {target}")
            return EXIT_REJECTED
        return 0
    except (BackupError, ImportFileError, PermissionDenied) as exc:
        raise CliError(exc.message_vi, 2) from exc
    except OSError as exc:  # ReportWriteError: a file could not be written
        raise CliError(str(exc), 2) from exc
    finally:
        book.close()


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``merge-book`` and ``merge-list``."""
    p = sub.add_parser(
        "merge-book",
        help="gộp sổ của một xã cũ (bản sao lưu .stebak) vào sổ này",
        description="Gộp sổ của một xã cũ vào sổ của xã mới (sắp xếp đơn vị hành chính 2025).",
    )
    p.add_argument("file", help="bản sao lưu .stebak của sổ xã cũ")
    _mapping_options(p)
    p.add_argument(
        "--recovery-code",
        action="store_true",
        help="mở sổ xã cũ bằng mã khôi phục của sổ đó ($SOTREEM_RECOVERY_CODE hoặc hỏi)",
    )
    p.add_argument(
        "--former-user",
        metavar="TÊN",
        help=f"mở sổ xã cũ bằng tài khoản này của sổ đó (mật khẩu: ${ENV_FORMER_PASSWORD})",
    )
    p.set_defaults(func=cmd_merge_book)

    q = sub.add_parser(
        "merge-list",
        help="gộp danh sách Excel theo mẫu của một xã cũ vào sổ này",
        description=(
            "Gộp danh sách trẻ em (tệp Excel theo mẫu nhập) của một xã cũ vào sổ của xã mới "
            "(sắp xếp đơn vị hành chính 2025)."
        ),
    )
    q.add_argument("file", help="danh sách .xlsx hoặc .csv theo mẫu nhập của xã cũ")
    q.add_argument("--commune-code", required=True, metavar="MÃ", help="mã xã cũ (5 chữ số)")
    q.add_argument(
        "--commune-name", required=True, metavar="TÊN", help="tên xã cũ, ví dụ “xã Minh Hưng”"
    )
    _mapping_options(q)
    q.add_argument(
        "--as-of",
        metavar="DD/MM/YYYY",
        help="số liệu của danh sách tính đến ngày (mặc định hôm nay)",
    )
    q.add_argument("--sheet", help="tên trang tính (mặc định: trang có dòng tiêu đề)")
    q.add_argument("--mapping", metavar="COT.json", help="cách ghép cột (như sotreem import)")
    q.add_argument("--rejected", metavar="TỆP.xlsx", help="nơi ghi các dòng có lỗi")
    q.set_defaults(func=cmd_merge_list)


def _show_preview(
    book: Book, args: argparse.Namespace, preview: MergeBookPreview | MergeListPreview, what: str
) -> None:
    """Print the preview, and write the hamlet mapping and the candidate pairs if asked
    (the pairs carry names and birth dates: an audited export)."""
    from desktop.core.services.audit import record_export
    from desktop.core.services.merge_book_files import write_duplicates, write_hamlet_map

    for line in preview.lines():
        print(line)
    if args.write_hamlet_map:
        target = Path(args.write_hamlet_map)
        rows = write_hamlet_map(target, preview)
        print(f"Đã ghi cách ghép thôn ({rows} thôn) vào {target}.")
    if args.write_duplicates:
        book.user.require(Action.EXPORT)
        target = Path(args.write_duplicates)
        rows = write_duplicates(target, preview)
        record_export(book, what=what, path=str(target), rows=rows, protected=False, personal=True)
        print(
            f"Đã ghi {rows} cặp có thể trùng vào {target} (có họ tên, ngày sinh: hãy "
            "giữ tệp cẩn thận). Ghi “có” ở cột “Gộp” cho cặp là cùng một trẻ."
        )


def _mapping_options(parser: argparse.ArgumentParser) -> None:
    """The options merge-book and merge-list share: the hamlet mapping, the pairs, a dry run."""
    parser.add_argument(
        "--hamlet-map",
        metavar="THÔN.csv",
        help="cách ghép thôn: cột “Thôn cũ”, “Thôn mới” (bắt buộc khi gộp thật)",
    )
    parser.add_argument("--dry-run", action="store_true", help="chỉ xem trước, không ghi gì")
    parser.add_argument(
        "--confirm-duplicates",
        metavar="TRÙNG.csv",
        help="các cặp là cùng một trẻ: tệp --write-duplicates với “có” ở cột “Gộp”",
    )
    parser.add_argument(
        "--write-hamlet-map", metavar="THÔN.csv", help="ghi cách ghép thôn đề xuất ra tệp"
    )
    parser.add_argument(
        "--write-duplicates", metavar="TRÙNG.csv", help="ghi danh sách có thể trùng ra tệp"
    )


def _confirmed_pairs(
    args: argparse.Namespace, preview: MergeBookPreview | MergeListPreview
) -> list[tuple[str, str]]:
    """The pairs the officer marked “có” in --confirm-duplicates (none without it: then each
    record is kept apart, and the command says so when there were candidates)."""
    from desktop.core.services.merge_book_files import read_confirmed_pairs

    if not args.confirm_duplicates:
        if preview.duplicates:
            print(
                f"Lưu ý: {len(preview.duplicates)} cặp có thể trùng chưa được xác nhận: "
                "mỗi hồ sơ được giữ riêng (gộp sau ở “Hồ sơ trùng”)."
            )
        return []
    return read_confirmed_pairs(Path(args.confirm_duplicates))
