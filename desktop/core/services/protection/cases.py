"""Abuse, violence, exploitation and abandonment cases (vụ việc): intake on the fields of
Mẫu số 01 (NĐ 56/2017; DOMAIN §2.3), the timeline and the legal clocks.

A half-filled form is kept as a draft (``save_draft`` never refuses what was typed); a draft
with its reception time runs its clocks like any case. ``submit`` checks the form. Every view
and change of a case is in the audit trail. The informant lives in a local-only table: it is
never synced, never exported, and printed only on the intake form, for roles with
``VIEW_INFORMANT``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from desktop.core.domain import protection as rules
from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.deadlines import Clock, ClockKind, ClockState, HolidayCalendar, case_clocks
from desktop.core.domain.permissions import Action
from desktop.core.domain.text import clean_text, fold
from desktop.core.reports.case_forms import FormLine, FormSection, TimelineRow, render_case_document
from desktop.core.reports.document import DocumentHeader
from desktop.core.services import access, codes
from desktop.core.services.book import Book, CommuneInfo, CurrentUser
from desktop.core.services.protection.common import (
    NOT_IN_BOOK,
    FieldProblem,
    ValidationError,
    audit_view,
    future_problem,
    may_see_sensitive,
    raise_if,
    require_reason,
    require_view,
)
from desktop.core.services.protection.holidays import calendar_of
from desktop.core.storage.audit_hook import AuditAction
from desktop.core.storage.models import (
    CaseChild,
    CaseInformant,
    CaseStep,
    ConsentRecord,
    ProtectionCase,
)
from desktop.core.storage.repositories import protection as repo
from desktop.core.storage.repositories.protection import PersonFacts
from sync import clock

HOTLINE_CHANNEL = "NT01"

REFERRAL_TARGETS = {
    "police": "Công an",
    "health": "Cơ sở y tế",
    "social_centre": "Trung tâm công tác xã hội / cơ sở bảo trợ xã hội",
    "court": "Tòa án, Viện kiểm sát",
    "legal_aid": "Trợ giúp pháp lý",
    "hotline_111": "Tổng đài 111",
    "other": "Nơi khác",
}
CASE_OUTCOMES = {
    "KQ_SAFE": "Trẻ đã an toàn, kết thúc hỗ trợ",
    "KQ_REFERRED": "Đã chuyển cơ quan khác giải quyết",
    "KQ_MOVED": "Trẻ chuyển khỏi địa bàn",
    "KQ_UNFOUNDED": "Thông tin không đúng sự thật",
    "KQ_DIED": "Trẻ tử vong",
    "KQ_OTHER": "Khác",
}
TITLE_KINDS = {
    "abused": "bị xâm hại",
    "violence_risk": "có nguy cơ bị bạo lực, bóc lột, bỏ rơi",
    "special": "có hoàn cảnh đặc biệt",
}
HIV_STATUSES = {"": "Không rõ", "positive": "Nhiễm HIV", "affected": "Bị ảnh hưởng bởi HIV/AIDS"}


class CaseState(enum.StrEnum):
    """Where a case stands."""

    DRAFT = "draft"  # kept as typed; clocks run once received_at is known
    OPEN = "open"
    CLOSED = "closed"


CASE_STATE_LABELS = {
    CaseState.DRAFT: "Bản nháp",
    CaseState.OPEN: "Đang xử lý",
    CaseState.CLOSED: "Đã kết thúc",
}


class StepKind(enum.StrEnum):
    """A step of the case timeline; the first three stop the clocks of the same name."""

    WRITTEN_REPORT = "written_report"  # báo cáo bằng văn bản
    EMERGENCY = "emergency"  # can thiệp khẩn cấp, tạm thời cách ly
    PLAN = "plan"  # kế hoạch hỗ trợ, can thiệp (drafted)
    PLAN_APPROVED = "plan_approved"  # phê duyệt kế hoạch
    NOTIFICATION = "notification"  # thông báo (111, công an, UBND …)
    ASSESSMENT = "assessment"  # đánh giá ban đầu (Mẫu 02) / chi tiết (Mẫu 03)
    ACTION = "action"
    REFERRAL = "referral"  # chuyển gửi (with a consent record)
    CLOSURE = "closure"  # kết thúc (with an outcome)


STEP_LABELS = {
    StepKind.WRITTEN_REPORT: "Báo cáo bằng văn bản",
    StepKind.EMERGENCY: "Can thiệp khẩn cấp",
    StepKind.PLAN: "Lập kế hoạch hỗ trợ, can thiệp",
    StepKind.PLAN_APPROVED: "Phê duyệt kế hoạch",
    StepKind.NOTIFICATION: "Thông báo",
    StepKind.ASSESSMENT: "Đánh giá",
    StepKind.ACTION: "Hoạt động hỗ trợ",
    StepKind.REFERRAL: "Chuyển gửi",
    StepKind.CLOSURE: "Kết thúc vụ việc",
}


@dataclass(frozen=True)
class CaseChildForm:
    """A child of the case: a person of the book (``person_id``), or a name with a birth date
    or an estimated age."""

    person_id: str | None = None
    full_name: str = ""
    birth_date: date | None = None
    estimated_age: int | None = None
    sex: int = 3  # 1 Nam, 2 Nữ, 3 Không biết
    hiv_status: str = ""  # a key of HIV_STATUSES (sensitive)
    id: str | None = None


@dataclass(frozen=True)
class InformantForm:
    """Who reported, if they agree to say (confidential; stays on this PC)."""

    full_name: str = ""
    phone: str = ""
    address: str = ""
    relation: str = ""  # to the child, e.g. "hàng xóm"


@dataclass(frozen=True)
class CaseForm:
    """The intake form (Mẫu 01) as typed. ``received_on`` + ``received_time`` (Vietnam time)
    start every clock."""

    received_on: date | None
    received_time: time | None
    channel_code: str = ""  # case_channels.csv (NT01 Tổng đài 111 …)
    hotline_ref: str = ""  # the 111 reference
    title_kind: str = "abused"  # a key of TITLE_KINDS
    children: tuple[CaseChildForm, ...] = ()
    forms: tuple[str, ...] = ()  # abuse_forms.csv codes (XH03.x are sensitive)
    setting_code: str = ""  # abuse_settings.csv
    perpetrator_relation: str = ""
    child_in_danger: bool = False  # starts the 12-hour emergency clock
    incident_date: date | None = None
    incident_place: str = ""
    current_condition: str = ""
    likely_consequences: str = ""
    father_info: str = ""  # name, age, occupation
    mother_info: str = ""
    family_circumstances: str = ""
    current_carer: str = ""
    help_given: str = ""
    notes: str = ""
    receiving_officer: str = ""
    informant: InformantForm | None = None
    id: str | None = None


@dataclass(frozen=True)
class CaseChildView:
    """A child of a case as shown (name blank and ``hidden`` for roles without the right)."""

    id: str
    person_id: str | None
    full_name: str
    birth_date: date | None
    estimated_age: int | None
    sex: int
    in_book: bool
    hiv_status: str
    hamlet_name: str


@dataclass(frozen=True)
class CaseStepForm:
    """A step of the timeline. ``at`` is aware (or naive Vietnam time)."""

    kind: StepKind
    at: datetime | None
    by: str = ""
    description: str = ""
    referral_to: str = ""  # a key of REFERRAL_TARGETS (referral)
    consent_id: str | None = None  # a consent record (referral), or ``consent_not_needed``
    consent_not_needed: str = ""
    risk_level: str = ""  # assessment: "cao" / "trung bình" / "thấp"
    outcome_code: str = ""  # closure: a key of CASE_OUTCOMES


@dataclass(frozen=True)
class CaseStepView:
    """A step as shown."""

    id: str
    kind: StepKind
    kind_label: str
    at: datetime
    by: str
    description: str
    referral_to: str
    consent_id: str | None
    consent_not_needed: str
    risk_level: str
    outcome_code: str


@dataclass(frozen=True)
class CaseDetail:
    """A whole case for its screen or print; ``hidden`` True when details were left out for
    the role; ``informant`` None unless the role may see it (and one was recorded)."""

    id: str
    case_no: str
    state: CaseState
    form: CaseForm  # as typed, sensitive fields blank when hidden; informant inside if allowed
    children: tuple[CaseChildView, ...]
    steps: tuple[CaseStepView, ...]
    clocks: tuple[Clock, ...]
    received_at: datetime | None
    closed_at: datetime | None
    outcome_code: str
    hidden: bool
    informant: InformantForm | None
    problems: tuple[str, ...] = ()  # what still stops a draft from being submitted


@dataclass(frozen=True)
class CaseFilter:
    """Filters of the case list."""

    states: tuple[CaseState, ...] = ()  # empty: all
    year: int | None = None
    overdue_only: bool = False
    text: str = ""  # case number or child name


@dataclass(frozen=True)
class CaseListRow:
    """One case of the list, with its clocks (the most urgent first)."""

    id: str
    case_no: str
    state: CaseState
    received_at: datetime | None
    children_text: str  # blank when hidden
    forms_text: str  # blank when hidden
    clocks: tuple[Clock, ...]
    worst_state: str  # the most urgent ClockState of the open clocks, or ""
    hidden: bool


@dataclass(frozen=True)
class CaseClockRow:
    """An open clock of a case (``sotreem cases due``, the home screen)."""

    case_id: str
    case_no: str
    state: CaseState
    clock: Clock
    children_text: str = ""  # blank when hidden


@dataclass(frozen=True)
class CaseSaved:
    """What a save returns: the id, the number and the remaining problems of a draft."""

    id: str
    case_no: str
    state: CaseState
    problems: tuple[str, ...] = field(default=())


class CaseNotReady(ValidationError):
    """``submit`` kept the form as a draft (``saved``) but it is not complete yet."""

    def __init__(self, problems: list[FieldProblem], saved: CaseSaved) -> None:
        super().__init__(problems)
        self.saved = saved


_GONE = "Vụ việc này không còn trong sổ."
# Fields of a case only roles with VIEW_SENSITIVE see.
SENSITIVE_CASE_FIELDS = (
    "forms", "setting_code", "perpetrator_relation", "incident_place", "current_condition",
    "likely_consequences", "father_info", "mother_info", "family_circumstances",
    "current_carer", "help_given", "notes", "children", "hiv_status",
)  # fmt: skip
_URGENCY = {ClockState.OVERDUE: 0, ClockState.DUE_SOON: 1, ClockState.DUE: 2}
_STEP_CLOCK = {
    StepKind.WRITTEN_REPORT: ClockKind.WRITTEN_REPORT,
    StepKind.EMERGENCY: ClockKind.EMERGENCY,
    StepKind.PLAN: ClockKind.PLAN,
}

_STEP_CLOCK_BY_VALUE = {kind.value: clock_kind for kind, clock_kind in _STEP_CLOCK.items()}


class CaseService:
    """Intake, timeline, clocks and prints of cases (roles with EDIT_SENSITIVE change them)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    # -- intake ---------------------------------------------------------------------------

    def save_draft(self, form: CaseForm) -> CaseSaved:
        """Keep the form as typed (never refuses its content; a new one gets a case number)."""
        user = self._book.user
        user.require(Action.EDIT_SENSITIVE)
        with self._book.transaction() as session:
            row = self._write(session, form)
            problems = _intake_problems(session, form, clock.now())
            return CaseSaved(row.id, row.case_no, CaseState(row.state), _messages(problems))

    def submit(self, form: CaseForm) -> CaseSaved:
        """Check the form (a child, not in the future, known channel …) and open the case;
        CaseNotReady (a ValidationError naming each field, with ``saved``) keeps it as a draft."""
        user = self._book.user
        user.require(Action.EDIT_SENSITIVE)
        with self._book.transaction() as session:
            row = self._write(session, form)
            problems = _intake_problems(session, form, clock.now())
            if not problems and row.state == CaseState.DRAFT:
                row.state = CaseState.OPEN.value
            saved = CaseSaved(row.id, row.case_no, CaseState(row.state), _messages(problems))
        if problems:
            raise CaseNotReady(problems, saved)
        return saved

    def _write(self, session: Session, form: CaseForm) -> ProtectionCase:
        row: ProtectionCase | None = None
        if form.id:
            row = repo.live(session, ProtectionCase, form.id)
            if row is None:
                raise ValidationError(FieldProblem("id", _GONE))
            if row.state == CaseState.CLOSED:
                raise ValidationError(
                    FieldProblem("id", "Vụ việc đã kết thúc: phiếu tiếp nhận không sửa được nữa.")
                )
        now = clock.now()
        if row is None:
            row = ProtectionCase(case_no=_next_number(session, form.received_on or clock.today()))
            row.state = CaseState.DRAFT.value
            session.add(row)
        received_at = _received_at(form.received_on, form.received_time)
        if received_at is None:
            # The information reached the commune at the latest when it was first typed.
            received_at = row.received_at or now
        values = {
            "received_at": received_at,
            "received_on": form.received_on,
            "channel_code": form.channel_code,
            "hotline_ref": clean_text(form.hotline_ref),
            "title_kind": form.title_kind,
            "forms": ",".join(rules.codes_of(form.forms)),
            "setting_code": form.setting_code,
            "perpetrator_relation": clean_text(form.perpetrator_relation),
            "child_in_danger": form.child_in_danger,
            "incident_date": form.incident_date,
            "incident_place": clean_text(form.incident_place),
            "current_condition": _text(form.current_condition),
            "likely_consequences": _text(form.likely_consequences),
            "father_info": clean_text(form.father_info),
            "mother_info": clean_text(form.mother_info),
            "family_circumstances": _text(form.family_circumstances),
            "current_carer": clean_text(form.current_carer),
            "help_given": _text(form.help_given),
            "notes": _text(form.notes),
            "receiving_officer": clean_text(form.receiving_officer) or self._book.user.full_name,
        }
        for key, value in values.items():
            if getattr(row, key, None) != value:
                setattr(row, key, value)
        session.flush()
        self._write_children(session, row.id, form.children)
        _write_informant(session, row.id, form.informant)
        return row

    def _write_children(
        self, session: Session, case_id: str, children: Sequence[CaseChildForm]
    ) -> None:
        existing = {c.id: c for c in repo.case_children(session, [case_id]).get(case_id, [])}
        kept: set[str] = set()
        for child in children:
            person_id = child.person_id
            if person_id and person_id not in repo.person_facts(session, [person_id]):
                person_id = None
            target = existing.get(child.id or "")
            if target is None:
                target = CaseChild(case_id=case_id)
                session.add(target)
            values = {
                "person_id": person_id,
                "full_name": clean_text(child.full_name),
                "birth_date": child.birth_date,
                "estimated_age": child.estimated_age,
                "sex": child.sex if child.sex in (1, 2, 3) else 3,
                "hiv_status": child.hiv_status if child.hiv_status in HIV_STATUSES else "",
            }
            for key, value in values.items():
                if getattr(target, key, None) != value:
                    setattr(target, key, value)
            session.flush()
            kept.add(target.id)
        for child_id, old in existing.items():
            if child_id not in kept:
                old.deleted = True

    # -- reading --------------------------------------------------------------------------

    def get(self, case_id: str) -> CaseDetail:
        """A case for its screen; audited as a view."""
        user = self._book.user
        require_view(user)
        sensitive = may_see_sensitive(user)
        with self._book.read() as session:
            row = repo.live(session, ProtectionCase, case_id)
            if row is None:
                raise ValidationError(FieldProblem("id", _GONE))
            children = repo.case_children(session, [row.id]).get(row.id, [])
            facts = repo.person_facts(session, {c.person_id for c in children if c.person_id})
            self._require_scope(children, facts)
            steps = repo.case_steps(session, [row.id]).get(row.id, [])
            calendar = calendar_of(session)
            informant = None
            if user.may(Action.VIEW_INFORMANT):
                found = repo.informant(session, row.id)
                if found is not None:
                    informant = InformantForm(
                        found.full_name, found.phone, found.address, found.relation
                    )
            detail = _detail(
                session,
                row,
                children=children,
                facts=facts,
                steps=steps,
                calendar=calendar,
                now=clock.now(),
                sensitive=sensitive,
                informant=informant,
            )
        fields = ["case", *(SENSITIVE_CASE_FIELDS if sensitive else ())]
        if informant is not None:
            fields.append("informant")
        audit_view(self._book, "protection_cases", [row.id], fields)
        return detail

    def _require_scope(self, children: Sequence[CaseChild], facts: dict[str, PersonFacts]) -> None:
        user = self._book.user
        if user.hamlet_ids is None:
            return
        if not any(
            c.person_id in facts and access.in_scope(user, facts[c.person_id].hamlet_id)
            for c in children
        ):
            access.require_hamlet(user, None)

    def list(self, filters: CaseFilter | None = None) -> tuple[CaseListRow, ...]:
        """Cases, newest first, with their clocks; audited as a view of the cases listed."""
        filters = filters or CaseFilter()
        user = self._book.user
        require_view(user)
        sensitive = may_see_sensitive(user)
        now = clock.now()
        with self._book.read() as session:
            rows = repo.cases(session, [s.value for s in filters.states])
            ids = [r.id for r in rows]
            children = repo.case_children(session, ids)
            steps = repo.case_steps(session, ids)
            facts = repo.person_facts(
                session, {c.person_id for kids in children.values() for c in kids if c.person_id}
            )
            calendar = calendar_of(session)
        needle = fold(filters.text)
        found: list[CaseListRow] = []
        for row in rows:
            kids = children.get(row.id, [])
            if user.hamlet_ids is not None and not any(
                c.person_id in facts and access.in_scope(user, facts[c.person_id].hamlet_id)
                for c in kids
            ):
                continue
            received = clock.as_utc(row.received_at) if row.received_at else None
            if filters.year and (received is None or clock.to_local(received).year != filters.year):
                continue
            names = _children_text(kids, facts)
            if (
                needle
                and needle not in fold(row.case_no)
                and (not sensitive or needle not in fold(names))
            ):
                continue
            clocks = _clocks(row, steps.get(row.id, []), calendar, now)
            open_states = [c.state for c in clocks if c.is_open]
            worst = min(open_states, key=lambda s: _URGENCY[s]).value if open_states else ""
            if filters.overdue_only and worst != ClockState.OVERDUE:
                continue
            found.append(
                CaseListRow(
                    id=row.id,
                    case_no=row.case_no,
                    state=CaseState(row.state),
                    received_at=received,
                    children_text=names if sensitive else "",
                    forms_text=_forms_text(row.forms) if sensitive else "",
                    clocks=clocks,
                    worst_state=worst,
                    hidden=not sensitive,
                )
            )
        if found:
            fields = ["case", *(("children", "forms") if sensitive else ())]
            audit_view(self._book, "protection_cases", [r.id for r in found], fields)
        return tuple(found)

    def due_clocks(self, now: datetime | None = None) -> tuple[CaseClockRow, ...]:
        """Every open clock of every draft or open case, most urgent first."""
        user = self._book.user
        require_view(user)
        sensitive = may_see_sensitive(user)
        moment = now or clock.now()
        with self._book.read() as session:
            return due_clocks_in(session, user, moment, with_names=sensitive)

    # -- timeline -------------------------------------------------------------------------

    def add_step(self, case_id: str, step: CaseStepForm) -> str:
        """Add a step (a referral needs consent, a closure an outcome and a time after intake)."""
        user = self._book.user
        user.require(Action.EDIT_SENSITIVE)
        if step.kind == StepKind.CLOSURE:
            if step.at is None:
                raise ValidationError(FieldProblem("at", "Chưa nhập thời điểm kết thúc."))
            return self._close(case_id, step.at, step.outcome_code, step.description, step.by)
        with self._book.transaction() as session:
            row = self._open_case(session, case_id)
            at = _step_problems(session, row, step)
            added = CaseStep(
                case_id=row.id,
                kind=step.kind.value,
                at=at,
                by=clean_text(step.by) or user.full_name,
                description=_text(step.description),
                referral_to=step.referral_to if step.kind == StepKind.REFERRAL else "",
                consent_id=step.consent_id if step.kind == StepKind.REFERRAL else None,
                consent_not_needed=clean_text(step.consent_not_needed),
                risk_level=clean_text(step.risk_level),
            )
            session.add(added)
            session.flush()
            return added.id

    def remove_step(self, step_id: str, reason: str) -> None:
        """Tombstone a step typed in error."""
        user = self._book.user
        user.require(Action.EDIT_SENSITIVE)
        why = require_reason(reason)
        with self._book.transaction() as session:
            step = repo.live(session, CaseStep, step_id)
            if step is None:
                raise ValidationError(FieldProblem("id", "Bước này không còn trong sổ."))
            row = repo.live(session, ProtectionCase, step.case_id)
            if row is not None and step.kind == StepKind.CLOSURE and row.state == CaseState.CLOSED:
                row.state = CaseState.OPEN.value
                row.closed_at = None
                row.outcome_code = ""
            step.deleted = True
            step.description = clean_text(f"{step.description} [Đã xóa: {why}]")

    def close(self, case_id: str, at: datetime, outcome_code: str, note: str = "") -> None:
        """Close a case (a CLOSURE step); ValidationError if before the intake."""
        self._book.user.require(Action.EDIT_SENSITIVE)
        self._close(case_id, at, outcome_code, note, "")

    def _close(self, case_id: str, at: datetime, outcome: str, note: str, by: str) -> str:
        user = self._book.user
        with self._book.transaction() as session:
            row = self._open_case(session, case_id)
            if row.state == CaseState.DRAFT:
                raise ValidationError(
                    FieldProblem(
                        "state",
                        "Phiếu tiếp nhận còn là bản nháp: hãy hoàn tất phiếu trước khi kết thúc "
                        "vụ việc.",
                    )
                )
            when = _step_problems(
                session, row, CaseStepForm(StepKind.CLOSURE, at, outcome_code=outcome)
            )
            step = CaseStep(
                case_id=row.id,
                kind=StepKind.CLOSURE.value,
                at=when,
                by=clean_text(by) or user.full_name,
                description=_text(note),
                outcome_code=outcome,
            )
            session.add(step)
            row.state = CaseState.CLOSED.value
            row.closed_at = when
            row.outcome_code = outcome
            session.flush()
            return step.id

    def _open_case(self, session: Session, case_id: str) -> ProtectionCase:
        row = repo.live(session, ProtectionCase, case_id)
        if row is None:
            raise ValidationError(FieldProblem("id", _GONE))
        if row.state == CaseState.CLOSED:
            raise ValidationError(FieldProblem("id", "Vụ việc đã kết thúc."))
        return row

    def remove(self, case_id: str, reason: str) -> None:
        """Tombstone a case typed in error (administrator or officer)."""
        user = self._book.user
        user.require(Action.EDIT_SENSITIVE)
        why = require_reason(reason)
        with self._book.transaction() as session:
            row = repo.live(session, ProtectionCase, case_id)
            if row is None:
                raise ValidationError(FieldProblem("id", _GONE))
            row.deleted = True
            row.notes = _text(f"{row.notes}\n[Đã xóa: {why}]")

    # -- prints ---------------------------------------------------------------------------

    def print_intake(self, case_id: str, path: Path) -> Path:
        """The intake form (Mẫu 01) as a PDF, with the informant if the role may see it."""
        self._book.user.require(Action.VIEW_SENSITIVE)
        detail = self.get(case_id)
        commune = self._book.commune()
        render_case_document(
            _header(commune, detail, "BÁO CÁO", intake=True),
            intake_sections(detail),
            path,
            closing="Người tiếp nhận chỉ ghi những thông tin đã biết",
        )
        _record_print(self._book, "case-intake", path, detail.informant is not None)
        return path

    def print_summary(self, case_id: str, path: Path) -> Path:
        """The case summary (timeline, clocks, outcome) as a PDF, without the informant."""
        detail = self.get(case_id)
        commune = self._book.commune()
        render_case_document(
            _header(commune, detail, "TÓM TẮT VỤ VIỆC", intake=False),
            summary_sections(detail),
            path,
            closing="Tóm tắt được lập từ sổ theo dõi trẻ em của xã",
            timelines=summary_timelines(detail),
        )
        _record_print(self._book, "case-summary", path, False)
        return path


