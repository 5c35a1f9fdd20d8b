"""The protection lists as data for ``sotreem protection list`` and as .xlsx files, with the
sensitive fields left out for roles without VIEW_SENSITIVE and the informant never included.

A list that carries children's case data (the case list as the officer sees it: the children's
names and the forms of abuse) leaves the book only on a recorded basis (Luật 91/2025 Điều 24):
every case's own consent to an export, or a reason why none is needed, which is then written
on each case it carried (``consent.ExportBasis``)."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.deadlines import STATE_LABELS, ClockState
from desktop.core.domain.permissions import Action
from desktop.core.domain.population import SEX_LABELS
from desktop.core.reports.protect import ExportProtection
from desktop.core.reports.xlsx_list import ListColumn, ListTable, render_list_xlsx
from desktop.core.services.book import Book
from desktop.core.services.protection.cases import CASE_STATE_LABELS, CaseService
from desktop.core.services.protection.common import HIDDEN_SENSITIVE_NOTE, may_see_sensitive
from desktop.core.services.protection.consent import (
    ExportBasis,
    check_export_basis,
    export_consent_gaps,
    record_export_basis,
)
from desktop.core.services.protection.injuries import INJURY_PLACES, InjuryService
from desktop.core.services.protection.labour import LabourService
from desktop.core.services.protection.risks import RiskService
from desktop.core.services.protection.special import SpecialService
from desktop.core.services.protection.supports import FUNDING_SOURCES, SupportService
from sync import clock


class ListKind(enum.StrEnum):
    """Which list."""

    SPECIAL = "special"
    RISK = "risk"
    CASES = "cases"
    INJURIES = "injuries"
    SUPPORTS = "supports"
    LABOUR = "labour"
    MARRIAGE = "marriage"


@dataclass(frozen=True)
class ProtectionTable:
    """A list as columns (Vietnamese headers) and rows of plain values (JSON-able)."""

    kind: ListKind
    title: str
    keys: tuple[str, ...]  # stable JSON keys
    headers: tuple[str, ...]  # Vietnamese column titles
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""  # e.g. what was hidden for the role
    # The cases whose children's data the list carries (case id → case number): non-empty only
    # for the case list with its sensitive columns, which needs a consent basis to leave.
    cases: dict[str, str] = field(default_factory=dict)


class ProtectionExportService:
    """Lists of child protection for the command line and Excel."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def table(self, kind: ListKind) -> ProtectionTable:
        """The list as the current role may see it (audited as a view when it has names)."""
        builder = _BUILDERS[kind]
        return builder(self._book)

    def consent_gaps(self, kind: ListKind) -> tuple[str, ...]:
        """The case numbers of the list that have no standing consent to an export today
        (empty when the list carries no case data for this role): what an export without a
        "no consent needed" reason would be refused for."""
        table = self.table(kind)
        if not table.cases:
            return ()
        with self._book.read() as session:
            missing = export_consent_gaps(session, table.cases, clock.today())
        return tuple(sorted(table.cases[c] for c in missing))

    def needs_basis(self, kind: ListKind) -> bool:
        """Whether an export of ``kind`` by this role carries case data (asks for a basis)."""
        return kind == ListKind.CASES and may_see_sensitive(self._book.user)

    def to_json(self, kind: ListKind, basis: ExportBasis | None = None) -> str:
        """The list as a JSON document: {"kind", "title", "rows": [{key: value}]}; a list with
        case data needs ``basis`` (ValidationError naming the cases otherwise)."""
        table = self.table(kind)
        self._check_basis(table, basis)
        document = {
            "kind": table.kind.value,
            "title": table.title,
            "note": table.note,
            "rows": [dict(zip(table.keys, row, strict=True)) for row in table.rows],
        }
        text = json.dumps(document, ensure_ascii=False, indent=2, default=_json_value)
        self._record_basis(table, basis, f"{table.title} (JSON)")
        return text

    def export_xlsx(
        self,
        kind: ListKind,
        path: Path,
        password: str | None = None,
        basis: ExportBasis | None = None,
    ) -> Path:
        """Write the list to ``path`` (EXPORT permission; audited; optional password); a list
        with case data needs ``basis`` (ValidationError naming the cases, nothing written)."""
        self._book.user.require(Action.EXPORT)
        table = self.table(kind)
        self._check_basis(table, basis)
        commune = self._book.commune()
        widths = {"full_name": 26, "case_no": 14, "groups": 12, "categories": 40}
        kinds = {date: "date", int: "number"}
        columns = []
        for index, (key, header) in enumerate(zip(table.keys, table.headers, strict=True)):
            sample = next((row[index] for row in table.rows if row[index] is not None), None)
            columns.append(ListColumn(header, widths.get(key, 16), kinds.get(type(sample), "text")))
        rows = [[_cell(v) for v in row] for row in table.rows]
        protection = ExportProtection(password) if password else None
        written = render_list_xlsx(
            ListTable(
                title=table.title,
                columns=columns,
                rows=rows,
                issuer=f"UBND {commune.display_name.upper()}",
                subtitle=f"Lập ngày {format_vn_date(clock.today())}",
                notes=(table.note,) if table.note else (),
            ),
            path,
            protection,
        )
        self._record_basis(table, basis, f"{table.title}, tệp {path.name}")
        from desktop.core.services.audit import record_export

        record_export(
            self._book,
            what=f"protection-{kind.value}",
            path=str(path),
            rows=written,
            protected=protection is not None,
            personal=True,
        )
        return path

    def _check_basis(self, table: ProtectionTable, basis: ExportBasis | None) -> None:
        if table.cases:
            with self._book.read() as session:
                check_export_basis(session, table.cases, basis, clock.today())

    def _record_basis(self, table: ProtectionTable, basis: ExportBasis | None, what: str) -> None:
        if table.cases and basis is not None and basis.not_needed_reason.strip():
            with self._book.transaction() as session:
                record_export_basis(session, table.cases, basis, clock.today(), what)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.to_local(value).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return f"{clock.to_local(value):%H:%M %d/%m/%Y}"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return value


