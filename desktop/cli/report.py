"""``sotreem report population``: count the children on a day and print or write the report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from desktop import paths
from desktop.cli.common import open_from_args
from desktop.core.domain.dates import format_vn_date, parse_vn_date
from sync import clock


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
        print(f"Đã ghi {output} ({report.total} trẻ em dưới 16 tuổi ngày {format_vn_date(on)}).")
        return 0
    finally:
        book.close()


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``report``."""
    p_report = sub.add_parser("report", help="tính và xuất báo cáo")
    p_report.add_argument("kind", choices=["population"], help="population: dân số trẻ em")
    p_report.add_argument("--date", help="ngày chốt số liệu DD/MM/YYYY (mặc định hôm nay)")
    p_report.add_argument("--format", choices=["json", "pdf", "xlsx"], default="json")
    p_report.add_argument("--output", help="tệp kết quả")
    p_report.set_defaults(func=cmd_report)
