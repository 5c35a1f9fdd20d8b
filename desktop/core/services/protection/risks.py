"""Children at risk of falling into special circumstances (DOMAIN §3.2): dated episodes with a
category from a list the administrator edits. Codes are never reused: a category is retired,
never deleted, and a new one takes the next number (NC01, NC02 …)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.core.domain import protection as rules
from desktop.core.domain.permissions import Action
from desktop.core.domain.text import clean_text, fold
from desktop.core.services import access, codes
from desktop.core.services.book import Book
from desktop.core.services.protection.common import (
    FieldProblem,
    ValidationError,
    check_person,
    left_on,
    raise_if,
    require_edit,
    require_reason,
    require_view,
    today_of,
)
from desktop.core.storage.models import RiskCategory as ModelCategory
from desktop.core.storage.models import RiskEpisode
from desktop.core.storage.repositories import protection as repo
from sync import clock


@dataclass(frozen=True)
class RiskCategory:
    """A category of risk; ``active`` False once retired (old episodes keep it)."""

    code: str
    name: str
    active: bool
    builtin: bool  # shipped in resources/codes/risk_categories.csv


@dataclass(frozen=True)
class RiskEpisodeForm:
    """A risk episode as typed."""

    person_id: str
    category_code: str
    start_date: date | None
    end_date: date | None = None
    end_reason: str = ""
    note: str = ""
    verified_by: str = ""
    id: str | None = None


@dataclass(frozen=True)
class RiskEpisodeView:
    """A risk episode as shown."""

    id: str
    person_id: str
    category_code: str
    category_name: str
    start_date: date
    end_date: date | None
    end_reason: str
    note: str
    verified_by: str


@dataclass(frozen=True)
class RiskFilter:
    """Filters of the at-risk list; ``on`` None = today."""

    category_code: str | None = None
    hamlet_id: str | None = None
    text: str = ""
    on: date | None = None


@dataclass(frozen=True)
class RiskListRow:
    """A child at risk on the list's day."""

    person_id: str
    full_name: str
    birth_date: date
    sex: int
    hamlet_id: str | None
    hamlet_name: str
    household_number: str
    category_codes: tuple[str, ...]
    categories_text: str