# -- helpers -------------------------------------------------------------------------------


def _text(value: str) -> str:
    """Multi-line text: NFC, each line trimmed, empty lines at the ends dropped."""
    lines = [clean_text(line) for line in (value or "").splitlines()]
    return "\n".join(lines).strip()


def _received_at(day: date | None, hour: time | None) -> datetime | None:
    if day is None:
        return None
    moment = datetime.combine(day, hour or time(0, 0), tzinfo=clock.VIETNAM)
    return moment.astimezone(UTC)


def _next_number(session: Session, day: date) -> str:
    prefix = f"VV{day.year}-"
    used = [n[len(prefix) :] for n in repo.case_numbers_of_year(session, prefix)]
    highest = max((int(n) for n in used if n.isdigit()), default=0)
    return f"{prefix}{highest + 1:03d}"


def _write_informant(session: Session, case_id: str, informant: InformantForm | None) -> None:
    row = repo.informant(session, case_id)
    if informant is None:
        return
    values = {
        "full_name": clean_text(informant.full_name),
        "phone": clean_text(informant.phone),
        "address": clean_text(informant.address),
        "relation": clean_text(informant.relation),
    }
    if not any(values.values()):
        if row is not None:
            session.delete(row)
        return
    if row is None:
        row = CaseInformant(case_id=case_id)
        session.add(row)
    for key, value in values.items():
        if getattr(row, key, None) != value:
            setattr(row, key, value)
    row.updated_at = clock.now()


