"""Consent records (Luật 91/2025, Điều 24): a referral or an export that carries a child's case
data records who consented — the child from 7 years old and the parent or carer — or why no
consent was needed."""

from __future__ import annotations

from collections.abc import Iterable
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

# Grounds on which case data may be disclosed without the child's and the carer's consent
# (Luật 91/2025 Điều 24; Nghị định 13/2023 Điều 17), offered as a list; the officer may also
# type her own. The reason is recorded on every case the export carries.
EXPORT_NOT_NEEDED_REASONS = (
    "Báo cáo cơ quan nhà nước có thẩm quyền theo quy định của pháp luật",
    "Theo yêu cầu bằng văn bản của cơ quan điều tra, viện kiểm sát, tòa án",
    "Tình huống khẩn cấp đe dọa tính mạng, sức khỏe của trẻ",
)


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


@dataclass(frozen=True)
class ExportBasis:
    """Why a list carrying children's case data may leave the book.

    With ``not_needed_reason`` blank, every case in the list must hold its own consent to an
    export (purpose "export", given by the carer and the child from 7, not withdrawn). With a
    reason, that reason is recorded as an export consent record on every case the list
    carries, with the file and ``recipient`` in its scope.
    """

    not_needed_reason: str = ""
    recipient: str = ""


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


def export_consent_gaps(session: Session, case_ids: Iterable[str], on: date) -> set[str]:
    """The cases among ``case_ids`` with no standing consent to an export on ``on``: a live
    record of purpose "export" that someone gave (not a "no consent needed" reason, which
    covers one export only), given on or before ``on`` and not withdrawn by then."""
    wanted = set(case_ids)
    covered: set[str] = set()
    for row in repo.export_consents(session, wanted):
        if row.not_needed_reason or row.given_on > on:
            continue
        if row.withdrawn_on is not None and row.withdrawn_on <= on:
            continue
        if row.case_id:
            covered.add(row.case_id)
    return wanted - covered


def check_export_basis(
    session: Session, case_numbers: dict[str, str], basis: ExportBasis | None, on: date
) -> None:
    """Refuse, naming the cases, an export of ``case_numbers`` (case id → number) that has
    neither a reason for needing no consent nor a standing consent on every case."""
    if not case_numbers:
        return
    if basis is not None and clean_text(basis.not_needed_reason):
        problems: list[FieldProblem | None] = []
        if len(clean_text(basis.not_needed_reason)) > 500:
            problems.append(
                FieldProblem("not_needed_reason", "Lý do dài quá 500 ký tự; hãy viết gọn lại.")
            )
        if len(clean_text(basis.recipient)) > 200:
            problems.append(FieldProblem("recipient", "Nơi nhận dài quá 200 ký tự."))
        raise_if(problems)
        return
    missing = export_consent_gaps(session, case_numbers, on)
    if not missing:
        return
    names = ", ".join(sorted(case_numbers[c] for c in missing))
    raise ValidationError(
        FieldProblem(
            "consent",
            f"Danh sách có tên trẻ và thông tin vụ việc. Vụ việc {names} chưa có sự đồng ý cho "
            "việc xuất dữ liệu (của cha, mẹ hoặc người chăm sóc và của trẻ từ 7 tuổi). Hãy ghi "
            "sự đồng ý ở từng vụ việc, hoặc ghi lý do không cần sự đồng ý.",
        )
    )


def record_export_basis(
    session: Session, case_ids: Iterable[str], basis: ExportBasis | None, on: date, what: str
) -> int:
    """Write the export's "no consent needed" reason on every case it carried; returns how
    many records were written (none when the cases' own consents were relied on)."""
    if basis is None or not clean_text(basis.not_needed_reason):
        return 0
    recipient = clean_text(basis.recipient)
    scope = f"Xuất {what}"[:290] + (f"; nơi nhận: {recipient}" if recipient else "")
    written = 0
    for case_id in sorted(set(case_ids)):
        session.add(
            ConsentRecord(
                case_id=case_id,
                purpose="export",
                scope=scope[:500],
                given_on=on,
                not_needed_reason=clean_text(basis.not_needed_reason),
            )
        )
        written += 1
    session.flush()
    return written


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
