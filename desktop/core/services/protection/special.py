"""Children in special circumstances (HCĐB, Luật Trẻ em 2016, Điều 10): episodes, the list
with its filters and the live coverage "x / y được trợ giúp (z %)" against the 90 % target."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cache

from sqlalchemy.orm import Session

from desktop.core.domain import protection as rules
from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.permissions import Action
from desktop.core.domain.protection import SENSITIVE_GROUPS
from desktop.core.domain.text import clean_text, fold
from desktop.core.services import access, codes
from desktop.core.services.book import Book, CurrentUser
from desktop.core.services.protection.common import (
    HIDDEN_SENSITIVE_NOTE,
    SUPPORT_TARGET_PERCENT,
    FieldProblem,
    NeedsConfirmation,
    Period,
    ValidationError,
    audit_list,
    audit_view,
    check_person,
    current_period,
    left_on,
    may_see_sensitive,
    raise_if,
    require_edit,
    require_reason,
    require_view,
    today_of,
)
from desktop.core.storage.models import SpecialEpisode
from desktop.core.storage.repositories import protection as repo
from desktop.core.storage.repositories.protection import PersonFacts
from sync import clock


@dataclass(frozen=True)
class SubgroupChoice:
    """A sub-group of NĐ 56/2017 (Điều 3–16)."""

    no: int
    name: str


@dataclass(frozen=True)
class GroupChoice:
    """One of the 14 groups, with its law point letter and known sub-groups."""

    no: int
    law_point: str
    name: str
    subgroups: tuple[SubgroupChoice, ...]
    sensitive: bool  # group 5 (HIV): hidden from roles without VIEW_SENSITIVE

    @property
    def label(self) -> str:
        """E.g. "Nhóm 1 (điểm a): Trẻ em mồ côi cả cha và mẹ"."""
        return f"Nhóm {self.no} (điểm {self.law_point}): {self.name}"


@dataclass(frozen=True)
class SpecialEpisodeForm:
    """A membership as typed: ``id`` None for a new one."""

    person_id: str
    group_no: int
    start_date: date | None
    subgroup_no: int | None = None
    end_date: date | None = None
    end_reason: str = ""  # a key of domain.protection.END_REASONS when end_date is set
    evidence: str = ""
    verified_by: str = ""
    verified_on: date | None = None
    note: str = ""
    id: str | None = None


@dataclass(frozen=True)
class SpecialEpisodeView:
    """A membership as shown; sensitive parts blank when ``hidden``."""

    id: str
    person_id: str
    group_no: int
    group_name: str
    subgroup_no: int | None
    subgroup_name: str
    start_date: date
    end_date: date | None
    end_reason: str
    end_reason_label: str
    evidence: str
    verified_by: str
    verified_on: date | None
    note: str
    hidden: bool = False


@dataclass(frozen=True)
class SpecialFilter:
    """Filters of the special-circumstance list; ``on`` None = today."""

    group_no: int | None = None
    hamlet_id: str | None = None
    supported: bool | None = None  # True: supported this period; False: not; None: all
    text: str = ""  # part of the name, accents ignored
    on: date | None = None
    period: Period | None = None  # None = the current period (calendar year of ``on``)


@dataclass(frozen=True)
class SpecialListRow:
    """One child in special circumstances on the list's day."""

    person_id: str
    full_name: str
    birth_date: date
    sex: int
    hamlet_id: str | None
    hamlet_name: str
    household_number: str
    group_nos: tuple[int, ...]
    groups_text: str  # e.g. "1, 4"
    supported: bool  # any support dated in the period
    support_count: int
    last_support_on: date | None
    hidden: bool = False  # some group left out for this role


@dataclass(frozen=True)
class Coverage:
    """How many children in special circumstances got at least one support in the period."""

    supported: int
    total: int
    period: Period
    target_percent: int = SUPPORT_TARGET_PERCENT

    @property
    def percent(self) -> float:
        """0–100, one decimal; 0 when there is nobody."""
        return round(100.0 * self.supported / self.total, 1) if self.total else 0.0

    @property
    def meets_target(self) -> bool:
        """At least the target (90 %); True when there is nobody to support."""
        return self.total == 0 or self.supported * 100 >= self.target_percent * self.total

    @property
    def text(self) -> str:
        """ "x / y được trợ giúp (z %)", Vietnamese decimal comma."""
        percent = f"{self.percent:.1f}".replace(".", ",").removesuffix(",0")
        return f"{self.supported} / {self.total} được trợ giúp ({percent} %)"


@dataclass(frozen=True)
class SpecialList:
    """The list, its coverage (over the filtered children) and what the role hides."""

    rows: tuple[SpecialListRow, ...]
    coverage: Coverage
    on: date
    hidden_note: str = ""