def _intake_problems(session: Session, form: CaseForm, now: datetime) -> list[FieldProblem]:
    """What stops a case from leaving the draft state."""
    today = clock.to_local(now).date()
    problems: list[FieldProblem | None] = [
        future_problem(form.received_on, today, "received_on", "Ngày tiếp nhận")
    ]
    if form.received_time is None:
        problems.append(FieldProblem("received_time", "Giờ tiếp nhận: chưa nhập (dạng hh:mm)."))
    else:
        moment = _received_at(form.received_on, form.received_time)
        if moment is not None and moment > now and form.received_on == today:
            problems.append(
                FieldProblem(
                    "received_time",
                    f"Giờ tiếp nhận {form.received_time:%H:%M} hôm nay chưa đến.",
                )
            )
    if form.channel_code not in codes.tree_codes(codes.case_channels()):
        problems.append(FieldProblem("channel_code", "Hãy chọn nguồn thông tin (kênh tiếp nhận)."))
    elif form.channel_code == HOTLINE_CHANNEL and not clean_text(form.hotline_ref):
        problems.append(
            FieldProblem("hotline_ref", "Nhận qua Tổng đài 111: hãy ghi mã số ca của tổng đài.")
        )
    if form.title_kind not in TITLE_KINDS:
        problems.append(FieldProblem("title_kind", "Hãy chọn loại báo cáo."))
    if not form.children:
        problems.append(
            FieldProblem(
                "children",
                "Vụ việc chưa có trẻ nào: chọn trẻ trong sổ hoặc ghi trẻ không có trong sổ "
                "(tên, tuổi ước tính).",
            )
        )
    for number, child in enumerate(form.children, start=1):
        problems += _child_problems(session, number, child, form.received_on or today)
    known_forms = codes.tree_codes(codes.abuse_forms())
    if not form.forms and form.title_kind == "abused":
        problems.append(FieldProblem("forms", "Hãy chọn ít nhất một hình thức xâm hại."))
    unknown = [code for code in form.forms if code not in known_forms]
    if unknown:
        problems.append(
            FieldProblem(
                "forms", f"Hình thức xâm hại không có trong danh mục: {', '.join(unknown)}."
            )
        )
    if form.setting_code and form.setting_code not in codes.tree_codes(codes.abuse_settings()):
        problems.append(FieldProblem("setting_code", "Hãy chọn môi trường xảy ra trong danh sách."))
    if form.incident_date is not None:
        problems.append(future_problem(form.incident_date, today, "incident_date", "Ngày xảy ra"))
        if form.received_on is not None and form.incident_date > form.received_on:
            problems.append(
                FieldProblem(
                    "incident_date",
                    f"Ngày xảy ra {format_vn_date(form.incident_date)} sau ngày tiếp nhận "
                    f"{format_vn_date(form.received_on)}.",
                )
            )
    return [p for p in problems if p is not None]


