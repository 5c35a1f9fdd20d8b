"""Support given to children (trợ giúp, can thiệp): one at a time, or one support for a filtered
list of children in one step (a campaign), previewed first and saved in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert
from sqlalchemy.orm import Session

from desktop.core.domain.dates import child_birth_window, format_vn_date
from desktop.core.domain.protection import SENSITIVE_GROUPS
from desktop.core.domain.text import clean_text
from desktop.core.services import access, codes
from desktop.core.services.book import Book
from desktop.core.services.book_index import latest_birth_for_age
from desktop.core.services.protection.common import (
    FieldProblem,
    ValidationError,
    check_person,
    current_period,
    future_problem,
    may_see_sensitive,
    presence_problem,
    raise_if,
    require_edit,
    require_reason,
    require_view,
    today_of,
)
from desktop.core.services.protection.special import special_members
from desktop.core.storage.base import SyncState, new_id, utcnow
from desktop.core.storage.models import ProtectionCase, Support
from desktop.core.storage.repositories import protection as repo
from sync import clock

_GONE = "Lần trợ giúp này không còn trong sổ."
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
        return tuple(SupportType(c.code, c.name, c.parent_code) for c in codes.support_types())

    def of_child(self, person_id: str) -> list[SupportView]:
        """A child's supports, newest first."""
        return list(self.list(SupportFilter(person_id=person_id)))

    def list(self, filters: SupportFilter | None = None) -> tuple[SupportView, ...]:
        """Supports matching the filters, newest first."""
        filters = filters or SupportFilter()
        user = self._book.user
        require_view(user)
        with self._book.read() as session:
            if filters.person_id:
                check_person(session, user, filters.person_id)
            rows = repo.supports(
                session,
                person_id=filters.person_id,
                support_code=filters.support_code,
                campaign_id=filters.campaign_id,
                date_from=filters.date_from,
                date_to=filters.date_to,
            )
            facts = repo.person_facts(session, {r.person_id for r in rows})
        views = []
        for row in rows:
            fact = facts.get(row.person_id)
            if fact is None or not access.in_scope(user, fact.hamlet_id):
                continue
            if filters.hamlet_id and fact.hamlet_id != filters.hamlet_id:
                continue
            views.append(_view(row, fact.full_name))
        return tuple(views)

    def save(self, form: SupportForm) -> str:
        """Add or change one support; ValidationError (e.g. the child had moved out or died on
        that date) names the field."""
        user = self._book.user
        require_edit(user)
        today = clock.today()
        with self._book.transaction() as session:
            facts = check_person(session, user, form.person_id)
            row = None
            if form.id:
                row = repo.live(session, Support, form.id)
                if row is None:
                    raise ValidationError(
                        FieldProblem("id", "Lần trợ giúp này không còn trong sổ.")
                    )
            problems = _common_problems(form, today)
            if form.given_on is not None and not problems:
                raise_if([presence_problem(facts, form.given_on, "given_on", "Ngày trợ giúp")])
            if form.case_id and repo.live(session, ProtectionCase, form.case_id) is None:
                problems.append(FieldProblem("case_id", "Vụ việc này không còn trong sổ."))
            raise_if(list(problems))
            if row is None:
                row = Support(person_id=form.person_id)
                session.add(row)
            values = {
                "person_id": form.person_id,
                "support_code": form.support_code,
                "given_on": form.given_on,
                "end_date": form.end_date,
                "provider": clean_text(form.provider),
                "funding": form.funding,
                "amount": form.amount,
                "note": clean_text(form.note),
                "case_id": form.case_id,
            }
            for key, value in values.items():
                if getattr(row, key) != value:
                    setattr(row, key, value)
            session.flush()
            return row.id

    def remove(self, support_id: str, reason: str) -> None:
        """Tombstone a support typed in error."""
        user = self._book.user
        require_edit(user)
        why = require_reason(reason)
        with self._book.transaction() as session:
            row = repo.live(session, Support, support_id)
            if row is None:
                raise ValidationError(FieldProblem("id", _GONE))
            check_person(session, user, row.person_id)
            row.deleted = True
            row.note = clean_text(f"{row.note} [Đã xóa: {why}]")

    def candidates(self, filters: CandidateFilter) -> tuple[CandidateRow, ...]:
        """The children a campaign with these filters would reach, in name order."""
        user = self._book.user
        require_view(user)
        on = today_of(filters.on)
        after, until = child_birth_window(on)
        if filters.age_max is not None:
            after = max(after, latest_birth_for_age(on, filters.age_max + 1))
        if filters.age_min is not None:
            until = min(until, latest_birth_for_age(on, filters.age_min))
        sensitive = may_see_sensitive(user)
        with self._book.read() as session:
            wanted: set[str] | None = None
            if filters.special_only or filters.group_nos:
                members = special_members(session, on)
                wanted = {
                    pid
                    for pid, groups in members.items()
                    if (sensitive or any(g not in SENSITIVE_GROUPS for g in groups))
                    and (not filters.group_nos or any(g in filters.group_nos for g in groups))
                }
            if filters.at_risk_only:
                risky = {pid for pid, _code in repo.risk_open_on(session, on)}
                wanted = risky if wanted is None else wanted & risky
            rows = repo.persons_matching(
                session,
                born_after=after,
                born_until=until,
                hamlet_ids=filters.hamlet_ids,
                poverty_codes=filters.poverty_codes,
                person_ids=wanted,
            )
            if filters.unsupported_only:
                period = current_period(on)
                done = repo.support_summary(session, period.start, period.end, [r.id for r in rows])
                rows = [r for r in rows if r.id not in done]
        return tuple(
            CandidateRow(r.id, r.full_name, r.birth_date, r.sex, r.hamlet_name, r.household_number)
            for r in rows
            if access.in_scope(user, r.hamlet_id)
        )

    def preview_bulk(self, form: BulkSupportForm) -> BulkPreview:
        """Check every child of a campaign without saving; ValidationError for the whole form
        (no child, no type, no date)."""
        user = self._book.user
        require_edit(user)
        with self._book.read() as session:
            return self._preview(session, form)

    def save_bulk(self, form: BulkSupportForm) -> BulkResult:
        """Save the campaign's supports in one transaction (children refused by the preview are
        skipped and returned); ValidationError if nobody is left."""
        user = self._book.user
        require_edit(user)
        campaign_id = new_id()
        with self._book.transaction() as session:
            preview = self._preview(session, form)
            accepted = [row for row in preview.rows if row.ok]
            if not accepted:
                raise ValidationError(
                    FieldProblem(
                        "person_ids",
                        "Không trẻ nào trong danh sách nhận được trợ giúp này: "
                        + "; ".join(f"{r.full_name}: {r.problem}" for r in preview.refused[:5]),
                    )
                )
            stamp = {
                "version": 1,
                "synced_version": 0,
                "sync_state": SyncState.TO_POST.value,
                "sync_error": None,
                "updated_at": utcnow(),
                "updated_by": user.username,
                "deleted": False,
            }
            common = {
                "support_code": form.support_code,
                "given_on": form.given_on,
                "end_date": form.end_date,
                "provider": clean_text(form.provider),
                "funding": form.funding,
                "amount": form.amount,
                "campaign_id": campaign_id,
                "campaign_name": clean_text(form.campaign_name),
                "case_id": None,
                "note": clean_text(form.note),
            }
            rows = [
                {**stamp, **common, "id": new_id(), "person_id": row.person_id} for row in accepted
            ]
            for part in repo.chunks(rows, 500):
                session.execute(insert(Support), list(part))
        return BulkResult(campaign_id, len(rows), preview.refused)

    def _preview(self, session: Session, form: BulkSupportForm) -> BulkPreview:
        user = self._book.user
        today = clock.today()
        problems = _common_problems(form, today)
        ids = list(dict.fromkeys(form.person_ids))
        if not ids:
            problems.insert(
                0,
                FieldProblem(
                    "person_ids",
                    "Danh sách trẻ đang trống: hãy lọc hoặc chọn ít nhất một trẻ.",
                ),
            )
        raise_if(list(problems))
        assert form.given_on is not None
        facts = repo.person_facts(session, ids)
        rows = []
        for person_id in ids:
            fact = facts.get(person_id)
            if fact is None or fact.deleted:
                rows.append(BulkPreviewRow(person_id, "", None, "", "Không còn trong sổ."))
                continue
            problem = ""
            if not access.in_scope(user, fact.hamlet_id):
                problem = "Không thuộc thôn được phân công."
            else:
                found = presence_problem(fact, form.given_on, "given_on", "Ngày trợ giúp")
                problem = found.message if found is not None else ""
            rows.append(
                BulkPreviewRow(
                    person_id, fact.full_name, fact.birth_date, fact.hamlet_name, problem
                )
            )
        return BulkPreview(
            tuple(rows), codes.tree_name(codes.support_types(), form.support_code), form.given_on
        )