class SpecialService:
    """Special-circumstance episodes of children and their list."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def groups(self) -> tuple[GroupChoice, ...]:
        """The 14 groups with their sub-groups (groups the role may not see are left out)."""
        sensitive = may_see_sensitive(self._book.user)
        return tuple(g for g in all_groups(sensitive) if sensitive or not g.sensitive)

    def episodes_of(self, person_id: str) -> list[SpecialEpisodeView]:
        """All episodes of a child, newest first; audited as a view of sensitive data."""
        user = self._book.user
        require_view(user)
        sensitive = may_see_sensitive(user)
        with self._book.read() as session:
            check_person(session, user, person_id)
            rows = repo.episodes_of(session, SpecialEpisode, person_id)
            views = [v for v in (_view(row, sensitive) for row in rows) if v is not None]
        if views:
            audit_view(self._book, "special_episodes", [v.id for v in views], ["group_no"])
        return views

    def save(self, form: SpecialEpisodeForm, *, confirm: bool = False) -> str:
        """Add or change an episode; returns its id. ValidationError (R14, R02), NeedsConfirmation
        (R11–R13, unless ``confirm``), PermissionDenied."""
        user = self._book.user
        require_edit(user)
        if form.group_no in SENSITIVE_EDIT_GROUPS:
            user.require(Action.EDIT_SENSITIVE)
        today = clock.today()
        with self._book.transaction() as session:
            facts = check_person(session, user, form.person_id)
            row = None
            if form.id:
                row = repo.live(session, SpecialEpisode, form.id)
                if row is None or row.person_id != form.person_id:
                    raise ValidationError(FieldProblem("id", "Giai đoạn này không còn trong sổ."))
                if row.group_no in SENSITIVE_EDIT_GROUPS:
                    user.require(Action.EDIT_SENSITIVE)
            problems = _form_problems(form)
            others = [
                rules.EpisodeDates(e.id, (e.group_no,), e.start_date, e.end_date)
                for e in repo.episodes_of(session, SpecialEpisode, form.person_id)
            ]
            problems += rules.episode_problems(
                start=form.start_date,
                end=form.end_date,
                birth=facts.birth_date,
                today=today,
                key=(form.group_no,),
                others=others,
                own_id=form.id,
                left_on=left_on(facts),
                label=f"Nhóm {form.group_no}",
            )
            if problems:
                raise ValidationError(problems)
            if not confirm:
                warnings = rules.group_warnings(
                    form.group_no,
                    rules.GroupFacts(
                        facts.poverty_code, facts.schooling_code, facts.disability_code
                    ),
                )
                if warnings:
                    raise NeedsConfirmation(warnings)
            if row is None:
                row = SpecialEpisode(person_id=form.person_id)
                session.add(row)
            _apply(row, form)
            session.flush()
            return row.id

    def end(self, episode_id: str, end_date: date, reason: str) -> None:
        """Close an open episode on ``end_date`` with a reason (END_REASONS key)."""
        user = self._book.user
        require_edit(user)
        with self._book.transaction() as session:
            row = repo.live(session, SpecialEpisode, episode_id)
            if row is None:
                raise ValidationError(FieldProblem("id", "Giai đoạn này không còn trong sổ."))
            if row.group_no in SENSITIVE_EDIT_GROUPS:
                user.require(Action.EDIT_SENSITIVE)
            facts = check_person(session, user, row.person_id)
            problems = []
            if reason not in rules.END_REASONS:
                problems.append(FieldProblem("end_reason", "Hãy chọn lý do kết thúc."))
            problems += rules.episode_problems(
                start=row.start_date,
                end=end_date,
                birth=facts.birth_date,
                today=clock.today(),
                key=("self",),
                others=(),
                own_id=row.id,
                left_on=None,
                label=f"Nhóm {row.group_no}",
            )
            raise_if(list(problems))
            row.end_date = end_date
            row.end_reason = reason

    def remove(self, episode_id: str, reason: str) -> None:
        """Tombstone an episode typed in error; ``reason`` is required."""
        user = self._book.user
        require_edit(user)
        why = require_reason(reason)
        with self._book.transaction() as session:
            row = repo.live(session, SpecialEpisode, episode_id)
            if row is None:
                raise ValidationError(FieldProblem("id", "Giai đoạn này không còn trong sổ."))
            if row.group_no in SENSITIVE_EDIT_GROUPS:
                user.require(Action.EDIT_SENSITIVE)
            check_person(session, user, row.person_id)
            row.deleted = True
            row.end_reason = "error"
            row.note = clean_text(f"{row.note} [Đã xóa: {why}]")

    def list(self, filters: SpecialFilter | None = None) -> SpecialList:
        """The children in special circumstances on ``filters.on`` with the coverage."""
        filters = filters or SpecialFilter()
        user = self._book.user
        require_view(user)
        on = today_of(filters.on)
        period = filters.period or current_period(on)
        sensitive = may_see_sensitive(user)
        with self._book.read() as session:
            members, facts = special_members_with_facts(session, on)
            supports = repo.support_summary(session, period.start, period.end, list(members))
        rows: list[SpecialListRow] = []
        counted: list[str] = []
        needle = fold(filters.text)
        for person_id, groups in members.items():
            fact = facts.get(person_id)
            if fact is None or not access.in_scope(user, fact.hamlet_id):
                continue
            if filters.hamlet_id and fact.hamlet_id != filters.hamlet_id:
                continue
            if filters.group_no is not None and filters.group_no not in groups:
                continue
            shown = groups if sensitive else tuple(g for g in groups if g not in SENSITIVE_GROUPS)
            if not shown:
                continue
            count, last = supports.get(person_id, (0, None))
            supported = count > 0
            if needle and needle not in fold(fact.full_name):
                continue
            counted.append(person_id)
            if filters.supported is not None and supported != filters.supported:
                continue
            rows.append(
                SpecialListRow(
                    person_id=person_id,
                    full_name=fact.full_name,
                    birth_date=fact.birth_date,
                    sex=fact.sex,
                    hamlet_id=fact.hamlet_id,
                    hamlet_name=fact.hamlet_name,
                    household_number=fact.household_number,
                    group_nos=shown,
                    groups_text=", ".join(str(g) for g in shown),
                    supported=supported,
                    support_count=count,
                    last_support_on=last,
                    hidden=len(shown) != len(groups),
                )
            )
        rows.sort(key=lambda r: (facts[r.person_id].name_sort_key, r.person_id))
        coverage = Coverage(sum(1 for pid in counted if pid in supports), len(counted), period)
        audit_list(
            self._book,
            "special_episodes",
            {
                "list": "special",
                "on": on.isoformat(),
                "group_no": filters.group_no,
                "hamlet_id": filters.hamlet_id,
                "supported": filters.supported,
                "rows": len(rows),
            },
        )
        return SpecialList(tuple(rows), coverage, on, "" if sensitive else HIDDEN_SENSITIVE_NOTE)

    def coverage(self, period: Period | None = None, hamlet_id: str | None = None) -> Coverage:
        """The coverage over a period (default: the current one), the commune or one hamlet."""
        user = self._book.user
        if not (user.may(Action.VIEW_PROTECTION) or user.may(Action.REPORT)):
            user.require(Action.VIEW_PROTECTION)
        today = clock.today()
        period = period or current_period(today)
        on = min(today, period.end)
        with self._book.read() as session:
            return coverage_in(session, user, on, period, hamlet_id)


SENSITIVE_EDIT_GROUPS = frozenset({rules.GROUP_HIV, rules.GROUP_SEXUAL_ABUSE})


def special_members(session: Session, on: date) -> dict[str, tuple[int, ...]]:
    """person id → the sorted groups of the HCĐB episodes open on ``on`` (live persons)."""
    found: dict[str, set[int]] = {}
    for person_id, group_no, _sub in repo.special_open_on(session, on):
        found.setdefault(person_id, set()).add(group_no)
    live = {
        pid for pid, fact in repo.person_facts(session, list(found)).items() if not fact.deleted
    }
    return {pid: tuple(sorted(groups)) for pid, groups in found.items() if pid in live}


def special_members_with_facts(
    session: Session, on: date
) -> tuple[dict[str, tuple[int, ...]], dict[str, PersonFacts]]:
    """``special_members`` and the facts of those persons, in one look-up."""
    found: dict[str, set[int]] = {}
    for person_id, group_no, _sub in repo.special_open_on(session, on):
        found.setdefault(person_id, set()).add(group_no)
    facts = {
        pid: fact
        for pid, fact in repo.person_facts(session, list(found)).items()
        if not fact.deleted
    }
    members = {pid: tuple(sorted(groups)) for pid, groups in found.items() if pid in facts}
    return members, facts


def coverage_in(
    session: Session, user: CurrentUser, on: date, period: Period, hamlet_id: str | None = None
) -> Coverage:
    """Children in special circumstances on ``on`` (the user's hamlets) and how many of them
    got a support dated in ``period``."""
    supported, total = unsupported_in(session, user, on, period, hamlet_id)
    return Coverage(total - len(supported), total, period)


def unsupported_in(
    session: Session, user: CurrentUser, on: date, period: Period, hamlet_id: str | None = None
) -> tuple[list[str], int]:
    """(ids of the children in special circumstances with no support in ``period``, how many
    children in special circumstances), in the user's hamlets."""
    if user.hamlet_ids is None and not hamlet_id:
        # The whole commune: no need to look the persons up one by one.
        members: dict[str, tuple[int, ...]] = {
            pid: (group,) for pid, group in repo.special_open_live(session, on)
        }
    else:
        members, facts = special_members_with_facts(session, on)
        members = {
            pid: groups
            for pid, groups in members.items()
            if pid in facts
            and access.in_scope(user, facts[pid].hamlet_id)
            and (not hamlet_id or facts[pid].hamlet_id == hamlet_id)
            and (may_see_sensitive(user) or any(g not in SENSITIVE_GROUPS for g in groups))
        }
    supports = repo.support_summary(session, period.start, period.end)
    missing = [pid for pid in members if pid not in supports]
    return missing, len(members)


@cache
def all_groups(_sensitive: bool = True) -> tuple[GroupChoice, ...]:
    """The 14 groups of special_circumstances.csv with their sub-groups."""
    groups: dict[int, GroupChoice] = {}
    subgroups: dict[int, list[SubgroupChoice]] = {}
    for row in codes.special_circumstance_rows():
        if row.subgroup_no is None:
            groups[row.group_no] = GroupChoice(
                row.group_no,
                row.law_point,
                row.name,
                (),
                row.group_no in SENSITIVE_GROUPS,
            )
        else:
            subgroups.setdefault(row.group_no, []).append(
                SubgroupChoice(row.subgroup_no, row.subgroup_name)
            )
    return tuple(
        replace(group, subgroups=tuple(subgroups.get(no, ()))) for no, group in groups.items()
    )


def group_name(group_no: int) -> str:
    """The name of a group ("" if unknown)."""
    for group in all_groups():
        if group.no == group_no:
            return group.name
    return ""


def subgroup_name(group_no: int, subgroup_no: int | None) -> str:
    """The name of a sub-group ("" if none or unknown)."""
    if subgroup_no is None:
        return ""
    for group in all_groups():
        if group.no == group_no:
            for sub in group.subgroups:
                if sub.no == subgroup_no:
                    return sub.name
    return ""


def _form_problems(form: SpecialEpisodeForm) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    group = next((g for g in all_groups() if g.no == form.group_no), None)
    if group is None:
        return [FieldProblem("group_no", "Hãy chọn một trong 14 nhóm hoàn cảnh đặc biệt.")]
    if form.subgroup_no is not None and form.subgroup_no not in {s.no for s in group.subgroups}:
        problems.append(
            FieldProblem(
                "subgroup_no", f"Nhóm {form.group_no} không có phân nhóm {form.subgroup_no}."
            )
        )
    if form.end_date is not None and form.end_reason not in rules.END_REASONS:
        problems.append(FieldProblem("end_reason", "Có ngày kết thúc: hãy chọn lý do kết thúc."))
    if form.verified_on is not None and form.start_date and form.verified_on > clock.today():
        problems.append(
            FieldProblem(
                "verified_on",
                f"Ngày xác minh {format_vn_date(form.verified_on)} ở sau ngày hôm nay.",
            )
        )
    return problems


def _apply(row: SpecialEpisode, form: SpecialEpisodeForm) -> None:
    values = {
        "group_no": form.group_no,
        "subgroup_no": form.subgroup_no,
        "start_date": form.start_date,
        "end_date": form.end_date,
        "end_reason": form.end_reason if form.end_date is not None else "",
        "evidence": clean_text(form.evidence),
        "verified_by": clean_text(form.verified_by),
        "verified_on": form.verified_on,
        "note": clean_text(form.note),
    }
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)


def _view(row: SpecialEpisode, sensitive: bool) -> SpecialEpisodeView | None:
    if not sensitive and row.group_no in SENSITIVE_GROUPS:
        return None
    hide_sub = not sensitive and row.group_no in rules.SENSITIVE_SUBGROUP_GROUPS
    return SpecialEpisodeView(
        id=row.id,
        person_id=row.person_id,
        group_no=row.group_no,
        group_name=group_name(row.group_no),
        subgroup_no=None if hide_sub else row.subgroup_no,
        subgroup_name="" if hide_sub else subgroup_name(row.group_no, row.subgroup_no),
        start_date=row.start_date,
        end_date=row.end_date,
        end_reason=row.end_reason,
        end_reason_label=rules.END_REASONS.get(row.end_reason, ""),
        evidence="" if hide_sub else row.evidence,
        verified_by=row.verified_by,
        verified_on=row.verified_on,
        note="" if hide_sub else row.note,
        hidden=hide_sub,
    )
