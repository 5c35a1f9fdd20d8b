"""Possible duplicate persons (DOMAIN R08) and merging two records into one, with a log.

Candidates are found under the keys of ``domain/matching.py`` (the importer uses the same):
the same ID number, the same folded name and date of birth, the same name in the same
household. A merge keeps one record, takes the chosen value of every field from either, moves
the other's events, guardian links and HCĐB episodes onto it, tombstones the other with
``merged_into_id``, and writes a MergeRecord saying what was kept, field by field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.labels import labels_of
from desktop.core.domain.matching import DUPLICATE_REASONS, match_keys
from desktop.core.domain.permissions import Action
from desktop.core.domain.population import SEX_LABELS
from desktop.core.domain.text import clean_text, fold
from desktop.core.services import access, codes
from desktop.core.services.book import Book
from desktop.core.services.book_index import current_index
from desktop.core.services.events import recompute_status
from desktop.core.services.unlocked import CurrentUser
from desktop.core.storage.models import MergeRecord, Person
from desktop.core.storage.repositories import children as repo
from desktop.core.storage.repositories import events as events_repo

KEPT, REMOVED = "kept", "removed"
# The fields a merge chooses between, with their Vietnamese names, in the dialog's order.
MERGE_FIELDS: dict[str, str] = labels_of(
    "full_name", "birth_date", "birth_date_estimated", "sex", "ethnicity_code", "id_number",
    "household_id", "relation_code", "residence_code", "birth_registered",
    "birth_registration_date", "birth_registration_place", "insurance_number",
    "insurance_valid_until", "schooling_code", "school_name", "school_class", "disability_code",
    "disability_severity_code", "notes",
)  # fmt: skip
_PERSONAL = {"id_number", "insurance_number"}
_SENSITIVE = {"disability_code", "disability_severity_code"}


@dataclass(frozen=True)
class DuplicateCandidate:
    """A person of the book who may be the one being typed, and why."""

    person_id: str
    full_name: str
    birth_date: date
    sex: int
    household_id: str | None
    household_label: str
    status: str
    reasons: tuple[str, ...]  # keys of matching.DUPLICATE_REASONS

    @property
    def reason_text(self) -> str:
        """The reasons in Vietnamese."""
        return ", ".join(DUPLICATE_REASONS[r] for r in self.reasons)


@dataclass(frozen=True)
class MergeField:
    """One field of a merge: both values as shown, and the default choice."""

    name: str
    label: str
    kept_text: str
    removed_text: str
    default: str  # KEPT or REMOVED
    differs: bool


@dataclass(frozen=True)
class MergePreview:
    """Two records side by side, for the merge dialog."""

    kept_id: str
    removed_id: str
    kept_name: str
    removed_name: str
    fields: list[MergeField]
    moved_counts: dict[str, int]


@dataclass(frozen=True)
class DuplicatePair:
    """Two live records of the book that look like one person."""

    first_id: str
    second_id: str
    reason: str


def _text(name: str, value: Any, households: dict[str, str]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, date):
        return format_vn_date(value)
    lists: dict[str, dict[Any, str]] = {
        "sex": dict(SEX_LABELS),
        "ethnicity_code": {c.code: c.name for c in codes.ethnic_groups()},
        "relation_code": {c.code: c.name for c in codes.household_relations()},
        "residence_code": {c.code: c.name for c in codes.residence_statuses()},
        "schooling_code": {c.code: c.name for c in codes.schooling_levels()},
        "disability_code": {c.code: c.name for c in codes.disability_types()},
        "disability_severity_code": {c.code: c.name for c in codes.disability_severities()},
        "household_id": households,
    }
    if name in lists:
        return str(lists[name].get(value, value))
    return str(value)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class DuplicateService:
    """Finds likely duplicates and merges them."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def candidates(
        self,
        full_name: str,
        birth_date: date | None,
        id_number: str | None,
        household_id: str | None,
        *,
        exclude_ids: tuple[str, ...] = (),
        limit: int = 10,
    ) -> list[DuplicateCandidate]:
        """Persons of the book that may be the person being typed (shown while typing)."""
        user = self._book.user
        user.require(Action.VIEW_BOOK)
        keys = match_keys(full_name, birth_date, id_number, household_id)
        name_key = fold(full_name)
        found: dict[str, tuple[Person, list[str]]] = {}
        excluded = set(exclude_ids)
        with self._book.read() as session:

            def add(people: Any, reason: str) -> None:
                for person in people:
                    if person.id in excluded:
                        continue
                    entry = found.setdefault(person.id, (person, []))
                    if reason not in entry[1]:
                        entry[1].append(reason)

            if keys.id_number and access.may_see_personal(user) and len(keys.id_number) >= 9:
                add(repo.active_with_id_number(session, keys.id_number), "id_number")
            if name_key and birth_date is not None:
                add(repo.same_name_and_birth(session, name_key, birth_date), "name_birth")
            if name_key and household_id:
                add(repo.same_name_in_household(session, name_key, household_id), "household_name")
            households = repo.households_by_ids(
                session, {p.household_id for p, _ in found.values() if p.household_id}
            )
            hamlet_of: dict[str, str | None] = {}
            if user.hamlet_ids is not None:
                for known in households:
                    household = events_repo.live_household(session, known)
                    hamlet_of[known] = household.hamlet_id if household else None
            out = []
            for person, reasons in found.values():
                hid = person.household_id
                if user.hamlet_ids is not None and hamlet_of.get(hid or "") not in user.hamlet_ids:
                    continue
                label = ""
                if hid and hid in households:
                    number, head, hamlet = households[hid]
                    label = f"hộ số {number} ({head}), {hamlet}"
                out.append(
                    DuplicateCandidate(
                        person.id,
                        person.full_name,
                        person.birth_date,
                        person.sex,
                        hid,
                        label,
                        person.status,
                        tuple(reasons),
                    )
                )
        strength = {"id_number": 0, "name_birth": 1, "household_name": 2}
        out.sort(key=lambda c: (min(strength[r] for r in c.reasons), c.full_name))
        return out[:limit]

    def pairs(self, limit: int = 500) -> list[DuplicatePair]:
        """Live records of the book sharing an ID number, or a folded name and birth date."""
        user = self._book.user
        user.require(Action.VIEW_BOOK)
        index = current_index(self._book, details=True)
        personal = access.may_see_personal(user)
        assert index.details is not None
        numbers = index.details["id_number"]
        groups: dict[tuple[str, str], list[str]] = {}
        for i in index.live_positions():
            pid = index.ids[i]
            if personal and numbers[i]:
                groups.setdefault(("id_number", numbers[i]), []).append(pid)
            key = f"{index.name[i]}|{index.birth[i]}"
            groups.setdefault(("name_birth", key), []).append(pid)
        found: dict[tuple[str, str], str] = {}
        for (reason, _), ids in groups.items():
            for i, first in enumerate(ids):
                for second in ids[i + 1 :]:
                    pair = (min(first, second), max(first, second))
                    found.setdefault(pair, DUPLICATE_REASONS[reason])
        result = [DuplicatePair(a, b, why) for (a, b), why in found.items()]
        return result[:limit]

    # -- merging --------------------------------------------------------------------------

    def preview(self, kept_id: str, removed_id: str) -> MergePreview:
        """Both records side by side; by default the kept record's values, filled from the other."""
        user = self._book.user
        user.require(Action.EDIT_BOOK)
        with self._book.read() as session:
            kept, removed = _pair(session, user, kept_id, removed_id)
            households = {
                hid: f"hộ số {n} ({head}), {hamlet}"
                for hid, (n, head, hamlet) in repo.households_by_ids(
                    session, {h for h in (kept.household_id, removed.household_id) if h}
                ).items()
            }
            fields = []
            for name, label in MERGE_FIELDS.items():
                if name in _PERSONAL and not access.may_see_personal(user):
                    continue
                if name in _SENSITIVE and not user.may(Action.VIEW_SENSITIVE):
                    continue
                a, b = getattr(kept, name), getattr(removed, name)
                empty_a = a is None or a == ""
                fields.append(
                    MergeField(
                        name,
                        label,
                        _text(name, a, households),
                        _text(name, b, households),
                        REMOVED if empty_a and not (b is None or b == "") else KEPT,
                        a != b,
                    )
                )
            moved = {
                "events": len(events_repo.events_of_person(session, removed.id)),
                "guardians": len(repo.guardians_of(session, removed.id)),
                "episodes": len(repo.episodes_of(session, removed.id)),
            }
            return MergePreview(
                kept.id, removed.id, kept.full_name, removed.full_name, fields, moved
            )

    def merge(
        self, kept_id: str, removed_id: str, choices: dict[str, str], reason: str = ""
    ) -> str:
        """Merge ``removed_id`` into ``kept_id`` in one transaction; the MergeRecord's id.

        ``choices`` maps a field of MERGE_FIELDS to KEPT or REMOVED; fields not named keep
        the kept record's value, or take the other's where the kept one is empty.
        """
        user = self._book.user
        user.require(Action.EDIT_BOOK)
        for name, given in choices.items():
            if name not in MERGE_FIELDS or given not in (KEPT, REMOVED):
                raise ValidationError(FieldProblem(name, f"Lựa chọn gộp không hợp lệ: {name}."))
        with self._book.transaction() as session:
            return merge_in_session(
                session, user, kept_id, removed_id, choices=choices, reason=reason
            )


