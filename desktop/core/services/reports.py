"""Reports computed from the book: the child population on a date, by sex and age group."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy import select

from desktop.core.domain.dates import child_birth_window, format_vn_date
from desktop.core.domain.indicator_data import VISITOR_PREFIX
from desktop.core.domain.permissions import Action
from desktop.core.domain.population import AGE_GROUPS, SEX_FEMALE, SEX_MALE, age_group
from desktop.core.indicators.measures import Period
from desktop.core.reports.document import DocumentHeader
from desktop.core.reports.population import (
    PopulationRow,
    PopulationTable,
    render_population_pdf,
    render_population_xlsx,
)
from desktop.core.reports.protect import ExportProtection
from desktop.core.services.book import Book, CommuneInfo
from desktop.core.services.children import ChildListRow, ChildService
from desktop.core.services.former_communes import FormerCommune
from desktop.core.storage.models import PeriodicReport
from desktop.core.storage.repositories import households as repo
from desktop.core.storage.repositories import indicators as indicators_repo
from sync import clock

DEFINITION = (
    "Trẻ em là người dưới 16 tuổi (Luật Trẻ em 2016, Điều 1), tính theo tuổi tròn tại ngày "
    "chốt số liệu; đếm mọi trẻ đang có trong sổ, mỗi trẻ một lần."
)

DEFINITION_FORMER = (
    "Trẻ em là người dưới 16 tuổi (Luật Trẻ em 2016, Điều 1), tính theo tuổi tròn tại ngày "
    "chốt số liệu; đếm các trẻ sống tại các hộ của xã cũ vào ngày đó (theo lịch sử trong sổ "
    "sau khi gộp sổ), mỗi trẻ một lần."
)


VISITOR_STATUS = "visitor"  # the status of a visiting child's drill-down row (no record)


@dataclass(frozen=True)
class PopulationReport:
    """The child population on ``reference_date``, with the children behind every cell."""

    reference_date: date
    table: PopulationTable
    # (age group label, sex) → ids of the children counted in that cell, for drill-down.
    members: dict[tuple[str, int], list[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(row.total for row in self.table.rows)

    def as_json(self) -> dict[str, object]:
        """A plain, serialisable form (``sotreem report population --format json``)."""
        return {
            "reference_date": format_vn_date(self.reference_date),
            "definition": DEFINITION,
            "groups": [
                {
                    "age_group": row.label,
                    "male": row.male,
                    "female": row.female,
                    "unknown": row.unknown,
                    "total": row.total,
                }
                for row in self.table.rows
            ],
            "total": self.total,
            "male": sum(r.male for r in self.table.rows),
            "female": sum(r.female for r in self.table.rows),
            "unknown": sum(r.unknown for r in self.table.rows),
        }


class ReportService:
    """Computes reports from the book and writes them to PDF or Excel."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def population(self, on: date, former: FormerCommune | None = None) -> PopulationReport:
        """Children under 16 on ``on``, by age group and sex.

        With ``former``, a day before the merge: the children who lived in that former
        commune's households on ``on`` (the scope of its periodic reports, ``load_book_data``).
        """
        self._book.user.require(Action.REPORT)
        cells: dict[tuple[str, int], list[str]] = defaultdict(list)
        with self._book.read() as session:
            if former is None:
                people = [
                    (p.id, p.birth_date, p.sex)
                    for p in repo.persons_born_within(session, child_birth_window(on))
                ]
            else:
                former.check_period("Báo cáo dân số trẻ em", on, on)
                data = indicators_repo.load_book_data(
                    session, Period("", on, on, on), former.households
                )
                people = [(p.id, p.birth_date, p.sex) for p in data.persons if p.resident]
        for person_id, born, sex in people:
            group = age_group(born, on)
            if group is not None:
                cells[(group, sex if sex in (SEX_MALE, SEX_FEMALE) else 3)].append(person_id)
        rows = [
            PopulationRow(
                label=label,
                male=len(cells[(label, SEX_MALE)]),
                female=len(cells[(label, SEX_FEMALE)]),
                unknown=len(cells[(label, 3)]),
            )
            for label, _, _ in AGE_GROUPS
        ]
        name = self._book.commune().display_name if former is None else former.title
        notes = [DEFINITION] if former is None else [DEFINITION_FORMER]
        table = PopulationTable(reference_date=on, commune_name=name, rows=rows, notes=notes)
        return PopulationReport(on, table, {key: ids for key, ids in cells.items() if ids})

    def children_by_ids(self, ids: Sequence[str]) -> list[ChildListRow]:
        """The children behind one number of a report (its drill-down), in the order given
        (without the list's warnings, which these lists do not show)."""
        self._book.user.require(Action.REPORT)
        wanted = list(ids)
        visitors = [i for i in wanted if i.startswith(VISITOR_PREFIX)]
        if not visitors:
            return ChildService(self._book).rows(wanted, flags=False)
        # A visiting child hurt in the commune has no record: its row says who, from the injury.
        found = {r.id: r for r in ChildService(self._book).rows(wanted, flags=False)}
        with self._book.read() as session:
            typed = indicators_repo.visitor_rows(
                session, [i.removeprefix(VISITOR_PREFIX) for i in visitors]
            )
        for injury_id, name, age, sex, hamlet in typed:
            row_id = VISITOR_PREFIX + injury_id
            found[row_id] = ChildListRow(
                id=row_id,
                full_name=f"{name or 'Không rõ tên'} (trẻ nơi khác)",
                birth_date=None,
                sex=sex,
                hamlet_name=hamlet,
                household_id="",
                household_number="",
                head_name="",
                age=age or 0,
                status=VISITOR_STATUS,
            )
        return [found[i] for i in wanted if i in found]

    def last_signer(self) -> tuple[str, list[str]]:
        """The signer's name and title lines last typed on a periodic report of this book
        ("" and [] when none was): the population report signs with the same person."""
        with self._book.read() as session:
            row = session.scalars(
                select(PeriodicReport)
                .where(PeriodicReport.deleted.is_(False), PeriodicReport.signer_name != "")
                .order_by(PeriodicReport.period_code.desc(), PeriodicReport.report_version.desc())
            ).first()
            if row is None:
                return "", []
            return row.signer_name, [x for x in row.signer_lines.split("|") if x.strip()]

    def header(
        self,
        commune: CommuneInfo,
        summary: str,
        issued_on: date,
        *,
        signer_name: str | None = None,
        signer_lines: Sequence[str] = (),
    ) -> DocumentHeader:
        """The official header of a report issued by the commune's People's Committee: the
        upstream office first among the recipients, the signer's title lines and name."""
        recipients = []
        if commune.upstream_unit:
            recipients.append(f"{commune.upstream_unit} (để b/c);")
        recipients += ["TT Đảng ủy, HĐND xã (để b/c);", "Lưu: VT, VHXH."]
        return DocumentHeader(
            superior_body=None,
            issuing_body="ỦY BAN NHÂN DÂN",
            unit_name=commune.display_name,
            number=None,
            doc_type="BÁO CÁO",
            summary=summary,
            place=commune.place_name,
            issued_on=issued_on,
            signer_lines=[x for x in signer_lines if x.strip()]
            or ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
            signer_name=(signer_name or "").strip() or None,
            recipients=recipients,
        )

    def write_population(
        self,
        on: date,
        path: Path,
        fmt: str = "pdf",
        issued_on: date | None = None,
        protection: ExportProtection | None = None,
        *,
        signer_name: str | None = None,
        signer_lines: Sequence[str] = (),
        former: FormerCommune | None = None,
    ) -> PopulationReport:
        """Compute the population on ``on`` and write it as ``fmt`` ("pdf" or "xlsx") (of one
        former commune before the merge with ``former``).

        The signer is ``signer_name``/``signer_lines`` when given, else the one last typed on
        a periodic report (``last_signer``).

        ``protection`` puts a password on the file; the export is recorded in the audit trail.
        """
        report = self.population(on, former)
        commune = self._book.commune()
        where = f"{commune.unit_kind.lower()} {commune.name}" if former is None else former.in_text
        summary = f"Số trẻ em dưới 16 tuổi trên địa bàn {where} tính đến ngày {format_vn_date(on)}"
        if signer_name is None and not signer_lines:
            signer_name, signer_lines = self.last_signer()
        header = self.header(
            commune,
            summary,
            issued_on or clock.today(),
            signer_name=signer_name,
            signer_lines=signer_lines,
        )
        if former is not None:
            header = replace(header, unit_name=former.title)
        if fmt == "pdf":
            render_population_pdf(report.table, header, path, protection=protection)
        elif fmt == "xlsx":
            render_population_xlsx(report.table, header, path, protection=protection)
        else:
            raise ValueError(f"unknown format {fmt!r}")
        from desktop.core.services.audit import record_export

        protected = protection is not None and protection.enabled
        record_export(
            self._book,
            what=f"population-{fmt}",
            path=str(path),
            rows=report.total,
            protected=protected,
            personal=False,
        )
        return report