def _sex(value: int) -> str:
    return SEX_LABELS.get(value, "")


def _special(book: Book) -> ProtectionTable:
    listed = SpecialService(book).list()
    keys = (
        "person_id", "full_name", "birth_date", "sex", "hamlet", "household_number", "groups",
        "supported", "support_count", "last_support_on",
    )  # fmt: skip
    headers = (
        "Mã", "Họ và tên", "Ngày sinh", "Giới tính", "Thôn", "Số hộ", "Nhóm HCĐB",
        f"Được trợ giúp ({listed.coverage.period.label})", "Số lần trợ giúp", "Lần gần nhất",
    )  # fmt: skip
    rows = tuple(
        (
            r.person_id,
            r.full_name,
            r.birth_date,
            _sex(r.sex),
            r.hamlet_name,
            r.household_number,
            r.groups_text,
            r.supported,
            r.support_count,
            r.last_support_on,
        )
        for r in listed.rows
    )
    note = " ".join(part for part in (listed.coverage.text, listed.hidden_note) if part)
    return ProtectionTable(
        ListKind.SPECIAL, "Danh sách trẻ em có hoàn cảnh đặc biệt", keys, headers, rows, note
    )


def _risk(book: Book) -> ProtectionTable:
    rows = RiskService(book).list()
    return ProtectionTable(
        ListKind.RISK,
        "Danh sách trẻ em có nguy cơ rơi vào hoàn cảnh đặc biệt",
        ("person_id", "full_name", "birth_date", "sex", "hamlet", "household_number",
         "categories"),
        ("Mã", "Họ và tên", "Ngày sinh", "Giới tính", "Thôn", "Số hộ", "Nguy cơ"),
        tuple(
            (r.person_id, r.full_name, r.birth_date, _sex(r.sex), r.hamlet_name,
             r.household_number, r.categories_text)
            for r in rows
        ),
    )  # fmt: skip


def _cases(book: Book) -> ProtectionTable:
    rows = CaseService(book).list()
    sensitive = may_see_sensitive(book.user)
    table_rows = []
    for r in rows:
        clocks = "; ".join(f"{c.label}: {c.left_text}" for c in r.clocks)
        table_rows.append(
            (r.case_no, CASE_STATE_LABELS[r.state], r.received_at, r.children_text,
             r.forms_text, clocks, STATE_LABELS.get(ClockState(r.worst_state), "")
             if r.worst_state else "")
        )  # fmt: skip
    return ProtectionTable(
        ListKind.CASES,
        "Danh sách vụ việc xâm hại, bạo lực, bóc lột, bỏ rơi trẻ em",
        ("case_no", "state", "received_at", "children", "forms", "clocks", "urgency"),
        ("Số vụ việc", "Trạng thái", "Tiếp nhận lúc", "Trẻ em", "Hình thức", "Thời hạn",
         "Mức khẩn"),
        tuple(table_rows),
        "" if sensitive else HIDDEN_SENSITIVE_NOTE,
        {r.id: r.case_no for r in rows} if sensitive else {},
    )  # fmt: skip


