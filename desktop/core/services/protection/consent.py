"""Consent records (Luật 91/2025, Điều 24): a referral or an export that carries a child's case
data records who consented — the child from 7 years old and the parent or carer — or why no
consent was needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from desktop.core.domain import protection as rules
from desktop.core.domain.permissions import Action
from desktop.core.domain.text import clean_text
from desktop.core.services.book import Book, CurrentUser
from desktop.core.services.protection.common import (
    FieldProblem,
    ValidationError,
    check_person,
    future_problem,
    raise_if,
    require_edit,
    require_view,
)
from desktop.core.storage.models import CaseChild, ConsentRecord, ProtectionCase
from desktop.core.storage.repositories import protection as repo
from sync import clock

CONSENT_PURPOSES = {
    "referral": "Chuyển gửi hồ sơ vụ việc",
    "export": "Xuất danh sách, dữ liệu có tên trẻ",
    "media": "Cung cấp cho báo chí, truyền thông",
    "other": "Mục đích khác",
}


@dataclass(frozen=True)
class ConsentForm:
    """A consent as typed; ``not_needed_reason`` instead of the consents when the law says so."""

    purpose: str  # a key of CONSENT_PURPOSES
    given_on: date | None
    person_id: str | None = None  # the child of the book (else the case's child)
    case_id: str | None = None
    scope: str = ""  # what may be disclosed, to whom
    child_consented: bool = False
    representative_name: str = ""
    representative_consented: bool = False
    not_needed_reason: str = ""
    note: str = ""


@dataclass(frozen=True)
class ConsentView:
    """A consent as shown."""

    id: str
    purpose: str
    purpose_label: str
    given_on: date
    person_id: str | None
    case_id: str | None
    scope: str
    child_consented: bool
    representative_name: str
    representative_consented: bool
    not_needed_reason: str
    withdrawn_on: date | None
    note: str


class ConsentService:
    """Consent records of children and cases."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def record(self, form: ConsentForm) -> str:
        """Save a consent; ValidationError names what is missing (the child's own consent from
        7, the representative's, or a reason)."""
        user = self._book.user
        require_edit(user)
        if form.case_id:
            user.require(Action.EDIT_SENSITIVE)
        with self._book.transaction() as session:
            return record_consent(session, user, form)

    def withdraw(self, consent_id: str, on: date, note: str = "") -> None:
        """Record that the consent was withdrawn on ``on``."""
        user = self._book.user
        require_edit(user)
        with self._book.transaction() as session:
            row = repo.live(session, ConsentRecord, consent_id)
            if row is None:
                raise ValidationError(FieldProblem("id", "Sự đồng ý này không còn trong sổ."))
            if row.case_id:
                user.require(Action.EDIT_SENSITIVE)
            raise_if([future_problem(on, clock.today(), "withdrawn_on", "Ngày rút lại")])
            if on < row.given_on:
                raise ValidationError(
                    FieldProblem("withdrawn_on", "Ngày rút lại trước ngày đồng ý.")
                )
            row.withdrawn_on = on
            if note:
                row.note = clean_text(f"{row.note} [Rút lại: {note}]")

    def of_case(self, case_id: str) -> tuple[ConsentView, ...]:
        """The consents of a case."""
        self._book.user.require(Action.VIEW_SENSITIVE)
        with self._book.read() as session:
            return tuple(_view(r) for r in repo.consents(session, case_id=case_id))

    def of_child(self, person_id: str) -> tuple[ConsentView, ...]:
        """The consents of a child of the book."""
        user = self._book.user
        require_view(user)
        sensitive = user.may(Action.VIEW_SENSITIVE)
        with self._book.read() as session:
            check_person(session, user, person_id)
            rows = repo.consents(session, person_id=person_id)
            return tuple(_view(r) for r in rows if sensitive or not r.case_id)


def record_consent(session: Session, user: CurrentUser, form: ConsentForm) -> str:
    """Check and add a consent in the caller's transaction; returns its id."""
    birth: date | None = None
    if form.person_id:
        birth = check_person(session, user, form.person_id).birth_date
    elif form.case_id:
        kids = repo.case_children(session, [form.case_id]).get(form.case_id, [])
        facts = repo.person_facts(session, {c.person_id for c in kids if c.person_id})
        # The eldest child of the case decides whether a child's own consent is needed.
        births = [
            facts[c.person_id].birth_date
            if c.person_id in facts
            else _case_child_birth(c, form.given_on)
            for c in kids
        ]
        known = [b for b in births if b is not None]
        birth = min(known) if known else None
    problems: list[FieldProblem | None] = []
    if form.purpose not in CONSENT_PURPOSES:
        problems.append(FieldProblem("purpose", "Hãy chọn mục đích."))
    problems.append(future_problem(form.given_on, clock.today(), "given_on", "Ngày đồng ý"))
    if form.case_id and repo.live(session, ProtectionCase, form.case_id) is None:
        problems.append(FieldProblem("case_id", "Vụ việc này không còn trong sổ."))
    problems += rules.consent_problems(
        birth=birth,
        on=form.given_on,
        child_consented=form.child_consented,
        representative_name=form.representative_name,
        representative_consented=form.representative_consented,
        not_needed_reason=form.not_needed_reason,
    )
    raise_if(problems)
    assert form.given_on is not None
    row = ConsentRecord(
        person_id=form.person_id,
        case_id=form.case_id,
        purpose=form.purpose,
        scope=clean_text(form.scope),
        given_on=form.given_on,
        child_consented=form.child_consented,
        representative_name=clean_text(form.representative_name),
        representative_consented=form.representative_consented,
        not_needed_reason=clean_text(form.not_needed_reason),
        note=clean_text(form.note),
    )
    session.add(row)
    session.flush()
    return row.id


def _case_child_birth(child: CaseChild, on: date | None) -> date | None:
    if child.birth_date is not None:
        return child.birth_date
    if child.estimated_age is not None and on is not None:
        return date(on.year - child.estimated_age, on.month, 1)
    return None


def _view(row: ConsentRecord) -> ConsentView:
    return ConsentView(
        row.id, row.purpose, CONSENT_PURPOSES.get(row.purpose, row.purpose), row.given_on,
        row.person_id, row.case_id, row.scope, row.child_consented, row.representative_name,
        row.representative_consented, row.not_needed_reason, row.withdrawn_on, row.note,
    )  # fmt: skip