def _common_problems(form: SupportForm | BulkSupportForm, today: date) -> list[FieldProblem]:
    support_code, given_on, end_date = form.support_code, form.given_on, form.end_date
    amount, funding = form.amount, form.funding
    problems: list[FieldProblem | None] = []
    if support_code not in codes.tree_codes(codes.support_types()):
        problems.append(FieldProblem("support_code", "Hãy chọn hình thức trợ giúp."))
    problems.append(future_problem(given_on, today, "given_on", "Ngày trợ giúp"))
    if end_date is not None and given_on is not None and end_date < given_on:
        problems.append(
            FieldProblem(
                "end_date",
                f"Ngày kết thúc {format_vn_date(end_date)} trước ngày bắt đầu "
                f"{format_vn_date(given_on)}.",
            )
        )
    if amount is not None and amount < 0:
        problems.append(FieldProblem("amount", "Số tiền không được âm."))
    if funding not in FUNDING_SOURCES:
        problems.append(FieldProblem("funding", "Hãy chọn nguồn kinh phí trong danh sách."))
    return [p for p in problems if p is not None]


def _view(row: Support, full_name: str) -> SupportView:
    return SupportView(
        id=row.id,
        person_id=row.person_id,
        full_name=full_name,
        support_code=row.support_code,
        support_name=codes.tree_name(codes.support_types(), row.support_code),
        given_on=row.given_on,
        end_date=row.end_date,
        provider=row.provider,
        funding=row.funding,
        amount=row.amount,
        campaign_id=row.campaign_id,
        campaign_name=row.campaign_name,
        note=row.note,
        case_id=row.case_id,
    )