def _child_problems(
    session: Session, number: int, child: CaseChildForm, on: date
) -> list[FieldProblem]:
    label = f"Trẻ thứ {number}"
    if child.person_id:
        facts = repo.person_facts(session, [child.person_id]).get(child.person_id)
        if facts is None or facts.deleted:
            return [FieldProblem("children", f"{label}: {NOT_IN_BOOK.lower()}", number)]
        return []
    problems = []
    if child.birth_date is None and child.estimated_age is None:
        problems.append(
            FieldProblem(
                "children",
                f"{label} (không có trong sổ): ghi ngày sinh hoặc tuổi ước tính.",
                number,
            )
        )
    if child.estimated_age is not None and not 0 <= child.estimated_age <= 17:
        problems.append(
            FieldProblem("children", f"{label}: tuổi ước tính phải từ 0 đến 17.", number)
        )
    if child.birth_date is not None and child.birth_date > on:
        problems.append(
            FieldProblem(
                "children",
                f"{label}: ngày sinh {format_vn_date(child.birth_date)} sau ngày tiếp nhận.",
                number,
            )
        )
    return problems


def _step_problems(session: Session, row: ProtectionCase, step: CaseStepForm) -> datetime:
    """The step's instant (aware UTC), or ValidationError naming the field."""
    problems: list[FieldProblem] = []
    if step.at is None:
        raise ValidationError(FieldProblem("at", "Chưa nhập thời điểm (ngày và giờ)."))
    at = step.at if step.at.tzinfo is not None else step.at.replace(tzinfo=clock.VIETNAM)
    at = at.astimezone(UTC)
    received = clock.as_utc(row.received_at) if row.received_at else None
    label = STEP_LABELS[step.kind]
    if received is not None and at < received:
        problems.append(
            FieldProblem(
                "at",
                f"{label}: thời điểm {_local_text(at)} trước khi tiếp nhận vụ việc "
                f"({_local_text(received)}).",
            )
        )
    if at > clock.now() + timedelta(minutes=5):
        problems.append(FieldProblem("at", f"{label}: thời điểm {_local_text(at)} chưa đến."))
    if step.kind == StepKind.REFERRAL:
        if step.referral_to not in REFERRAL_TARGETS:
            problems.append(FieldProblem("referral_to", "Hãy chọn nơi chuyển gửi."))
        consent = repo.live(session, ConsentRecord, step.consent_id) if step.consent_id else None
        if step.consent_id and (consent is None or consent.case_id != row.id):
            problems.append(FieldProblem("consent_id", "Sự đồng ý này không thuộc vụ việc."))
        elif consent is not None and consent.withdrawn_on is not None:
            problems.append(FieldProblem("consent_id", "Sự đồng ý này đã bị rút lại."))
        elif consent is None and not clean_text(step.consent_not_needed):
            problems.append(
                FieldProblem(
                    "consent_id",
                    "Chuyển gửi hồ sơ cần ghi sự đồng ý của trẻ (từ 7 tuổi) và cha mẹ, người "
                    "đại diện — hoặc lý do không cần sự đồng ý.",
                )
            )
    if step.kind == StepKind.CLOSURE and step.outcome_code not in CASE_OUTCOMES:
        problems.append(FieldProblem("outcome_code", "Hãy chọn kết quả khi kết thúc vụ việc."))
    raise_if(list(problems))
    return at


