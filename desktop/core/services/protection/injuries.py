"""Injuries and drownings (tai nạn, thương tích, đuối nước): dated events with cause, place,
outcome and level of treatment, for children in the book and for visiting children."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.core.domain.dates import age_on
from desktop.core.domain.text import clean_text
from desktop.core.services import access, codes
from desktop.core.services.book import Book
from desktop.core.services.protection.common import (
    FieldProblem,
    ValidationError,
    check_person,
    future_problem,
    presence_problem,
    raise_if,
    require_edit,
    require_reason,
    require_view,
)
from desktop.core.storage.models import Hamlet, Injury
from desktop.core.storage.repositories import protection as repo
from desktop.core.storage.repositories.protection import PersonFacts
from sync import clock

DROWNING_CODE = "TN05"
DEATH_OUTCOME = "KQ01"
INJURY_PLACES = {
    "home": "Tại nhà",
    "school": "Trường học",
    "road": "Đường giao thông",
    "water": "Ao, hồ, sông, suối, biển",
    "field": "Đồng ruộng, nơi làm việc",
    "public": "Nơi công cộng",
    "other": "Nơi khác",
}


@dataclass(frozen=True)
class InjuryForm:
    """An injury as typed: ``person_id`` for a child of the book, else the visitor fields."""

    occurred_on: date | None
    cause_code: str
    outcome_code: str
    treatment_code: str = ""
    occurred_time: time | None = None
    person_id: str | None = None
    visitor_name: str = ""
    visitor_age: int | None = None
    visitor_sex: int = 3
    hamlet_id: str | None = None  # where it happened (defaults to the child's hamlet)
    place_code: str = ""  # a key of INJURY_PLACES
    place: str = ""  # free text
    note: str = ""
    id: str | None = None


@dataclass(frozen=True)
class InjuryView:
    """An injury as shown."""

    id: str
    occurred_on: date
    occurred_time: time | None
    person_id: str | None
    full_name: str
    age: int | None
    sex: int
    in_book: bool
    hamlet_name: str
    cause_code: str
    cause_name: str
    outcome_code: str
    outcome_name: str
    treatment_code: str
    treatment_name: str
    place_code: str
    place: str
    note: str

    @property
    def drowning(self) -> bool:
        """Drowning is counted on its own (TN05)."""
        return self.cause_code == DROWNING_CODE


@dataclass(frozen=True)
class InjuryFilter:
    """Filters of the injury list."""

    year: int | None = None
    cause_code: str | None = None  # a parent code includes its sub-codes
    drowning_only: bool = False
    hamlet_id: str | None = None
    outcome_code: str | None = None


class InjuryService:
    """Injury events."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def save(self, form: InjuryForm) -> str:
        """Add or change an injury; ValidationError names the field."""
        user = self._book.user
        require_edit(user)
        today = clock.today()
        with self._book.transaction() as session:
            row = None
            if form.id:
                row = repo.live(session, Injury, form.id)
                if row is None:
                    raise ValidationError(FieldProblem("id", "Tai nạn này không còn trong sổ."))
            problems: list[FieldProblem | None] = [
                future_problem(form.occurred_on, today, "occurred_on", "Ngày xảy ra")
            ]
            hamlet_id = form.hamlet_id
            if form.person_id:
                facts = check_person(session, user, form.person_id)
                hamlet_id = hamlet_id or facts.hamlet_id
                if form.occurred_on is not None and problems == [None]:
                    problems.append(
                        presence_problem(facts, form.occurred_on, "occurred_on", "Ngày xảy ra")
                    )
            else:
                if not clean_text(form.visitor_name) and form.visitor_age is None:
                    problems.append(
                        FieldProblem(
                            "visitor_name",
                            "Chọn trẻ trong sổ, hoặc ghi tên hay tuổi của trẻ không có trong sổ.",
                        )
                    )
                if form.visitor_age is not None and not 0 <= form.visitor_age <= 17:
                    problems.append(FieldProblem("visitor_age", "Tuổi của trẻ phải từ 0 đến 17."))
                if hamlet_id is not None:
                    access.require_hamlet(user, hamlet_id)
                elif user.hamlet_ids is not None:
                    problems.append(FieldProblem("hamlet_id", "Hãy chọn thôn nơi xảy ra."))
            if form.cause_code not in codes.tree_codes(codes.injury_causes()):
                problems.append(FieldProblem("cause_code", "Hãy chọn nguyên nhân."))
            if form.outcome_code not in codes.tree_codes(codes.injury_outcomes()):
                problems.append(FieldProblem("outcome_code", "Hãy chọn hậu quả."))
            if form.treatment_code and form.treatment_code not in codes.tree_codes(
                codes.treatment_levels()
            ):
                problems.append(FieldProblem("treatment_code", "Hãy chọn nơi điều trị."))
            if form.place_code and form.place_code not in INJURY_PLACES:
                problems.append(FieldProblem("place_code", "Hãy chọn nơi xảy ra."))
            raise_if(problems)
            if row is None:
                row = Injury()
                session.add(row)
            values = {
                "person_id": form.person_id or None,
                "visitor_name": "" if form.person_id else clean_text(form.visitor_name),
                "visitor_age": None if form.person_id else form.visitor_age,
                "visitor_sex": 3 if form.person_id else form.visitor_sex,
                "hamlet_id": hamlet_id,
                "occurred_on": form.occurred_on,
                "occurred_time": form.occurred_time.strftime("%H:%M") if form.occurred_time else "",
                "place_code": form.place_code,
                "place": clean_text(form.place),
                "cause_code": form.cause_code,
                "outcome_code": form.outcome_code,
                "treatment_code": form.treatment_code,
                "note": clean_text(form.note),
            }
            for key, value in values.items():
                if getattr(row, key, None) != value:
                    setattr(row, key, value)
            session.flush()
            return row.id

    def remove(self, injury_id: str, reason: str) -> None:
        """Tombstone an injury typed in error."""
        user = self._book.user
        require_edit(user)
        why = require_reason(reason)
        with self._book.transaction() as session:
            row = repo.live(session, Injury, injury_id)
            if row is None:
                raise ValidationError(FieldProblem("id", "Tai nạn này không còn trong sổ."))
            access.require_hamlet(user, row.hamlet_id)
            row.deleted = True
            row.note = clean_text(f"{row.note} [Đã xóa: {why}]")

    def list(self, filters: InjuryFilter | None = None) -> tuple[InjuryView, ...]:
        """Injuries, newest first."""
        filters = filters or InjuryFilter()
        user = self._book.user
        require_view(user)
        with self._book.read() as session:
            rows = repo.injuries(session, year=filters.year, hamlet_id=filters.hamlet_id)
            return self._views(session, rows, filters)

    def of_child(self, person_id: str) -> tuple[InjuryView, ...]:
        """A child's injuries, newest first."""
        user = self._book.user
        require_view(user)
        with self._book.read() as session:
            check_person(session, user, person_id)
            return self._views(session, repo.injuries(session, person_id=person_id), None)

    def _views(
        self, session: Session, rows: Sequence[Injury], filters: InjuryFilter | None
    ) -> tuple[InjuryView, ...]:
        user = self._book.user
        facts = repo.person_facts(session, {r.person_id for r in rows if r.person_id})
        hamlets = {h.id: h.name for h in session.scalars(select(Hamlet))}
        views = []
        for row in rows:
            if not access.in_scope(user, row.hamlet_id):
                continue
            if filters is not None:
                if filters.drowning_only and row.cause_code != DROWNING_CODE:
                    continue
                cause = filters.cause_code
                if cause and not (
                    row.cause_code == cause or row.cause_code.startswith(cause + ".")
                ):
                    continue
                if filters.outcome_code and row.outcome_code != filters.outcome_code:
                    continue
            views.append(_view(row, facts, hamlets))
        return tuple(views)


def _view(row: Injury, facts: dict[str, PersonFacts], hamlets: dict[str, str]) -> InjuryView:
    fact = facts.get(row.person_id or "")
    when = time.fromisoformat(row.occurred_time) if row.occurred_time else None
    return InjuryView(
        id=row.id,
        occurred_on=row.occurred_on,
        occurred_time=when,
        person_id=row.person_id,
        full_name=fact.full_name if fact else row.visitor_name,
        age=age_on(fact.birth_date, row.occurred_on) if fact else row.visitor_age,
        sex=fact.sex if fact else row.visitor_sex,
        in_book=fact is not None,
        hamlet_name=hamlets.get(row.hamlet_id or "", ""),
        cause_code=row.cause_code,
        cause_name=codes.tree_name(codes.injury_causes(), row.cause_code),
        outcome_code=row.outcome_code,
        outcome_name=codes.tree_name(codes.injury_outcomes(), row.outcome_code),
        treatment_code=row.treatment_code,
        treatment_name=codes.tree_name(codes.treatment_levels(), row.treatment_code),
        place_code=row.place_code,
        place=row.place,
        note=row.note,
    )