class RiskService:
    """At-risk categories and episodes."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def categories(self, *, include_retired: bool = False) -> tuple[RiskCategory, ...]:
        """The categories, in code order."""
        with self._book.read() as session:
            found = _categories(session)
        return tuple(c for c in found.values() if include_retired or c.active)

    def add_category(self, name: str) -> str:
        """A new category with the next unused code (administrator); returns the code."""
        self._book.user.require(Action.SETTINGS)
        text = _name(name)
        with self._book.transaction() as session:
            existing = _categories(session)
            if any(fold(c.name) == fold(text) for c in existing.values()):
                raise ValidationError(FieldProblem("name", f"Loại nguy cơ “{text}” đã có."))
            used = {c for c in existing} | {r.code for r in _all_rows(session)}
            number = max((int(c[2:]) for c in used if c[2:].isdigit() and c != "NC99"), default=0)
            code = f"NC{number + 1:02d}"
            while code in used:
                number += 1
                code = f"NC{number + 1:02d}"
            session.add(ModelCategory(code=code, name=text, active=True))
            return code

    def rename_category(self, code: str, name: str) -> None:
        """Change a category's name (administrator)."""
        self._book.user.require(Action.SETTINGS)
        text = _name(name)
        with self._book.transaction() as session:
            self._row(session, code).name = text

    def set_category_active(self, code: str, active: bool) -> None:
        """Retire or bring back a category (administrator); its code is never given again."""
        self._book.user.require(Action.SETTINGS)
        with self._book.transaction() as session:
            row = self._row(session, code)
            if row.active != active:
                row.active = active

    def _row(self, session: Session, code: str) -> ModelCategory:
        categories = _categories(session)
        if code not in categories:
            raise ValidationError(FieldProblem("code", f"Không có loại nguy cơ mã {code}."))
        row = repo.risk_category_row(session, code)
        if row is None:
            row = ModelCategory(code=code, name=categories[code].name, active=True)
            session.add(row)
        return row

    def episodes_of(self, person_id: str) -> list[RiskEpisodeView]:
        """All risk episodes of a child, newest first."""
        user = self._book.user
        require_view(user)
        with self._book.read() as session:
            check_person(session, user, person_id)
            names = {c.code: c.name for c in _categories(session).values()}
            return [_view(row, names) for row in repo.episodes_of(session, RiskEpisode, person_id)]

    def save(self, form: RiskEpisodeForm) -> str:
        """Add or change an episode; ValidationError names the field."""
        user = self._book.user
        require_edit(user)
        with self._book.transaction() as session:
            facts = check_person(session, user, form.person_id)
            categories = _categories(session)
            row = None
            if form.id:
                row = repo.live(session, RiskEpisode, form.id)
                if row is None or row.person_id != form.person_id:
                    raise ValidationError(FieldProblem("id", _GONE))
            problems: list[FieldProblem] = []
            category = categories.get(form.category_code)
            if category is None or (
                not category.active and (row is None or row.category_code != form.category_code)
            ):
                problems.append(FieldProblem("category_code", "Hãy chọn loại nguy cơ."))
            if form.end_date is not None and form.end_reason not in rules.END_REASONS:
                problems.append(
                    FieldProblem("end_reason", "Có ngày kết thúc: hãy chọn lý do kết thúc.")
                )
            others = [
                rules.EpisodeDates(e.id, (e.category_code,), e.start_date, e.end_date)
                for e in repo.episodes_of(session, RiskEpisode, form.person_id)
            ]
            problems += rules.episode_problems(
                start=form.start_date,
                end=form.end_date,
                birth=facts.birth_date,
                today=clock.today(),
                key=(form.category_code,),
                others=others,
                own_id=form.id,
                left_on=left_on(facts),
                label="Nguy cơ",
            )
            raise_if(list(problems))
            if row is None:
                row = RiskEpisode(person_id=form.person_id)
                session.add(row)
            values = {
                "category_code": form.category_code,
                "start_date": form.start_date,
                "end_date": form.end_date,
                "end_reason": form.end_reason if form.end_date else "",
                "note": clean_text(form.note),
                "verified_by": clean_text(form.verified_by),
            }
            for key, value in values.items():
                if getattr(row, key) != value:
                    setattr(row, key, value)
            session.flush()
            return row.id

    def end(self, episode_id: str, end_date: date, reason: str) -> None:
        """Close an open episode."""
        user = self._book.user
        require_edit(user)
        with self._book.transaction() as session:
            row = repo.live(session, RiskEpisode, episode_id)
            if row is None:
                raise ValidationError(FieldProblem("id", _GONE))
            facts = check_person(session, user, row.person_id)
            problems = (
                []
                if reason in rules.END_REASONS
                else [FieldProblem("end_reason", "Hãy chọn lý do kết thúc.")]
            )
            problems += rules.episode_problems(
                start=row.start_date, end=end_date, birth=facts.birth_date,
                today=clock.today(), key=("self",), others=(), own_id=row.id,
                left_on=None, label="Nguy cơ",
            )  # fmt: skip
            raise_if(list(problems))
            row.end_date = end_date
            row.end_reason = reason

    def remove(self, episode_id: str, reason: str) -> None:
        """Tombstone an episode typed in error."""
        user = self._book.user
        require_edit(user)
        why = require_reason(reason)
        with self._book.transaction() as session:
            row = repo.live(session, RiskEpisode, episode_id)
            if row is None:
                raise ValidationError(FieldProblem("id", _GONE))
            check_person(session, user, row.person_id)
            row.deleted = True
            row.end_reason = "error"
            row.note = clean_text(f"{row.note} [Đã xóa: {why}]")

    def list(self, filters: RiskFilter | None = None) -> tuple[RiskListRow, ...]:
        """The children at risk on ``filters.on``."""
        filters = filters or RiskFilter()
        user = self._book.user
        require_view(user)
        on = today_of(filters.on)
        with self._book.read() as session:
            names = {c.code: c.name for c in _categories(session).values()}
            members: dict[str, set[str]] = {}
            for person_id, code in repo.risk_open_on(session, on):
                members.setdefault(person_id, set()).add(code)
            facts = repo.person_facts(session, list(members))
        needle = fold(filters.text)
        rows = []
        for person_id, found in members.items():
            fact = facts.get(person_id)
            if fact is None or not access.in_scope(user, fact.hamlet_id):
                continue
            if filters.hamlet_id and fact.hamlet_id != filters.hamlet_id:
                continue
            if filters.category_code and filters.category_code not in found:
                continue
            if needle and needle not in fold(fact.full_name):
                continue
            ordered = tuple(sorted(found))
            rows.append(
                RiskListRow(
                    person_id, fact.full_name, fact.birth_date, fact.sex, fact.hamlet_id,
                    fact.hamlet_name, fact.household_number, ordered,
                    "; ".join(names.get(c, c) for c in ordered),
                )
            )  # fmt: skip
        rows.sort(key=lambda r: (facts[r.person_id].name_sort_key, r.person_id))
        return tuple(rows)


_GONE = "Giai đoạn này không còn trong sổ."


def _name(name: str) -> str:
    text = clean_text(name)
    if not text:
        raise ValidationError(FieldProblem("name", "Hãy nhập tên loại nguy cơ."))
    return text


def _all_rows(session: Session) -> list[ModelCategory]:
    return list(session.scalars(select(ModelCategory)))


def _categories(session: Session) -> dict[str, RiskCategory]:
    found = {c.code: RiskCategory(c.code, c.name, True, True) for c in codes.risk_categories()}
    for row in repo.risk_categories(session):
        builtin = row.code in found
        found[row.code] = RiskCategory(row.code, row.name, row.active, builtin)
    return dict(sorted(found.items()))


def _view(row: RiskEpisode, names: dict[str, str]) -> RiskEpisodeView:
    return RiskEpisodeView(
        row.id, row.person_id, row.category_code, names.get(row.category_code, row.category_code),
        row.start_date, row.end_date, row.end_reason, row.note, row.verified_by,
    )  # fmt: skip