def _local_text(moment: datetime) -> str:
    return f"{clock.to_local(moment):%H:%M %d/%m/%Y}"


def _messages(problems: Sequence[FieldProblem]) -> tuple[str, ...]:
    return tuple(p.message for p in problems)


def _done_at(steps: Sequence[CaseStep]) -> dict[ClockKind, datetime | None]:
    done: dict[ClockKind, datetime | None] = {}
    for step in steps:
        kind = (
            _STEP_CLOCK.get(StepKind(step.kind))
            if step.kind in StepKind._value2member_map_
            else None
        )
        if kind is not None and kind not in done:
            done[kind] = clock.as_utc(step.at)
    return done


def _clocks(
    row: ProtectionCase, steps: Sequence[CaseStep], calendar: HolidayCalendar, now: datetime
) -> tuple[Clock, ...]:
    if row.received_at is None:
        return ()
    moment = clock.as_utc(row.closed_at) if row.closed_at else now
    return case_clocks(
        clock.as_utc(row.received_at),
        child_in_danger=row.child_in_danger,
        done=_done_at(steps),
        now=moment,
        holidays=calendar,
    )


def due_clocks_in(
    session: Session, user: CurrentUser, now: datetime, *, with_names: bool
) -> tuple[CaseClockRow, ...]:
    """The open clocks of draft and open cases the user may see, most urgent first."""
    rows = repo.cases(session, [CaseState.DRAFT.value, CaseState.OPEN.value])
    ids = [r.id for r in rows]
    steps = repo.case_steps(session, ids)
    children = repo.case_children(session, ids)
    facts = repo.person_facts(
        session, {c.person_id for kids in children.values() for c in kids if c.person_id}
    )
    calendar = calendar_of(session)
    found: list[CaseClockRow] = []
    for row in rows:
        kids = children.get(row.id, [])
        if user.hamlet_ids is not None and not any(
            c.person_id in facts and access.in_scope(user, facts[c.person_id].hamlet_id)
            for c in kids
        ):
            continue
        names = _children_text(kids, facts) if with_names else ""
        for item in _clocks(row, steps.get(row.id, []), calendar, now):
            if item.is_open:
                found.append(CaseClockRow(row.id, row.case_no, CaseState(row.state), item, names))
    found.sort(key=lambda r: (_URGENCY[r.clock.state], r.clock.due_at, r.case_no))
    return tuple(found)