def _injuries(book: Book) -> ProtectionTable:
    rows = InjuryService(book).list()
    return ProtectionTable(
        ListKind.INJURIES,
        "Danh sách trẻ em bị tai nạn, thương tích",
        ("occurred_on", "full_name", "age", "sex", "in_book", "hamlet", "cause", "drowning",
         "outcome", "treatment", "place"),
        ("Ngày xảy ra", "Họ và tên", "Tuổi", "Giới tính", "Trong sổ", "Thôn", "Nguyên nhân",
         "Đuối nước", "Hậu quả", "Nơi điều trị", "Nơi xảy ra"),
        tuple(
            (r.occurred_on, r.full_name, r.age, _sex(r.sex), r.in_book, r.hamlet_name,
             r.cause_name, r.drowning, r.outcome_name, r.treatment_name,
             INJURY_PLACES.get(r.place_code, r.place) if r.place_code else r.place)
            for r in rows
        ),
    )  # fmt: skip


def _supports(book: Book) -> ProtectionTable:
    rows = SupportService(book).list()
    return ProtectionTable(
        ListKind.SUPPORTS,
        "Danh sách trợ giúp, can thiệp cho trẻ em",
        ("given_on", "end_date", "person_id", "full_name", "support", "provider", "funding",
         "amount", "campaign"),
        ("Ngày", "Đến ngày", "Mã trẻ", "Họ và tên", "Hình thức", "Đơn vị trợ giúp", "Nguồn",
         "Số tiền (đồng)", "Đợt"),
        tuple(
            (r.given_on, r.end_date, r.person_id, r.full_name, r.support_name, r.provider,
             FUNDING_SOURCES.get(r.funding, r.funding), r.amount, r.campaign_name)
            for r in rows
        ),
    )  # fmt: skip


def _labour(book: Book) -> ProtectionTable:
    rows = LabourService(book).labour_list()
    return ProtectionTable(
        ListKind.LABOUR,
        "Danh sách lao động trẻ em (5–17 tuổi)",
        ("person_id", "full_name", "age", "hamlet", "start_date", "end_date", "work",
         "hazardous", "action"),
        ("Mã", "Họ và tên", "Tuổi", "Thôn", "Từ ngày", "Đến ngày", "Công việc",
         "Nặng nhọc, nguy hiểm", "Biện pháp"),
        tuple(
            (r.person_id, r.full_name, r.age, r.hamlet_name, r.start_date, r.end_date, r.work,
             r.hazardous, r.action)
            for r in rows
        ),
    )  # fmt: skip


def _marriage(book: Book) -> ProtectionTable:
    rows = LabourService(book).marriage_list()
    return ProtectionTable(
        ListKind.MARRIAGE,
        "Danh sách tảo hôn",
        ("person_id", "full_name", "age", "sex", "hamlet", "marriage_date", "partner",
         "partner_age", "registered", "handling"),
        ("Mã", "Họ và tên", "Tuổi", "Giới tính", "Thôn", "Ngày kết hôn", "Người kia",
         "Tuổi người kia", "Đăng ký", "Xử lý"),
        tuple(
            (r.person_id, r.full_name, r.age, _sex(r.sex), r.hamlet_name, r.marriage_date,
             r.partner_name, r.partner_age, r.registered, r.handling)
            for r in rows
        ),
    )  # fmt: skip


_BUILDERS: dict[ListKind, Callable[[Book], ProtectionTable]] = {
    ListKind.SPECIAL: _special,
    ListKind.RISK: _risk,
    ListKind.CASES: _cases,
    ListKind.INJURIES: _injuries,
    ListKind.SUPPORTS: _supports,
    ListKind.LABOUR: _labour,
    ListKind.MARRIAGE: _marriage,
}
