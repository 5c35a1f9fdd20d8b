"""Headless Excel and paper commands: ``import``, ``export``, ``police-list``.

    sotreem import danh-sach.xlsx [--mapping cot.json] [--dry-run] [--date 30/06/2026]
    sotreem export template|households|book|blank-form|child --output FILE …
    sotreem police-list --export ds-xac-minh.xlsx      (or --import ds-cong-an-tra.xlsx)

``import`` prints the same summary as the import wizard and exits with 1 when any row was
rejected (the good rows are imported, the rejected ones written to an .xlsx with an error
column). A password for an exported file is read from the environment variable named by
``--password-env``, never from the command line (which other users of the PC can see).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from desktop import paths
from desktop.cli.common import CliError, open_from_args
from desktop.core.domain.dates import parse_vn_date
from desktop.core.domain.permissions import PermissionDenied
from sync import clock

EXIT_REJECTED = 1


def _protection(args: argparse.Namespace) -> Any:
    from desktop.core.reports.protect import ExportProtection, export_password_problems

    name = getattr(args, "password_env", None)
    if not name:
        return None
    password = os.environ.get(name, "")
    if not password:
        raise CliError(f"Biến môi trường {name} chưa có mật khẩu cho tệp xuất.", 2)
    problems = export_password_problems(password)
    if problems:
        raise CliError(" ".join(problems), 2)
    return ExportProtection(password)


def _day(text: str | None, label: str) -> date:
    return parse_vn_date(text, "date", label) if text else clock.today()


def _run(args: argparse.Namespace, work: Callable[[Any], int]) -> int:
    """Open the book, run ``work(book)``, turn expected failures into Vietnamese messages."""
    from desktop.core.importer.reader import ImportFileError
    from desktop.core.services.backup import BackupError

    book = open_from_args(args)
    try:
        return work(book)
    except (ImportFileError, BackupError, PermissionDenied) as exc:
        raise CliError(exc.message_vi, 2) from exc
    except OSError as exc:  # e.g. ReportWriteError: the output file is open in Excel
        raise CliError(str(exc), 2) from exc
    finally:
        book.close()


# -- import ----------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    from desktop.core.importer.headers import load_mapping_file
    from desktop.core.services.imports import ImportService

    source = Path(args.file)
    as_of = _day(args.as_of or args.date, "Số liệu tính đến ngày")
    mapping = None
    if args.mapping:
        from desktop.core.importer.reader import ImportFileError

        try:
            mapping = load_mapping_file(Path(args.mapping))
        except ImportFileError as exc:
            raise CliError(exc.message_vi, 2) from exc

    def work(book: Any) -> int:
        service = ImportService(book)
        preview = service.preview(source, sheet=args.sheet, mapping=mapping, as_of=as_of)
        if args.dry_run:
            summary = preview.summary
            print("Chạy thử (--dry-run): chưa ghi gì vào sổ.")
        else:
            result = service.run(preview)
            summary = result.summary
            if result.backup_file is not None:
                print(f"Đã sao lưu sổ trước khi nhập: {result.backup_file}")
        for line in summary.lines():
            print(line)
        if summary.rejected:
            target = (
                Path(args.rejected)
                if args.rejected
                else paths.exports_dir() / f"{source.stem}-dong-bi-tu-choi.xlsx"
            )
            written = service.write_rejected(preview, target, _protection(args))
            print(f"Đã ghi {written} dòng bị từ chối (kèm cột lỗi) vào: {target}")
            return EXIT_REJECTED
        return 0

    return _run(args, work)


# -- export ----------------------------------------------------------------------------------


def _hamlet_id(book: Any, name: str | None) -> str:
    from desktop.core.domain.text import fold
    from desktop.core.services.households import HouseholdService

    hamlets = HouseholdService(book).hamlets()
    if not name:
        raise CliError("Cần --hamlet TÊN_THÔN. Các thôn: " + ", ".join(h.name for h in hamlets), 2)
    for hamlet in hamlets:
        if fold(hamlet.name) == fold(name):
            return hamlet.id
    raise CliError(
        f"Không có thôn “{name}”. Các thôn: " + ", ".join(h.name for h in hamlets) + ".", 2
    )


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.core.services.imports import write_import_template

    output = Path(args.output)
    if args.kind == "template":
        write_import_template(output)
        print(f"Đã ghi mẫu nhập danh sách: {output}")
        return 0

    def work(book: Any) -> int:
        from desktop.core.services.exports import ExportService

        service = ExportService(book)
        on = _day(args.date, "Ngày")
        if args.kind == "households":
            hamlet = _hamlet_id(book, args.hamlet) if args.hamlet else None
            done = service.export_list(
                service.households_table(args.query or "", hamlet),
                output,
                _protection(args),
                what="households",
            )
            print(f"Đã ghi {done.rows} hộ vào {output}.")
        elif args.kind == "book":
            done = service.write_hamlet_book(
                _hamlet_id(book, args.hamlet), output, _protection(args), on
            )
            print(f"Đã in sổ của thôn ({done.rows} người) vào {output}.")
        elif args.kind == "blank-form":
            hamlet = _hamlet_id(book, args.hamlet) if args.hamlet else None
            service.write_blank_form(output, hamlet, args.rows)
            print(f"Đã ghi phiếu thu thập trống ({args.rows} dòng) vào {output}.")
        else:  # child
            if not args.person:
                raise CliError("Cần --person MÃ_HỒ_SƠ hoặc số định danh của trẻ.", 2)
            person_id = _person_id(service, args.person)
            service.write_child_profile(person_id, output, _protection(args), on)
            print(f"Đã in hồ sơ trẻ vào {output}.")
        return 0

    return _run(args, work)


def _person_id(service: Any, wanted: str) -> str:
    found = service.find_people(wanted, limit=5)
    exact = [p for p in found if p.id == wanted]
    if exact:
        return str(exact[0].id)
    if len(found) == 1:
        return str(found[0].id)
    if not found:
        raise CliError(f"Không tìm thấy trẻ “{wanted}”.", 2)
    listed = "\n".join(f"  {p.id}  {p.label}" for p in found)
    raise CliError(f"Có nhiều người khớp “{wanted}”; hãy dùng mã hồ sơ:\n{listed}", 2)


# -- Đề án 06 --------------------------------------------------------------------------------


def cmd_police_list(args: argparse.Namespace) -> int:
    if bool(args.export) == bool(args.import_file):
        raise CliError("Dùng một trong hai: --export TỆP hoặc --import TỆP.", 2)

    def work(book: Any) -> int:
        from desktop.core.services.exports import ExportService

        service = ExportService(book)
        if args.export:
            target = Path(args.export)
            done = service.write_police_list(target, _protection(args), _day(args.date, "Ngày"))
            print(f"Đã ghi danh sách {done.rows} trẻ cần xác minh số định danh vào {target}.")
            print("Gửi tệp này cho Công an xã; khi nhận lại, chạy: sotreem police-list --import …")
            return 0
        report = service.import_police_list(Path(args.import_file))
        if report.backup_file is not None:
            print(f"Đã sao lưu sổ trước khi cập nhật: {report.backup_file}")
        for line in report.lines():
            print(line)
        return EXIT_REJECTED if report.problems else 0

    return _run(args, work)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``import``, ``export`` and ``police-list``."""
    p_import = sub.add_parser("import", help="nhập danh sách hộ và trẻ em từ tệp Excel/CSV")
    p_import.add_argument("file", help="tệp .xlsx hoặc .csv")
    p_import.add_argument(
        "--mapping", metavar="TỆP.json", help="ghép cột cho tệp không theo mẫu (xem tài liệu)"
    )
    p_import.add_argument("--sheet", help="tên trang tính (mặc định: trang có dòng tiêu đề)")
    p_import.add_argument(
        "--as-of",
        metavar="DD/MM/YYYY",
        help="số liệu tính đến ngày (mặc định hôm nay): tuổi và mọi quy tắc tính theo ngày này",
    )
    p_import.add_argument("--date", help=argparse.SUPPRESS)  # the earlier name of --as-of
    p_import.add_argument("--dry-run", action="store_true", help="chỉ xem trước, không ghi")
    p_import.add_argument("--rejected", metavar="TỆP.xlsx", help="nơi ghi các dòng bị từ chối")
    p_import.add_argument(
        "--password-env", metavar="BIẾN", help="đặt mật khẩu cho tệp dòng bị từ chối"
    )
    p_import.set_defaults(func=cmd_import)

    p_export = sub.add_parser("export", help="xuất danh sách Excel, in sổ, phiếu, hồ sơ trẻ (PDF)")
    p_export.add_argument(
        "kind",
        choices=["template", "households", "book", "blank-form", "child"],
        help="template: mẫu nhập; households: danh sách hộ; book: sổ của một thôn (PDF); "
        "blank-form: phiếu thu thập trống (PDF); child: hồ sơ một trẻ (PDF)",
    )
    p_export.add_argument("--output", required=True, help="tệp kết quả")
    p_export.add_argument("--hamlet", help="tên thôn/tổ dân phố")
    p_export.add_argument("--query", help="lọc danh sách hộ (tên, số hộ …)")
    p_export.add_argument("--person", help="mã hồ sơ, số định danh hoặc tên của trẻ")
    p_export.add_argument("--rows", type=int, default=20, help="số dòng của phiếu trống")
    p_export.add_argument("--date", help="ngày in DD/MM/YYYY (mặc định hôm nay)")
    p_export.add_argument(
        "--password-env", metavar="BIẾN", help="đặt mật khẩu (lấy từ biến môi trường này)"
    )
    p_export.set_defaults(func=cmd_export)

    p_police = sub.add_parser(
        "police-list", help="Đề án 06: danh sách xác minh số định danh với Công an xã"
    )
    p_police.add_argument("--export", metavar="TỆP.xlsx", help="xuất danh sách gửi Công an xã")
    p_police.add_argument(
        "--import", dest="import_file", metavar="TỆP.xlsx", help="nhập danh sách Công an trả về"
    )
    p_police.add_argument("--date", help="ngày lập DD/MM/YYYY (mặc định hôm nay)")
    p_police.add_argument(
        "--password-env", metavar="BIẾN", help="đặt mật khẩu (lấy từ biến môi trường này)"
    )
    p_police.set_defaults(func=cmd_police_list)