def _children_text(kids: Sequence[CaseChild], facts: dict[str, PersonFacts]) -> str:
    names = []
    for child in kids:
        fact = facts.get(child.person_id or "")
        if fact is not None:
            names.append(fact.full_name)
        elif child.full_name:
            names.append(child.full_name)
        elif child.estimated_age is not None:
            names.append(f"Trẻ khoảng {child.estimated_age} tuổi")
        else:
            names.append("Trẻ chưa rõ tên")
    return ", ".join(names)


def _forms_text(forms: str) -> str:
    listed = codes.abuse_forms()
    return "; ".join(codes.tree_name(listed, code) for code in forms.split(",") if code)


def _detail(
    session: Session,
    row: ProtectionCase,
    *,
    children: Sequence[CaseChild],
    facts: dict[str, PersonFacts],
    steps: Sequence[CaseStep],
    calendar: HolidayCalendar,
    now: datetime,
    sensitive: bool,
    informant: InformantForm | None,
) -> CaseDetail:
    received = clock.as_utc(row.received_at) if row.received_at else None
    local = clock.to_local(received) if received is not None else None
    kids = tuple(
        CaseChildView(
            id=c.id,
            person_id=c.person_id if sensitive else None,
            full_name=(
                (facts[c.person_id].full_name if c.person_id in facts else c.full_name)
                if sensitive
                else ""
            ),
            birth_date=(
                (facts[c.person_id].birth_date if c.person_id in facts else c.birth_date)
                if sensitive
                else None
            ),
            estimated_age=c.estimated_age if sensitive else None,
            sex=(facts[c.person_id].sex if c.person_id in facts else c.sex) if sensitive else 3,
            in_book=c.person_id is not None,
            hiv_status=c.hiv_status if sensitive else "",
            hamlet_name=facts[c.person_id].hamlet_name if c.person_id in facts else "",
        )
        for c in children
    )
    form = CaseForm(
        received_on=row.received_on,
        received_time=local.time().replace(second=0, microsecond=0)
        if local is not None and row.received_on is not None
        else None,
        channel_code=row.channel_code,
        hotline_ref=row.hotline_ref,
        title_kind=row.title_kind,
        children=tuple(
            CaseChildForm(
                c.person_id, c.full_name, c.birth_date, c.estimated_age, c.sex, c.hiv_status, c.id
            )
            for c in children
        )
        if sensitive
        else (),
        forms=tuple(code for code in row.forms.split(",") if code) if sensitive else (),
        setting_code=row.setting_code if sensitive else "",
        perpetrator_relation=row.perpetrator_relation if sensitive else "",
        child_in_danger=row.child_in_danger,
        incident_date=row.incident_date,
        incident_place=row.incident_place if sensitive else "",
        current_condition=row.current_condition if sensitive else "",
        likely_consequences=row.likely_consequences if sensitive else "",
        father_info=row.father_info if sensitive else "",
        mother_info=row.mother_info if sensitive else "",
        family_circumstances=row.family_circumstances if sensitive else "",
        current_carer=row.current_carer if sensitive else "",
        help_given=row.help_given if sensitive else "",
        notes=row.notes if sensitive else "",
        receiving_officer=row.receiving_officer,
        informant=informant,
        id=row.id,
    )
    problems: tuple[str, ...] = ()
    if row.state == CaseState.DRAFT and sensitive:
        problems = _messages(_intake_problems(session, form, now))
    step_views = tuple(
        CaseStepView(
            id=s.id,
            kind=StepKind(s.kind),
            kind_label=STEP_LABELS[StepKind(s.kind)],
            at=clock.as_utc(s.at),
            by=s.by,
            description=s.description if sensitive else "",
            referral_to=s.referral_to,
            consent_id=s.consent_id,
            consent_not_needed=s.consent_not_needed if sensitive else "",
            risk_level=s.risk_level,
            outcome_code=s.outcome_code,
        )
        for s in steps
    )
    return CaseDetail(
        id=row.id,
        case_no=row.case_no,
        state=CaseState(row.state),
        form=form,
        children=kids,
        steps=step_views,
        clocks=_clocks(row, steps, calendar, now),
        received_at=received,
        closed_at=clock.as_utc(row.closed_at) if row.closed_at else None,
        outcome_code=row.outcome_code,
        hidden=not sensitive,
        informant=informant,
        problems=problems,
    )


