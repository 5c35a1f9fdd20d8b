"""Child labour and child marriage records, for 5- to 17-year-olds (R15, R16): 16- and
17-year-olds are no longer children of the book but these indicators count them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from desktop.core.domain import protection as rules
from desktop.core.domain.dates import age_on, format_vn_date
from desktop.core.domain.text import clean_text
from desktop.core.services import access
from desktop.core.services.book import Book
from desktop.core.services.protection.common import (
    FieldProblem,
    NeedsConfirmation,
    ValidationError,
    check_person,
    future_problem,
    presence_problem,
    raise_if,
    require_edit,
    require_reason,
    require_view,
)
from desktop.core.storage.models import LabourRecord, MarriageRecord
from desktop.core.storage.repositories import protection as repo
from sync import clock


@dataclass(frozen=True)
class LabourForm:
    """A child-labour record as typed."""

    person_id: str
    start_date: date | None
    end_date: date | None = None
    work: str = ""
    employer: str = ""
    hours_per_week: int | None = None
    hazardous: bool = False  # forbidden or heavy work (Bộ luật Lao động 2019, Điều 143–147)
    action: str = ""
    note: str = ""
    id: str | None = None


@dataclass(frozen=True)
class LabourView:
    """A child-labour record as shown."""

    id: str
    person_id: str
    full_name: str
    age: int  # on the start date
    hamlet_name: str
    start_date: date
    end_date: date | None
    work: str
    employer: str
    hours_per_week: int | None
    hazardous: bool
    action: str
    note: str


@dataclass(frozen=True)
class MarriageForm:
    """A child-marriage record: ``person_id`` is the under-age party of the book."""

    person_id: str
    marriage_date: date | None
    partner_name: str = ""
    partner_person_id: str | None = None
    partner_birth_date: date | None = None
    partner_sex: int = 3
    registered: bool = False
    handling: str = ""  # e.g. fine under NĐ 82/2020, Điều 58
    support: str = ""
    note: str = ""
    id: str | None = None


@dataclass(frozen=True)
class MarriageView:
    """A child-marriage record as shown."""

    id: str
    person_id: str
    full_name: str
    age: int  # on the marriage date
    sex: int
    hamlet_name: str
    marriage_date: date
    partner_name: str
    partner_age: int | None
    registered: bool
    handling: str
    support: str
    note: str
    partner_person_id: str | None = None
    partner_birth_date: date | None = None
    partner_sex: int = 3


class LabourService:
    """Child-labour and child-marriage records."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def save_labour(self, form: LabourForm, *, confirm: bool = False) -> str:
        """Add or change a labour record; NeedsConfirmation outside ages 5–17 (R15)."""
        user = self._book.user
        require_edit(user)
        with self._book.transaction() as session:
            facts = check_person(session, user, form.person_id)
            row = None
            if form.id:
                row = repo.live(session, LabourRecord, form.id)
                if row is None:
                    raise ValidationError(FieldProblem("id", _GONE))
            problems: list[FieldProblem | None] = [
                future_problem(form.start_date, clock.today(), "start_date", "Ngày bắt đầu")
            ]
            if form.start_date and form.end_date and form.end_date < form.start_date:
                problems.append(
                    FieldProblem(
                        "end_date",
                        f"Ngày kết thúc {format_vn_date(form.end_date)} trước ngày bắt đầu.",
                    )
                )
            if form.hours_per_week is not None and not 0 <= form.hours_per_week <= 168:
                problems.append(
                    FieldProblem("hours_per_week", "Số giờ mỗi tuần phải từ 0 đến 168.")
                )
            if form.start_date is not None and problems == [None]:
                problems.append(
                    presence_problem(facts, form.start_date, "start_date", "Ngày bắt đầu")
                )
            raise_if(problems)
            assert form.start_date is not None
            warning = rules.labour_age_problem(facts.birth_date, form.start_date)
            if warning is not None and not confirm:
                raise NeedsConfirmation([warning])
            if row is None:
                row = LabourRecord(person_id=form.person_id)
                session.add(row)
            values = {
                "person_id": form.person_id,
                "start_date": form.start_date,
                "end_date": form.end_date,
                "work": clean_text(form.work),
                "employer": clean_text(form.employer),
                "hours_per_week": form.hours_per_week,
                "hazardous": form.hazardous,
                "action": clean_text(form.action),
                "note": clean_text(form.note),
            }
            _assign(row, values)
            session.flush()
            return row.id

    def remove_labour(self, record_id: str, reason: str) -> None:
        """Tombstone a labour record typed in error."""
        self._remove(LabourRecord, record_id, reason)

    def labour_list(self, year: int | None = None) -> tuple[LabourView, ...]:
        """Labour records (of a year: those running in it), newest first."""
        user = self._book.user
        require_view(user)
        with self._book.read() as session:
            rows = repo.labour_records(session, year)
            facts = repo.person_facts(session, {r.person_id for r in rows})
        views = []
        for row in rows:
            fact = facts.get(row.person_id)
            if fact is None or not access.in_scope(user, fact.hamlet_id):
                continue
            views.append(
                LabourView(
                    row.id, row.person_id, fact.full_name, age_on(fact.birth_date, row.start_date),
                    fact.hamlet_name, row.start_date, row.end_date, row.work, row.employer,
                    row.hours_per_week, row.hazardous, row.action, row.note,
                )
            )  # fmt: skip
        return tuple(views)

    def save_marriage(self, form: MarriageForm) -> str:
        """Add or change a marriage record; ValidationError unless a party is under age (R16)."""
        user = self._book.user
        require_edit(user)
        with self._book.transaction() as session:
            facts = check_person(session, user, form.person_id)
            row = None
            if form.id:
                row = repo.live(session, MarriageRecord, form.id)
                if row is None:
                    raise ValidationError(FieldProblem("id", _GONE))
            problems: list[FieldProblem | None] = [
                future_problem(form.marriage_date, clock.today(), "marriage_date", "Ngày kết hôn")
            ]
            partner_birth = form.partner_birth_date
            partner_sex = form.partner_sex
            if form.partner_person_id:
                partner = check_person(session, user, form.partner_person_id, "partner_person_id")
                partner_birth, partner_sex = partner.birth_date, partner.sex
            if form.marriage_date is not None and problems == [None]:
                problems.append(
                    presence_problem(facts, form.marriage_date, "marriage_date", "Ngày kết hôn")
                )
                if not (
                    rules.under_marriage_age(facts.birth_date, facts.sex, form.marriage_date)
                    or rules.under_marriage_age(partner_birth, partner_sex, form.marriage_date)
                ):
                    problems.append(
                        FieldProblem(
                            "marriage_date",
                            "Không phải tảo hôn: vào ngày kết hôn không bên nào dưới tuổi kết "
                            "hôn (nam dưới 20, nữ dưới 18 tuổi).",
                        )
                    )
            raise_if(problems)
            if row is None:
                row = MarriageRecord(person_id=form.person_id)
                session.add(row)
            values = {
                "person_id": form.person_id,
                "marriage_date": form.marriage_date,
                "partner_person_id": form.partner_person_id,
                "partner_name": clean_text(form.partner_name),
                "partner_birth_date": partner_birth,
                "partner_sex": partner_sex,
                "registered": form.registered,
                "handling": clean_text(form.handling),
                "support": clean_text(form.support),
                "note": clean_text(form.note),
            }
            _assign(row, values)
            session.flush()
            return row.id

    def remove_marriage(self, record_id: str, reason: str) -> None:
        """Tombstone a marriage record typed in error."""
        self._remove(MarriageRecord, record_id, reason)

    def marriage_list(self, year: int | None = None) -> tuple[MarriageView, ...]:
        """Marriage records (of a year), newest first."""
        user = self._book.user
        require_view(user)
        with self._book.read() as session:
            rows = repo.marriage_records(session, year)
            facts = repo.person_facts(session, {r.person_id for r in rows})
        views = []
        for row in rows:
            fact = facts.get(row.person_id)
            if fact is None or not access.in_scope(user, fact.hamlet_id):
                continue
            partner_age = (
                age_on(row.partner_birth_date, row.marriage_date)
                if row.partner_birth_date
                else None
            )
            views.append(
                MarriageView(
                    row.id, row.person_id, fact.full_name,
                    age_on(fact.birth_date, row.marriage_date), fact.sex, fact.hamlet_name,
                    row.marriage_date, row.partner_name, partner_age, row.registered,
                    row.handling, row.support, row.note, row.partner_person_id,
                    row.partner_birth_date, row.partner_sex,
                )
            )  # fmt: skip
        return tuple(views)

    def _remove(
        self, model: type[LabourRecord] | type[MarriageRecord], row_id: str, reason: str
    ) -> None:
        user = self._book.user
        require_edit(user)
        why = require_reason(reason)
        with self._book.transaction() as session:
            row = repo.live(session, model, row_id)
            if row is None:
                raise ValidationError(FieldProblem("id", _GONE))
            check_person(session, user, row.person_id)
            row.deleted = True
            row.note = clean_text(f"{row.note} [Đã xóa: {why}]")


_GONE = "Bản ghi này không còn trong sổ."


def _assign(row: object, values: Mapping[str, object]) -> None:
    for key, value in values.items():
        if getattr(row, key, None) != value:
            setattr(row, key, value)
