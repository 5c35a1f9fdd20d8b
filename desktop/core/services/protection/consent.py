"""Consent records (Luật 91/2025, Điều 24): a referral or an export that carries a child's case
data records who consented — the child from 7 years old and the parent or carer — or why no
consent was needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.core.services.book import Book

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
        raise NotImplementedError

    def withdraw(self, consent_id: str, on: date, note: str = "") -> None:
        """Record that the consent was withdrawn on ``on``."""
        raise NotImplementedError

    def of_case(self, case_id: str) -> tuple[ConsentView, ...]:
        """The consents of a case."""
        raise NotImplementedError

    def of_child(self, person_id: str) -> tuple[ConsentView, ...]:
        """The consents of a child of the book."""
        raise NotImplementedError