# -- prints --------------------------------------------------------------------------------


def _header(
    commune: CommuneInfo, detail: CaseDetail, doc_type: str, *, intake: bool
) -> DocumentHeader:
    kind = TITLE_KINDS.get(detail.form.title_kind, TITLE_KINDS["abused"])
    summary = f"Tiếp nhận thông tin trẻ em {kind}" if intake else f"Vụ việc số {detail.case_no}"
    return DocumentHeader(
        unit_name=commune.display_name,
        place=commune.place_name or commune.name,
        issued_on=clock.today(),
        doc_type=doc_type,
        summary=summary,
        symbol="BC-UBND" if intake else "TT-UBND",
        signer_lines=["NGƯỜI TIẾP NHẬN"] if intake else ["CÁN BỘ PHỤ TRÁCH TRẺ EM"],
        signer_name=detail.form.receiving_officer or None,
        recipients=["Lưu: hồ sơ vụ việc (MẬT)."],
    )


def _sex(value: int) -> str:
    return {1: "Nam", 2: "Nữ"}.get(value, "Không biết")


def _child_lines(child: CaseChildView, number: int) -> tuple[FormLine, ...]:
    age = ""
    if child.birth_date is not None:
        age = format_vn_date(child.birth_date)
    elif child.estimated_age is not None:
        age = f"Khoảng {child.estimated_age} tuổi (ước tính)"
    lines = [
        FormLine(f"Trẻ thứ {number}: họ và tên", child.full_name),
        FormLine("Ngày sinh hoặc tuổi", age),
        FormLine("Giới tính", _sex(child.sex)),
        FormLine("Trong sổ của xã", f"Có ({child.hamlet_name})" if child.in_book else "Không"),
    ]
    if child.hiv_status:
        lines.append(FormLine("Tình trạng HIV", HIV_STATUSES[child.hiv_status]))
    return tuple(lines)


