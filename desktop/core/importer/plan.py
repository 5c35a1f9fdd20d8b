"""Match parsed rows against the book and decide, row by row, what an import would do.

Households are matched by hamlet and household number; people by the duplicate keys of
``domain.matching`` (ID number first, then folded name and date of birth, then the same name
in the same household). A blank cell never erases what the book holds. A row is rejected,
never guessed, when it contradicts the book (an ID number that belongs to someone else, a
child recorded in another household) or another row of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.labels import labels_of
from desktop.core.domain.matching import DUPLICATE_REASONS, match_keys
from desktop.core.domain.population import SEX_LABELS
from desktop.core.domain.text import clean_text, fold
from desktop.core.importer.headers import ColumnMapping
from desktop.core.importer.rows import HouseholdData, ParsedRow, ParseResult, RowProblem
from desktop.core.importer.values import SCHOOLING_LABELS
from desktop.core.storage.repositories.imports import (
    EpisodeRow,
    GuardianRow,
    HamletRow,
    HouseholdRow,
    PersonRow,
)

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
ACTION_LABELS = {CREATE: "Thêm mới", UPDATE: "Cập nhật", UNCHANGED: "Không đổi"}
GUARDIAN_ROLES = (("father", "Họ tên cha"), ("mother", "Họ tên mẹ"), ("carer", "Người chăm sóc"))
KINH = "01"
GROUP_SICK_POOR = 13  # Điều 10 điểm n: needs a nghèo or cận nghèo household (DOMAIN R11)

# Words that start a hamlet's name ("Thôn Đông" and "Đông" are the same hamlet).
_HAMLET_WORDS = re.compile(
    r"^(?:to dan pho|khu pho|khu dan cu|thon|ap|ban|xom|lang|buon|soc|khom|plei|bon|khu|to|tdp)"
    r"\s+"
)


@dataclass(frozen=True)
class Snapshot:
    """The live book, as plain rows (read once per preview or import)."""

    hamlets: list[HamletRow]
    households: list[HouseholdRow]
    persons: list[PersonRow]
    guardians: list[GuardianRow]
    episodes: list[EpisodeRow]


@dataclass(frozen=True)
class Change:
    """One field an import changes: its label and the values before and after, as shown."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class GuardianOp:
    """Add a parent or carer by name, or correct the name of the existing link."""

    role: str
    name: str
    link_id: str | None  # None: a new link


@dataclass
class HouseholdPlan:
    """One household of the file: new, or an existing one with the fields that change."""

    key: tuple[str, str]  # (hamlet reference, household number)
    hamlet_ref: str  # an existing hamlet's id, or "new:<folded name>"
    hamlet_name: str
    data: HouseholdData
    existing_id: str | None
    updates: dict[str, Any] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    @property
    def action(self) -> str:
        """create, update or unchanged."""
        if self.existing_id is None:
            return CREATE
        return UPDATE if self.updates else UNCHANGED


@dataclass
class RowPlan:
    """What importing one good row does."""

    row: int
    parsed: ParsedRow
    household: HouseholdPlan
    person_id: str | None  # the matched person; None: a new person
    updates: dict[str, Any] = field(default_factory=dict)  # person column → new value
    changes: list[Change] = field(default_factory=list)
    guardians: list[GuardianOp] = field(default_factory=list)
    new_groups: list[int] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    action: str = UNCHANGED


@dataclass
class ImportPlan:
    """The preview: every row's fate, new hamlets, households, and the rejected rows."""

    reference_date: date
    mapping: ColumnMapping
    rows: list[RowPlan]
    households: list[HouseholdPlan]
    new_hamlets: list[str]
    matched_hamlets: dict[str, str]  # the file's spelling → the book's hamlet, when they differ
    problems: dict[int, list[RowProblem]]  # every row the plan rejects; of the rows rejected
    # while reading, only the first few (``ParseResult.problems``): see the counts below
    total_rows: int
    dropped_rows: int = 0  # rows rejected while reading whose problems are not held
    dropped_problems: int = 0

    def count(self, action: str) -> int:
        """Good rows whose action is ``action``."""
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def updated(self) -> int:
        return self.count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def rejected(self) -> int:
        """Every rejected row (exact, also those whose problems are not held)."""
        return len(self.problems) + self.dropped_rows

    @property
    def problem_total(self) -> int:
        """Every problem of every rejected row (exact)."""
        return sum(len(p) for p in self.problems.values()) + self.dropped_problems

    @property
    def children(self) -> int:
        """Good rows of children (under 16 on the reference date)."""
        return sum(1 for r in self.rows if r.parsed.is_child)

    @property
    def adults(self) -> int:
        """Good rows of people aged 16 or over, kept as household members."""
        return sum(1 for r in self.rows if not r.parsed.is_child)

    def households_with(self, action: str) -> int:
        """Households whose action is ``action``."""
        return sum(1 for h in self.households if h.action == action)

    def problem_list(self) -> list[RowProblem]:
        """Every problem, by row number."""
        return [p for row in sorted(self.problems) for p in self.problems[row]]


