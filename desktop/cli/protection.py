"""`sotreem protection list` and `sotreem cases due`: the child-protection lists headless.

``protection list --kind special|risk|cases|injuries|supports|labour|marriage`` prints JSON (or
writes .xlsx with ``--output``); the current user's role decides which fields are shown, as
on the screens, and the informant of a case is never included. The case list as an officer sees
it carries children's case data: it leaves only when every case holds a consent to an export, or
with ``--consent-not-needed "lý do"`` (and ``--recipient``), which is recorded on each case.
``cases due`` prints the open
case clocks (written report, emergency measure, intervention plan) as JSON, most urgent first.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from desktop.cli.common import CliError, open_from_args
from sync import clock

KINDS = ("special", "risk", "cases", "injuries", "supports", "labour", "marriage")


def cmd_protection_list(args: argparse.Namespace) -> int:
    """Run ``protection list``."""
    from desktop.core.services.protection import ExportBasis, ListKind, ProtectionExportService

    kind = ListKind(args.kind)
    if args.format == "xlsx" and not args.output:
        raise CliError("--format xlsx cần --output TỆP.xlsx", 2)
    basis = ExportBasis(args.consent_not_needed or "", args.recipient or "")
    book = open_from_args(args)
    try:
        service = ProtectionExportService(book)
        if args.format == "xlsx":
            path = service.export_xlsx(kind, Path(args.output), basis=basis)
            print(f"Đã ghi {path}")
            return 0
        document = service.to_json(kind, basis)
    finally:
        book.close()
    if args.output:
        Path(args.output).write_text(document + "\n", encoding="utf-8")
        print(f"Đã ghi {args.output}")
    else:
        print(document)
    return 0


def cmd_cases_due(args: argparse.Namespace) -> int:
    """Run ``cases due``."""
    from desktop.core.domain.deadlines import STATE_LABELS
    from desktop.core.services.protection import CaseService

    book = open_from_args(args)
    try:
        rows = CaseService(book).due_clocks()
    finally:
        book.close()
    found = [
        {
            "case_id": row.case_id,
            "case_no": row.case_no,
            "case_state": row.state.value,
            "clock": row.clock.kind.value,
            "label": row.clock.label,
            "state": row.clock.state.value,
            "state_label": STATE_LABELS[row.clock.state],
            "received_at": clock.to_local(row.clock.started_at).isoformat(timespec="minutes"),
            "due_at": clock.to_local(row.clock.due_at).isoformat(timespec="minutes"),
            "hours_left": None if row.clock.hours_left is None else round(row.clock.hours_left, 2),
            "working_days_left": row.clock.working_days_left,
            "left": row.clock.left_text,
        }
        for row in rows
    ]
    print(json.dumps({"clocks": found}, ensure_ascii=False, indent=2))
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register this module's subcommands."""
    p_prot = sub.add_parser("protection", help="danh sách bảo vệ trẻ em")
    prot_sub = p_prot.add_subparsers(dest="protection_command", required=True, metavar="LỆNH")
    p_list = prot_sub.add_parser("list", help="in hoặc xuất một danh sách bảo vệ trẻ em")
    p_list.add_argument("--kind", choices=KINDS, required=True)
    p_list.add_argument("--format", choices=["json", "xlsx"], default="json")
    p_list.add_argument("--output", help="tệp kết quả (bắt buộc với xlsx)")
    p_list.add_argument(
        "--consent-not-needed",
        metavar="LÝ_DO",
        help="danh sách vụ việc: lý do không cần sự đồng ý (ghi vào từng vụ việc); không có thì "
        "mọi vụ việc phải đã có sự đồng ý xuất dữ liệu",
    )
    p_list.add_argument("--recipient", metavar="NƠI_NHẬN", help="nơi nhận danh sách vụ việc")
    p_list.set_defaults(func=cmd_protection_list)
    p_cases = sub.add_parser("cases", help="vụ việc xâm hại, bạo lực trẻ em")
    cases_sub = p_cases.add_subparsers(dest="cases_command", required=True, metavar="LỆNH")
    p_due = cases_sub.add_parser("due", help="các thời hạn vụ việc còn mở (JSON)")
    p_due.set_defaults(func=cmd_cases_due)