def _received_lines(detail: CaseDetail) -> tuple[FormLine, ...]:
    form = detail.form
    channels = codes.case_channels()
    when = _local_text(detail.received_at) if detail.received_at else ""
    lines = [
        FormLine("Số vụ việc", detail.case_no),
        FormLine("Nguồn thông tin", codes.tree_name(channels, form.channel_code)),
        FormLine("Giờ, ngày tiếp nhận", when),
    ]
    if form.hotline_ref:
        lines.append(FormLine("Mã số ca của Tổng đài 111", form.hotline_ref))
    return tuple(lines)


def intake_sections(detail: CaseDetail) -> tuple[FormSection, ...]:
    """The blocks of Mẫu 01, from a detail the reader may see in full."""
    form = detail.form
    sections = [FormSection("I. NGUỒN THÔNG TIN", _received_lines(detail))]
    child_lines: list[FormLine] = []
    for number, child in enumerate(detail.children, start=1):
        child_lines += _child_lines(child, number)
    child_lines += [
        FormLine("Nơi xảy ra sự việc", form.incident_place),
        FormLine("Ngày xảy ra", format_vn_date(form.incident_date)),
        FormLine("Hình thức", _forms_text(",".join(form.forms))),
        FormLine("Môi trường", codes.tree_name(codes.abuse_settings(), form.setting_code)),
        FormLine("Quan hệ của người bị nghi gây hại với trẻ", form.perpetrator_relation),
        FormLine("Tình trạng hiện tại của trẻ", form.current_condition),
        FormLine("Nguy cơ, hậu quả nếu không được trợ giúp", form.likely_consequences),
        FormLine("Trẻ đang gặp nguy hiểm", "Có" if form.child_in_danger else "Không"),
        FormLine("Cha (họ tên, tuổi, nghề nghiệp)", form.father_info),
        FormLine("Mẹ (họ tên, tuổi, nghề nghiệp)", form.mother_info),
        FormLine("Hoàn cảnh gia đình", form.family_circumstances),
        FormLine("Người đang chăm sóc trẻ", form.current_carer),
        FormLine("Sự trợ giúp trẻ đã nhận được", form.help_given),
    ]
    sections.append(FormSection("II. THÔNG TIN VỀ TRẺ EM", tuple(child_lines)))
    informant = detail.informant
    sections.append(
        FormSection(
            "III. NGƯỜI CUNG CẤP THÔNG TIN (nếu đồng ý cho biết — bảo mật)",
            (
                FormLine("Họ và tên", informant.full_name if informant else ""),
                FormLine("Số điện thoại", informant.phone if informant else ""),
                FormLine("Địa chỉ", informant.address if informant else ""),
                FormLine("Quan hệ với trẻ", informant.relation if informant else ""),
            ),
        )
    )
    sections.append(FormSection("IV. GHI CHÚ", (FormLine("Ghi chú khác", form.notes),)))
    return tuple(sections)


def summary_sections(detail: CaseDetail) -> tuple[FormSection, ...]:
    """The blocks of the case summary (never the informant)."""
    form = detail.form
    lines = [
        *_received_lines(detail),
        FormLine("Trạng thái", CASE_STATE_LABELS[detail.state]),
        FormLine("Kết quả", CASE_OUTCOMES.get(detail.outcome_code, "")),
    ]
    if detail.closed_at is not None:
        lines.append(FormLine("Kết thúc lúc", _local_text(detail.closed_at)))
    sections = [FormSection("I. VỤ VIỆC", tuple(lines))]
    if detail.hidden:
        sections.append(
            FormSection(
                "II. THÔNG TIN VỀ TRẺ EM",
                (FormLine("Ghi chú", "Thông tin nhạy cảm được ẩn theo quyền của người in."),),
            )
        )
        return tuple(sections)
    child_lines: list[FormLine] = []
    for number, child in enumerate(detail.children, start=1):
        child_lines += _child_lines(child, number)
    child_lines += [
        FormLine("Hình thức", _forms_text(",".join(form.forms))),
        FormLine("Môi trường", codes.tree_name(codes.abuse_settings(), form.setting_code)),
        FormLine("Quan hệ của người bị nghi gây hại với trẻ", form.perpetrator_relation),
    ]
    sections.append(FormSection("II. THÔNG TIN VỀ TRẺ EM", tuple(child_lines)))
    return tuple(sections)


def summary_timelines(detail: CaseDetail) -> list[tuple[str, list[TimelineRow]]]:
    """The clocks and the steps, as rows."""
    clocks = [
        TimelineRow(
            f"Hạn: {_local_text(c.due_at)}",
            c.label,
            c.left_text + (f" (làm lúc {_local_text(c.done_at)})" if c.done_at else ""),
        )
        for c in detail.clocks
    ]
    steps = []
    for step in detail.steps:
        detail_text = step.description
        if step.referral_to:
            detail_text = f"{REFERRAL_TARGETS.get(step.referral_to, '')}. {detail_text}".strip()
        if step.outcome_code:
            detail_text = f"{CASE_OUTCOMES.get(step.outcome_code, '')}. {detail_text}".strip()
        steps.append(TimelineRow(_local_text(step.at), step.kind_label, detail_text))
    return [("III. CÁC THỜI HẠN", clocks), ("IV. CÁC BƯỚC XỬ LÝ", steps)]


def _record_print(book: Book, what: str, path: Path, with_informant: bool) -> None:
    from desktop.core.services.audit import record_event

    record_event(
        book,
        AuditAction.EXPORT,
        table_name="export",
        after={"what": what, "file": str(path), "informant": with_informant, "personal_data": True},
    )
