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
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from desktop.core.domain.deadlines import Clock
from desktop.core.services.book import Book

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


class CaseService:
    """Intake, timeline, clocks and prints of cases (roles with EDIT_SENSITIVE change them)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def save_draft(self, form: CaseForm) -> CaseSaved:
        """Keep the form as typed (never refuses its content; a new one gets a case number)."""
        raise NotImplementedError

    def submit(self, form: CaseForm) -> CaseSaved:
        """Check the form (a child, not in the future, known channel …) and open the case;
        ValidationError names each field (the draft is saved anyway)."""
        raise NotImplementedError

    def get(self, case_id: str) -> CaseDetail:
        """A case for its screen; audited as a view."""
        raise NotImplementedError

    def list(self, filters: CaseFilter | None = None) -> tuple[CaseListRow, ...]:
        """Cases, newest first, with their clocks; audited as a view of the cases listed."""
        raise NotImplementedError

    def add_step(self, case_id: str, step: CaseStepForm) -> str:
        """Add a step (a referral needs consent, a closure an outcome and a time after intake)."""
        raise NotImplementedError

    def remove_step(self, step_id: str, reason: str) -> None:
        """Tombstone a step typed in error."""
        raise NotImplementedError

    def close(self, case_id: str, at: datetime, outcome_code: str, note: str = "") -> None:
        """Close a case (a CLOSURE step); ValidationError if before the intake."""
        raise NotImplementedError

    def remove(self, case_id: str, reason: str) -> None:
        """Tombstone a case typed in error (administrator or officer)."""
        raise NotImplementedError

    def due_clocks(self, now: datetime | None = None) -> tuple[CaseClockRow, ...]:
        """Every open clock of every draft or open case, most urgent first."""
        raise NotImplementedError

    def print_intake(self, case_id: str, path: Path) -> Path:
        """The intake form (Mẫu 01) as a PDF, with the informant if the role may see it."""
        raise NotImplementedError

    def print_summary(self, case_id: str, path: Path) -> Path:
        """The case summary (timeline, clocks, outcome) as a PDF, without the informant."""
        raise NotImplementedError