def hamlet_core(name_key: str) -> str:
    """A folded hamlet name without its kind ("thon dong" → "dong")."""
    return _HAMLET_WORDS.sub("", name_key).strip() or name_key


def _same_text(a: str, b: str) -> bool:
    # Case and decomposed/composed forms are not a change; a different letter or mark is.
    return clean_text(a).casefold() == clean_text(b).casefold()


def _prefer(current: str, other: str) -> str:
    # Of two spellings that fold alike, keep the one with Vietnamese marks.
    return (
        other
        if fold(current) == current.casefold() and fold(other) != other.casefold()
        else current
    )


class _Labels:
    """Code → Vietnamese name, for showing changes."""

    def __init__(self) -> None:
        from desktop.core.services import codes

        self.ethnic = {c.code: c.name for c in codes.ethnic_groups()}
        self.poverty = {c.code: c.name for c in codes.poverty_statuses()}
        self.relation = {c.code: c.name for c in codes.household_relations()}

    def show(self, column: str, value: Any) -> str:
        if value is None or value == "":
            return "(trống)"
        if isinstance(value, bool):
            if column == "birth_registered":
                return "Có" if value else "Chưa"
            return "Có" if value else "Không"
        if isinstance(value, date):
            return format_vn_date(value)
        tables: dict[str, dict[Any, str]] = {
            "sex": dict(SEX_LABELS),
            "ethnicity_code": self.ethnic,
            "poverty_code": self.poverty,
            "relation_code": self.relation,
            "schooling_code": SCHOOLING_LABELS,
        }
        table = tables.get(column, {})
        return table.get(value, str(value))


PERSON_LABELS = labels_of(
    "full_name", "birth_date", "birth_date_estimated", "sex", "ethnicity_code", "id_number",
    "birth_registered", "insurance_card", "schooling_code", "notes", "relation_code",
)  # fmt: skip
HOUSEHOLD_LABELS = labels_of("head_name", "address", "poverty_code", "phone")

Progress = Callable[[int, int], None]


