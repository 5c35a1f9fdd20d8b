"""Support given to children (trợ giúp, can thiệp): one at a time, or one support for a filtered
list of children in one step (a campaign), previewed first and saved in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.core.services.book import Book

FUNDING_SOURCES = {
    "": "Chưa ghi",
    "NS": "Ngân sách nhà nước",
    "QBTTE": "Quỹ Bảo trợ trẻ em",
    "XHH": "Vận động xã hội",
    "KHAC": "Nguồn khác",
}


@dataclass(frozen=True)
class SupportType:
    """A support type of support_types.csv (TG01 …); ``parent_code`` for a sub-type."""

    code: str
    name: str
    parent_code: str


@dataclass(frozen=True)
class SupportForm:
    """One support to one child as typed; ``end_date`` for a range (e.g. a monthly allowance)."""

    person_id: str
    support_code: str
    given_on: date | None
    end_date: date | None = None
    provider: str = ""
    funding: str = ""  # a key of FUNDING_SOURCES
    amount: int | None = None  # VND
    note: str = ""
    case_id: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class SupportView:
    """A support as shown."""

    id: str
    person_id: str
    full_name: str
    support_code: str
    support_name: str
    given_on: date
    end_date: date | None
    provider: str
    funding: str
    amount: int | None
    campaign_id: str | None
    campaign_name: str
    note: str
    case_id: str | None


@dataclass(frozen=True)
class CandidateFilter:
    """Who a campaign is for, judged on ``on`` (None = the support date or today)."""

    group_nos: tuple[int, ...] = ()  # in any of these HCĐB groups (empty: any or none)
    special_only: bool = False  # only children in special circumstances
    at_risk_only: bool = False
    hamlet_ids: tuple[str, ...] = ()  # empty: every hamlet the user may see
    poverty_codes: tuple[str, ...] = ()  # HN01 / HN02 / HN03 of the household
    age_min: int | None = None
    age_max: int | None = None
    unsupported_only: bool = False  # with no support in the current period
    on: date | None = None


@dataclass(frozen=True)
class CandidateRow:
    """A child a campaign could reach."""

    person_id: str
    full_name: str
    birth_date: date
    sex: int
    hamlet_name: str
    household_number: str


@dataclass(frozen=True)
class BulkSupportForm:
    """One support, one date, many children (e.g. Mid-Autumn gifts to 140 children)."""

    person_ids: tuple[str, ...]
    support_code: str
    given_on: date | None
    campaign_name: str = ""
    end_date: date | None = None
    provider: str = ""
    funding: str = ""
    amount: int | None = None
    note: str = ""


@dataclass(frozen=True)
class BulkPreviewRow:
    """One child of a campaign preview: saved, or refused with the reason."""

    person_id: str
    full_name: str
    birth_date: date | None
    hamlet_name: str
    problem: str  # "" when it will be saved

    @property
    def ok(self) -> bool:
        """True when this child's support will be saved."""
        return not self.problem


@dataclass(frozen=True)
class BulkPreview:
    """What ``save_bulk`` would do."""

    rows: tuple[BulkPreviewRow, ...]
    support_name: str
    given_on: date | None

    @property
    def accepted(self) -> int:
        """Children whose support will be saved."""
        return sum(1 for row in self.rows if row.ok)

    @property
    def refused(self) -> tuple[BulkPreviewRow, ...]:
        """Children left out, each with the reason."""
        return tuple(row for row in self.rows if not row.ok)


@dataclass(frozen=True)
class BulkResult:
    """A saved campaign."""

    campaign_id: str
    saved: int
    skipped: tuple[BulkPreviewRow, ...]


@dataclass(frozen=True)
class SupportFilter:
    """Filters of the support list."""

    support_code: str | None = None
    hamlet_id: str | None = None
    campaign_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    person_id: str | None = None


class SupportService:
    """Supports of children, one by one or by campaign."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def types(self) -> tuple[SupportType, ...]:
        """The support types of support_types.csv."""
        raise NotImplementedError

    def of_child(self, person_id: str) -> list[SupportView]:
        """A child's supports, newest first."""
        raise NotImplementedError

    def list(self, filters: SupportFilter | None = None) -> tuple[SupportView, ...]:
        """Supports matching the filters, newest first."""
        raise NotImplementedError

    def save(self, form: SupportForm) -> str:
        """Add or change one support; ValidationError (e.g. the child had moved out or died on
        that date) names the field."""
        raise NotImplementedError

    def remove(self, support_id: str, reason: str) -> None:
        """Tombstone a support typed in error."""
        raise NotImplementedError

    def candidates(self, filters: CandidateFilter) -> tuple[CandidateRow, ...]:
        """The children a campaign with these filters would reach, in name order."""
        raise NotImplementedError

    def preview_bulk(self, form: BulkSupportForm) -> BulkPreview:
        """Check every child of a campaign without saving; ValidationError for the whole form
        (no child, no type, no date)."""
        raise NotImplementedError

    def save_bulk(self, form: BulkSupportForm) -> BulkResult:
        """Save the campaign's supports in one transaction (children refused by the preview are
        skipped and returned); ValidationError if nobody is left."""
        raise NotImplementedError