def merge_in_session(
    session: Session,
    user: CurrentUser,
    kept_id: str,
    removed_id: str,
    *,
    choices: dict[str, str],
    reason: str = "",
) -> str:
    """Merge ``removed_id`` into ``kept_id`` inside the caller's transaction; the log's id.

    The one merge of two person records: ``DuplicateService.merge`` runs it in a transaction
    of its own, bringing in a former commune's book (``merge_book.py``) inside its own.
    """
    kept, removed = _pair(session, user, kept_id, removed_id)
    log: dict[str, Any] = {}
    for name in MERGE_FIELDS:
        a, b = getattr(kept, name), getattr(removed, name)
        choice: str | None = choices.get(name)
        if name in _PERSONAL and not access.may_see_personal(user):
            choice = None
        if name in _SENSITIVE and not user.may(Action.EDIT_SENSITIVE):
            choice = None
        if choice is None:
            choice = REMOVED if (a is None or a == "") and b not in (None, "") else KEPT
        value = b if choice == REMOVED else a
        if a != b:
            log[name] = {"kept": _plain(a), "removed": _plain(b), "chosen": choice}
        if value != a:
            setattr(kept, name, value)
    if kept.id_number:
        clash = repo.active_with_id_number(session, kept.id_number, {kept.id, removed.id})
        if clash:
            raise ValidationError(
                FieldProblem(
                    "id_number",
                    f"Số định danh {kept.id_number} còn có ở “{clash[0].full_name}”. "
                    "Hãy xem lại hồ sơ đó trước.",
                )
            )
    moved = repo.repoint_person_refs(session, removed.id, kept.id)
    session.flush()
    _dedupe_guardians(session, kept.id)
    removed.deleted = True
    removed.status = "merged"
    removed.merged_into_id = kept.id
    removed.notes = clean_text(
        f"{removed.notes} [Đã gộp vào hồ sơ “{kept.full_name}”"
        f"{': ' + clean_text(reason) if clean_text(reason) else ''}]"
    )
    session.flush()
    recompute_status(session, kept)
    record = MergeRecord(
        kept_id=kept.id,
        removed_id=removed.id,
        details=json.dumps(
            {"fields": log, "moved": moved, "reason": clean_text(reason)},
            ensure_ascii=False,
            sort_keys=True,
        ),
    )
    session.add(record)
    session.flush()
    return record.id


def _pair(
    session: Session, user: CurrentUser, kept_id: str, removed_id: str
) -> tuple[Person, Person]:
    if kept_id == removed_id:
        raise ValidationError(FieldProblem("removed_id", "Hãy chọn hai hồ sơ khác nhau."))
    kept = repo.live_person(session, kept_id)
    removed = repo.live_person(session, removed_id)
    if kept is None or removed is None:
        raise ValidationError(
            FieldProblem("removed_id", "Một trong hai hồ sơ không còn trong sổ (đã gộp?).")
        )
    if user.hamlet_ids is not None:
        for person in (kept, removed):
            household = (
                events_repo.live_household(session, person.household_id)
                if person.household_id
                else None
            )
            access.require_hamlet(user, household.hamlet_id if household else None)
    return kept, removed


def _dedupe_guardians(session: Any, child_id: str) -> None:
    """After a merge, one link per role and name (the older one is kept)."""
    seen: set[tuple[str, str]] = set()
    for link in sorted(repo.guardians_of(session, child_id), key=lambda g: g.updated_at):
        key = (link.role, fold(link.full_name) or (link.person_id or ""))
        if key in seen:
            link.deleted = True
        else:
            seen.add(key)
