"""Indicator commands: `sotreem indicators …` (``report --period`` lives in ``report.py``).

- ``indicators status``: the reports due this year (due soon, late, done)
- ``indicators sheet --period P --unit HEALTH``: the unit's collection sheet (.xlsx)
- ``indicators import --period P FILE``: read a filled collection sheet back
- ``indicators review|finalise --period P``; ``indicators reopen --period P --reason …``
- ``indicators cfc --year Y``: the child-friendly commune self-assessment
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from desktop import paths
from desktop.cli.common import open_from_args
from desktop.core.domain.dates import format_vn_date, parse_vn_date
from desktop.core.indicators.definitions import responsible_units

__all__ = ["add_commands"]


def _status(args: argparse.Namespace) -> int:
    from desktop.core.services.indicators import IndicatorService

    book = open_from_args(args)
    try:
        items = IndicatorService(book).due_items()
    finally:
        book.close()
    for i in items:
        print(f"{i.period_code:8} {i.name_vi:34} hạn {format_vn_date(i.due)}: {i.status_vi}")
    return 0


def _sheet(args: argparse.Namespace) -> int:
    from desktop.core.services.indicators import IndicatorService

    output = (
        Path(args.output)
        if args.output
        else paths.exports_dir() / f"phieu-thu-thap-{args.unit.lower()}-{args.period}.xlsx"
    )
    book = open_from_args(args)
    try:
        n = IndicatorService(book).write_collection_sheet(args.period, args.unit, output)
    finally:
        book.close()
    print(f"Đã ghi phiếu thu thập số liệu {output} ({n} chỉ tiêu).")
    return 0


def _import(args: argparse.Namespace) -> int:
    from desktop.core.services.indicators import IndicatorService

    book = open_from_args(args)
    try:
        result = IndicatorService(book).import_collection_sheet(args.period, Path(args.file))
    finally:
        book.close()
    for p in result.problems:
        print(f"Lỗi: {p.message}")
    for w in result.warnings:
        print(f"Cảnh báo: {w.message}")
    if result.problems:
        print("Chưa ghi số liệu nào; sửa phiếu rồi nhập lại.")
        return 2
    print(f"Đã ghi {result.saved} số liệu.")
    return 0


def _life(args: argparse.Namespace) -> int:
    from desktop.core.services.indicators import IndicatorService

    book = open_from_args(args)
    try:
        service = IndicatorService(book)
        if args.step == "review":
            state = service.review(args.period)
        elif args.step == "finalise":
            state = service.finalise(args.period, parse_vn_date(args.as_of, "as_of", "--as-of")
                                     if args.as_of else None)  # fmt: skip
        else:
            state = service.reopen(args.period, args.reason or "")
    finally:
        book.close()
    print(f"Báo cáo kỳ {args.period}, phiên bản {state.version}: {state.state_vi}.")
    return 0


def _cfc(args: argparse.Namespace) -> int:
    from desktop.core.services.cfc import CfcScoreEntry, CfcService

    book = open_from_args(args)
    try:
        service = CfcService(book)
        if args.scores:
            raw = json.loads(Path(args.scores).read_text(encoding="utf-8"))
            entries = [CfcScoreEntry(int(x["no"]), x.get("points"), x.get("evidence", ""))
                       for x in raw]  # fmt: skip
            result = service.save(args.year, args.type, entries)
        else:
            result = service.assessment(args.year)
    finally:
        book.close()
    for line in result.lines:
        rate = "" if line.book_rate is None else f" (sổ: {line.book_rate:.2f})"
        if line.book_status == "missing":
            rate = " (sổ: chưa có dữ liệu)"
        points = "chưa chấm" if line.points is None else f"{line.points:g} điểm"
        print(f"{line.criterion.no:2}. {line.criterion.name_vi}{rate}: {points}")
    print(f"Tổng: {result.total:g} / mức {result.threshold} ({result.commune_type_vi})")
    print(result.verdict_vi)
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``indicators`` and its subcommands (``report --period`` lives in cli.py)."""
    p = sub.add_parser("indicators", help="chỉ tiêu, phiếu thu thập, chốt số liệu, xã phù hợp")
    s = p.add_subparsers(dest="indicators_command", required=True, metavar="VIỆC")
    st = s.add_parser("status", help="các báo cáo đến hạn trong năm")
    st.set_defaults(func=_status)
    units = [u.code for u in responsible_units()]
    sh = s.add_parser("sheet", help="xuất phiếu thu thập số liệu (.xlsx) cho một đơn vị")
    sh.add_argument("--period", required=True)
    sh.add_argument("--unit", required=True, choices=units)
    sh.add_argument("--output")
    sh.set_defaults(func=_sheet)
    im = s.add_parser("import", help="nhập phiếu thu thập số liệu đã điền")
    im.add_argument("--period", required=True)
    im.add_argument("file")
    im.set_defaults(func=_import)
    for step, text in (("review", "đánh dấu đã rà soát"), ("finalise", "chốt số liệu"),
                       ("reopen", "mở lại báo cáo đã chốt (quản trị viên)")):  # fmt: skip
        q = s.add_parser(step, help=text)
        q.add_argument("--period", required=True)
        q.add_argument("--as-of", help="ngày chốt số liệu DD/MM/YYYY (finalise)")
        q.add_argument("--reason", help="lý do (reopen)")
        q.set_defaults(func=_life, step=step)
    c = s.add_parser("cfc", help="tự đánh giá xã, phường phù hợp với trẻ em")
    c.add_argument("--year", type=int, required=True)
    c.add_argument("--type", default="CON_LAI", help="PHUONG_TP_TW | MIENNUI_HAIDAO_DBKK | CON_LAI")
    c.add_argument("--scores", help="tệp JSON [{no, points, evidence}] để ghi điểm")
    c.set_defaults(func=_cfc)
