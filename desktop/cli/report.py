"""``sotreem report population`` (the children on a day) and ``sotreem report --period …`` (the
periodic report of every indicator: value, numerator, denominator, target, status, cells)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from desktop import paths
from desktop.cli.common import CliError, open_from_args
from desktop.core.domain.dates import format_vn_date, parse_vn_date
from sync import clock

if TYPE_CHECKING:
    from desktop.core.services.former_communes import FormerCommune
    from desktop.core.services.unlocked import Book


def cmd_period_report(args: argparse.Namespace) -> int:
    """``report --period``: every indicator of the period as JSON, PDF or Excel."""
    from desktop.core.services.indicators import IndicatorService

    as_of = parse_vn_date(args.as_of, "as_of", "--as-of") if args.as_of else None
    book = open_from_args(args)
    try:
        former = _former(book, args)
        service = IndicatorService(book, former)
        if args.format == "json":
            text = json.dumps(service.compute(args.period, as_of).as_json(), ensure_ascii=False,
                              indent=2)  # fmt: skip
            if args.output:
                Path(args.output).write_text(text + "\n", encoding="utf-8")
                print(f"Đã ghi {args.output}")
            else:
                print(text)
            return 0
        suffix = f"-xa-cu-{former.code}" if former is not None else ""
        output = (
            Path(args.output)
            if args.output
            else paths.exports_dir() / f"bao-cao-tre-em-{args.period}{suffix}.{args.format}"
        )
        report = service.write(args.period, output, args.format, as_of)
        counts = {s: sum(1 for r in report.results if r.status == s) for s in
                  ("computed", "typed", "missing")}  # fmt: skip
        print(
            f"Đã ghi {output}: {counts['computed']} chỉ tiêu tính từ sổ, {counts['typed']} "
            f"nhập tay, {counts['missing']} chưa có số liệu (chốt ngày "
            f"{format_vn_date(report.period.reference)})."
        )
        if report.state.change_flag_vi:
            print(report.state.change_flag_vi)
        if former is not None:
            print(service.former_reason_vi())
        return 0
    finally:
        book.close()


def _former(book: Book, args: argparse.Namespace) -> FormerCommune | None:
    """``--former-commune CODE``: that former commune of the book (ValidationError if none)."""
    if not args.former_commune:
        return None
    from desktop.core.services.former_communes import former_commune

    return former_commune(book, args.former_commune)


def cmd_report(args: argparse.Namespace) -> int:
    from desktop.core.services.reports import ReportService

    if args.period:
        if args.kind:
            raise CliError("Chọn một trong hai: «report population» hoặc «report --period …».", 2)
        return cmd_period_report(args)
    if args.kind != "population":
        raise CliError("Thiếu loại báo cáo: «report population» hoặc «report --period 2026-H1».", 2)

    on = parse_vn_date(args.date, "date", "Ngày chốt số liệu") if args.date else clock.today()
    book = open_from_args(args)
    try:
        former = _former(book, args)
        service = ReportService(book)
        if args.format == "json":
            data = service.population(on, former).as_json()
            text = json.dumps(data, ensure_ascii=False, indent=2)
            if args.output:
                Path(args.output).write_text(text + "\n", encoding="utf-8")
                print(f"Đã ghi {args.output}")
            else:
                print(text)
            return 0
        suffix = f"-xa-cu-{former.code}" if former is not None else ""
        output = (
            Path(args.output)
            if args.output
            else (paths.exports_dir() / f"dan-so-tre-em-{on:%Y%m%d}{suffix}.{args.format}")
        )
        lines = [x for x in (args.signer_title or "").split("|") if x.strip()]
        report = service.write_population(
            on, output, args.format, signer_name=args.signer, signer_lines=lines, former=former
        )
        print(f"Đã ghi {output} ({report.total} trẻ em dưới 16 tuổi ngày {format_vn_date(on)}).")
        return 0
    finally:
        book.close()


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``report``."""
    p_report = sub.add_parser("report", help="tính và xuất báo cáo")
    p_report.add_argument(
        "kind", nargs="?", choices=["population"], help="population: dân số trẻ em"
    )
    p_report.add_argument(
        "--period", help="báo cáo định kỳ các chỉ tiêu: 2026-H1 | 2026-9M | 2026 (cả năm)"
    )
    p_report.add_argument("--as-of", help="ngày chốt số liệu của báo cáo định kỳ DD/MM/YYYY")
    p_report.add_argument("--date", help="ngày chốt số liệu DD/MM/YYYY (mặc định hôm nay)")
    p_report.add_argument(
        "--former-commune",
        metavar="MA_XA",
        help="báo cáo một kỳ trước ngày gộp sổ của một xã cũ đã gộp vào sổ này (mã xã cũ; mã "
        "của sổ này: các hộ không gộp từ sổ xã cũ); không chốt, không gửi",
    )
    p_report.add_argument("--format", choices=["json", "pdf", "xlsx"], default="json")
    p_report.add_argument("--output", help="tệp kết quả")
    p_report.add_argument(
        "--signer", help="họ tên người ký báo cáo dân số (mặc định: người ký báo cáo định kỳ)"
    )
    p_report.add_argument(
        "--signer-title",
        help='chức danh người ký, các dòng cách nhau bởi "|", ví dụ "KT. CHỦ TỊCH|PHÓ CHỦ TỊCH"',
    )
    p_report.set_defaults(func=cmd_report)