class _Planner:
    def __init__(
        self,
        parsed: ParseResult,
        book: Snapshot,
        today: date,
        may_edit_sensitive: bool,
    ) -> None:
        self.parsed = parsed
        self.book = book
        self.today = today
        self.may_edit_sensitive = may_edit_sensitive
        self.labels = _Labels()
        self.problems: dict[int, list[RowProblem]] = {
            row: list(found) for row, found in parsed.problems.items()
        }
        self.mapping = parsed.mapping
        self.hamlet_by_key = {h.name_key: h for h in book.hamlets}
        cores: dict[str, list[HamletRow]] = {}
        for hamlet in book.hamlets:
            cores.setdefault(hamlet_core(hamlet.name_key), []).append(hamlet)
        self.hamlet_by_core = cores
        self.hamlet_names = {h.id: h.name for h in book.hamlets}
        self.household_by_key = {(h.hamlet_id, h.number.casefold()): h for h in book.households}
        self.household_by_id = {h.id: h for h in book.households}
        self.person_by_id = {p.id: p for p in book.persons}
        self.by_id_number: dict[str, PersonRow] = {}
        self.by_name_birth: dict[str, list[PersonRow]] = {}
        self.by_household_name: dict[str, list[PersonRow]] = {}
        for person in book.persons:
            keys = match_keys(
                person.full_name, person.birth_date, person.id_number, person.household_id
            )
            if keys.id_number:
                self.by_id_number.setdefault(keys.id_number, person)
            self.by_name_birth.setdefault(keys.name_birth, []).append(person)
            if keys.household_name:
                self.by_household_name.setdefault(keys.household_name, []).append(person)
        self.guardians: dict[str, dict[str, GuardianRow]] = {}
        for link in book.guardians:
            self.guardians.setdefault(link.child_id, {}).setdefault(link.role, link)
        self.open_groups: dict[str, set[int]] = {}
        for episode in book.episodes:
            if episode.end_date is None or episode.end_date >= today:
                self.open_groups.setdefault(episode.person_id, set()).add(episode.group_no)
        self.pending_remarks: list[str] = []  # remarks of the row being matched
        self.new_hamlets: dict[str, str] = {}  # folded → name as first written
        self.matched_hamlets: dict[str, str] = {}

    def reject(self, row: int, column_key: str | None, message: str, hint: str = "") -> None:
        column = self.mapping.header_of(column_key) if column_key else ""
        self.problems.setdefault(row, []).append(RowProblem(row, column, message, hint))

    # -- hamlets and households ---------------------------------------------------------

    def hamlet_ref(self, name: str) -> tuple[str, str]:
        key = fold(name)
        found = self.hamlet_by_key.get(key)
        if found is None:
            candidates = self.hamlet_by_core.get(hamlet_core(key), [])
            if len(candidates) == 1:
                found = candidates[0]
        if found is not None:
            if fold(found.name) != key:
                self.matched_hamlets.setdefault(name, found.name)
            return found.id, found.name
        first = self.new_hamlets.setdefault(key, name)
        return f"new:{key}", first

    def household_for(
        self, row: ParsedRow, plans: dict[tuple[str, str], HouseholdPlan]
    ) -> HouseholdPlan:
        ref, hamlet_name = self.hamlet_ref(row.household.hamlet)
        key = (ref, row.household.number.casefold())
        plan = plans.get(key)
        if plan is None:
            existing = self.household_by_key.get(key)
            plan = HouseholdPlan(
                key=key,
                hamlet_ref=ref,
                hamlet_name=hamlet_name,
                data=row.household,
                existing_id=existing.id if existing else None,
            )
            plans[key] = plan
        return plan

    def merge_households(self, rows: list[RowPlan]) -> list[RowPlan]:
        """Fill each household from its good rows; reject all rows of a contradictory one."""
        by_household: dict[tuple[str, str], list[RowPlan]] = {}
        for plan in rows:
            by_household.setdefault(plan.household.key, []).append(plan)
        kept: list[RowPlan] = []
        for group in by_household.values():
            household = group[0].household
            household.data = group[0].parsed.household
            household.rows = [p.row for p in group]
            ok = True
            for plan in group[1:]:
                merged = self._merge(household, plan.parsed)
                if merged is None:
                    ok = False
                    break
                household.data = merged
            if not ok:
                self._reject_conflict(household, [p.parsed for p in group])
                continue
            self._household_changes(household)
            first = group[0]
            if household.action != UNCHANGED:
                first.changes[:0] = household.changes
                if first.action == UNCHANGED:
                    first.action = UPDATE
            kept.extend(group)
        return sorted(kept, key=lambda p: p.row)

    def _merge(self, plan: HouseholdPlan, row: ParsedRow) -> HouseholdData | None:
        data, other = plan.data, row.household
        values: dict[str, Any] = {}
        for attr in ("head_name", "address", "poverty_code", "phone"):
            mine, theirs = getattr(data, attr), getattr(other, attr)
            if mine is None or theirs is None:
                values[attr] = mine if mine is not None else theirs
            elif attr == "poverty_code":
                if mine != theirs:
                    return None
                values[attr] = mine
            elif fold(mine) != fold(theirs):
                return None
            else:
                values[attr] = _prefer(mine, theirs)
        return HouseholdData(data.hamlet, data.number, **values)

    def _reject_conflict(self, plan: HouseholdPlan, rows: list[ParsedRow]) -> None:
        where = ", ".join(str(r.row) for r in rows)
        for attr, key, label in (
            ("head_name", "head_name", "chủ hộ"),
            ("address", "address", "địa chỉ"),
            ("poverty_code", "poverty", "hoàn cảnh hộ"),
            ("phone", "phone", "điện thoại"),
        ):
            seen = {
                fold(v) if isinstance(v, str) and attr != "poverty_code" else v: v
                for r in rows
                if (v := getattr(r.household, attr)) is not None
            }
            if len(seen) > 1:
                shown = ", ".join(f"“{self.labels.show(attr, v)}”" for v in seen.values())
                for r in rows:
                    self.reject(
                        r.row,
                        key,
                        f"các dòng {where} cùng là hộ số {plan.data.number} ({plan.hamlet_name}) "
                        f"nhưng ghi {label} khác nhau: {shown}.",
                        "Hãy sửa cho các dòng của cùng một hộ ghi giống nhau, hoặc sửa số hộ.",
                    )
                return

    def _household_changes(self, plan: HouseholdPlan) -> None:
        if plan.existing_id is None:
            return
        existing = self.household_by_id[plan.existing_id]
        data = plan.data
        wanted: dict[str, Any] = {
            "head_name": data.head_name,
            "address": data.address,
            "poverty_code": data.poverty_code,
            "phone": data.phone,
        }
        for column, new in wanted.items():
            if new is None:
                continue
            old = getattr(existing, column)
            if isinstance(new, str) and _same_text(old, new):
                continue
            if new != old:
                plan.updates[column] = new
                plan.changes.append(
                    Change(
                        HOUSEHOLD_LABELS[column],
                        self.labels.show(column, old),
                        self.labels.show(column, new),
                    )
                )

    # -- people -------------------------------------------------------------------------

    def plan(self, progress: Progress | None) -> ImportPlan:
        rows = sorted(self.parsed.rows, key=lambda r: r.row)
        households: dict[tuple[str, str], HouseholdPlan] = {}
        seen: dict[str, tuple[int, tuple[str, str], str | None]] = {}  # key → first row
        matched: dict[str, int] = {}  # existing person id → row
        plans: list[RowPlan] = []
        for index, row in enumerate(rows):
            if progress is not None and index % 500 == 0:
                progress(index, len(rows))
            household = self.household_for(row, households)
            planned = self._plan_person(row, household, seen, matched)
            if planned is not None:
                plans.append(planned)
        plans = self.merge_households(plans)
        if progress is not None:
            progress(len(rows), len(rows))
        used = {p.household.key for p in plans}
        kept = [h for h in households.values() if h.key in used]
        used_hamlets = {h.hamlet_ref for h in kept}
        new_hamlets = [n for k, n in self.new_hamlets.items() if f"new:{k}" in used_hamlets]
        return ImportPlan(
            reference_date=self.today,
            mapping=self.mapping,
            rows=plans,
            households=kept,
            new_hamlets=new_hamlets,
            matched_hamlets=self.matched_hamlets,
            problems=self.problems,
            total_rows=self.parsed.data_rows,
            dropped_rows=self.parsed.dropped_rows,
            dropped_problems=self.parsed.dropped_problems,
        )

    def _plan_person(
        self,
        row: ParsedRow,
        household: HouseholdPlan,
        seen: dict[str, tuple[int, tuple[str, str], str | None]],
        matched: dict[str, int],
    ) -> RowPlan | None:
        person = row.person
        keys = match_keys(
            person.full_name,
            person.birth_date,
            person.id_number,
            "|".join(household.key),
        )
        remarks: list[str] = []
        for kind, key in (
            ("id_number", keys.id_number),
            ("name_birth", keys.name_birth),
            ("household_name", keys.household_name),
        ):
            if key is None or key not in seen:
                continue
            first, first_household, first_id = seen[key]
            if kind == "name_birth" and first_household != household.key:
                # Same name and birth date in two households: two children more often than
                # one written twice. Different ID numbers settle it; otherwise say so.
                if not (first_id and person.id_number and first_id != person.id_number):
                    remarks.append(
                        f"cùng họ tên và ngày sinh với dòng {first} (hộ khác): hãy kiểm tra "
                        "có phải một trẻ bị ghi hai lần"
                    )
                continue
            self.reject(
                row.row,
                "id_number" if kind == "id_number" else "full_name",
                f"{DUPLICATE_REASONS[kind]} với dòng {first} của tệp.",
                "Nếu là cùng một người, hãy xóa dòng này; nếu khác người, hãy sửa lại.",
            )
            return None
        for key in (keys.id_number, keys.name_birth, keys.household_name):
            if key is not None:
                seen.setdefault(key, (row.row, household.key, person.id_number))

        self.pending_remarks = remarks
        existing = self._match(row, household)
        if existing is False:
            return None
        plan = RowPlan(row.row, row, household, None, remarks=[*row.remarks, *remarks])
        if existing is None:
            plan.action = CREATE
            if person.ethnicity_code is None:
                plan.remarks.append("để trống Dân tộc: ghi là Kinh")
            plan.guardians = [
                GuardianOp(role, name, None)
                for role, _label in GUARDIAN_ROLES
                if (name := getattr(person, role)) is not None
            ]
            plan.new_groups = list(person.special_groups)
        else:
            if existing.id in matched:
                self.reject(
                    row.row,
                    "full_name",
                    f"dòng {matched[existing.id]} và dòng này cùng khớp với "
                    f"“{existing.full_name}” trong sổ.",
                    "Hãy kiểm tra lại hai dòng, xóa dòng trùng.",
                )
                return None
            matched[existing.id] = row.row
            plan.person_id = existing.id
            self._person_changes(plan, existing)
        if person.special_groups and not self.may_edit_sensitive:
            self.reject(
                row.row,
                "special",
                "tài khoản của bạn không có quyền ghi thông tin hoàn cảnh đặc biệt.",
                "Hãy nhờ cán bộ phụ trách trẻ em nhập, hoặc để trống cột này.",
            )
            return None
        if GROUP_SICK_POOR in plan.new_groups:
            poverty = row.household.poverty_code
            if poverty is None and household.existing_id is not None:
                poverty = self.household_by_id[household.existing_id].poverty_code
            if poverty not in ("HN01", "HN02"):
                plan.remarks.append(
                    "nhóm 13 (bệnh hiểm nghèo) cần hộ nghèo hoặc cận nghèo, nhưng hộ này không "
                    "ghi là nghèo/cận nghèo: hãy kiểm tra lại"
                )
        return plan

    def _match(self, row: ParsedRow, household: HouseholdPlan) -> PersonRow | Literal[False] | None:
        """The existing person of this row; None for a new one; False if rejected."""
        person = row.person
        name_key = fold(person.full_name)
        target = household.existing_id
        if person.id_number:
            found = self.by_id_number.get(person.id_number)
            if found is not None:
                if found.name_key != name_key and found.birth_date != person.birth_date:
                    self.reject(
                        row.row,
                        "id_number",
                        f"số định danh {person.id_number} đã thuộc “{found.full_name}” (sinh "
                        f"{format_vn_date(found.birth_date)}) trong sổ.",
                        "Hãy kiểm tra lại số định danh của dòng này.",
                    )
                    return False
                return self._same_household(row, found, target)
        candidates = self.by_name_birth.get(
            match_keys(person.full_name, person.birth_date, None, None).name_birth, []
        )
        in_target = [c for c in candidates if target is not None and c.household_id == target]
        if len(in_target) > 1:
            self.reject(
                row.row,
                "full_name",
                f"hộ này có {len(in_target)} người cùng họ tên “{person.full_name}” và ngày "
                f"sinh {format_vn_date(person.birth_date)} trong sổ.",
                "Hãy gộp các hồ sơ trùng trong sổ trước, rồi nhập lại.",
            )
            return False
        if not in_target and target is not None and not candidates:
            in_target = self.by_household_name.get(f"{target}|{name_key}", [])
            if len(in_target) > 1:
                self.reject(
                    row.row,
                    "full_name",
                    f"hộ này có {len(in_target)} người cùng tên “{person.full_name}” trong sổ.",
                    "Hãy ghi số định danh để phân biệt.",
                )
                return False
        if in_target:
            found = in_target[0]
            if person.id_number and found.id_number and found.id_number != person.id_number:
                self.reject(
                    row.row,
                    "id_number",
                    f"trong sổ, “{found.full_name}” có số định danh {found.id_number}, tệp ghi "
                    f"{person.id_number}.",
                    "Số định danh chỉ được sửa trong hồ sơ của trẻ hoặc theo danh sách công an "
                    "xã xác minh.",
                )
                return False
            return found
        # The same name and birth date elsewhere in the commune: the same child recorded in
        # another household, unless different ID numbers show two children.
        elsewhere = [
            c
            for c in candidates
            if not (person.id_number and c.id_number and c.id_number != person.id_number)
        ]
        if elsewhere:
            return self._same_household(row, elsewhere[0], target)
        if candidates:
            self.pending_remarks.append(
                f"sổ đã có người cùng họ tên và ngày sinh ở hộ khác nhưng khác số định danh "
                f"({candidates[0].id_number}): ghi là trẻ khác"
            )
        return None

    def _same_household(
        self, row: ParsedRow, found: PersonRow, target: str | None
    ) -> PersonRow | Literal[False]:
        if found.household_id == target and target is not None:
            return found
        where = "chưa thuộc hộ nào"
        home = self.household_by_id.get(found.household_id or "")
        if home is not None:
            where = f"ở hộ số {home.number} ({self.hamlet_names.get(home.hamlet_id, '')})"
        self.reject(
            row.row,
            "household_number",
            f"“{found.full_name}” (sinh {format_vn_date(found.birth_date)}) đã có trong sổ "
            f"{where}, còn tệp ghi hộ số {row.household.number} ({row.household.hamlet}).",
            "Nếu trẻ đã chuyển hộ, hãy ghi biến động chuyển hộ trong sổ trước; nếu là hai trẻ "
            "khác nhau, hãy ghi số định danh của trẻ để phân biệt; nếu không, hãy sửa số hộ.",
        )
        return False

    def _person_changes(self, plan: RowPlan, existing: PersonRow) -> None:
        person = plan.parsed.person
        updates: dict[str, Any] = {}
        if not _same_text(existing.full_name, person.full_name):
            updates["full_name"] = person.full_name
        if person.birth_date != existing.birth_date:
            keep_book = (
                person.birth_date_estimated
                and not existing.birth_date_estimated
                and existing.birth_date.year == person.birth_date.year
            )
            if not keep_book:
                updates["birth_date"] = person.birth_date
                if person.birth_date_estimated != existing.birth_date_estimated:
                    updates["birth_date_estimated"] = person.birth_date_estimated
        for column, new in (
            ("sex", person.sex),
            ("ethnicity_code", person.ethnicity_code),
            ("id_number", person.id_number),
            ("birth_registered", person.birth_registered),
            ("insurance_card", person.insurance_card),
            ("schooling_code", person.schooling_code),
            ("relation_code", person.relation_code),
        ):
            if new is not None and new != getattr(existing, column):
                updates[column] = new
        if person.notes is not None and not _same_text(existing.notes, person.notes):
            updates["notes"] = person.notes
        plan.updates = updates
        plan.changes.extend(
            Change(
                PERSON_LABELS[column],
                self.labels.show(column, getattr(existing, column)),
                self.labels.show(column, new),
            )
            for column, new in updates.items()
        )
        links = self.guardians.get(existing.id, {})
        for role, label in GUARDIAN_ROLES:
            name = getattr(person, role)
            if name is None:
                continue
            link = links.get(role)
            if link is None:
                plan.guardians.append(GuardianOp(role, name, None))
                plan.changes.append(Change(label, "(trống)", name))
            elif not _same_text(link.full_name, name):
                plan.guardians.append(GuardianOp(role, name, link.id))
                plan.changes.append(Change(label, link.full_name or "(trống)", name))
        open_groups = self.open_groups.get(existing.id, set())
        plan.new_groups = [g for g in person.special_groups if g not in open_groups]
        if plan.new_groups:
            plan.changes.append(
                Change(
                    "Hoàn cảnh đặc biệt",
                    "; ".join(str(g) for g in sorted(open_groups)) or "(trống)",
                    "; ".join(str(g) for g in sorted(open_groups | set(plan.new_groups))),
                )
            )
        plan.action = UPDATE if plan.changes else UNCHANGED


def build_plan(
    parsed: ParseResult,
    book: Snapshot,
    today: date,
    *,
    may_edit_sensitive: bool = True,
    progress: Progress | None = None,
) -> ImportPlan:
    """Decide what importing ``parsed`` into ``book`` does (nothing is written)."""
    return _Planner(parsed, book, today, may_edit_sensitive).plan(progress)
