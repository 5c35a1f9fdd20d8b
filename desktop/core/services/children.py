"""Use cases of the child record: the children list, the full record, its profile and history.

The person forms (ChildForm, GuardianForm) live here and are shared with the household form
(households.py), so a child typed in a household row and a child edited in its own dialog go
through the same checks and the same writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from desktop.core.domain import child_rules as rules
from desktop.core.domain.child_rules import ChildFacts, Flag
from desktop.core.domain.collation_text import name_sort_text
from desktop.core.domain.dates import (
    age_on,
    check_birth_date,
    format_vn_date,
    is_child_on,
    sixteenth_birthday,
)
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.identity import check_id_number
from desktop.core.domain.matching import DUPLICATE_REASONS
from desktop.core.domain.permissions import Action, PermissionDenied
from desktop.core.domain.population import SEX_LABELS
from desktop.core.domain.text import clean_text, fold
from desktop.core.services import access, codes
from desktop.core.services.book import Book, CurrentUser
from desktop.core.services.book_index import (
    AGE_FILTERS,
    POPULATIONS,
    ChildQuery,
    current_index,
)
from desktop.core.services.records import (
    ChildForm,
    EventView,
    GuardianForm,
    event_views,
)
from desktop.core.storage.models import ChangeEvent, GuardianLink, Person
from desktop.core.storage.repositories import children as repo
from desktop.core.storage.repositories import events as events_repo
from sync import clock

__all__ = [
    "AGE_FILTERS",
    "POPULATIONS",
    "ChildForm",
    "ChildListRow",
    "ChildProfile",
    "ChildQuery",
    "ChildService",
    "EventView",
    "GuardianForm",
    "NeedsConfirmation",
]

SEXES = (1, 2, 3)
ENTRY_EVENTS = {"BD01": "Mới sinh", "BD02": "Chuyển đến"}
PERSONAL_FIELDS = ("id_number", "insurance_number")
SENSITIVE_FIELDS = ("disability_code", "disability_severity_code")


@dataclass(frozen=True)
class ChildListRow:
    """One row of the children list (and of a report's drill-down)."""

    id: str
    full_name: str
    birth_date: date | None
    sex: int
    hamlet_name: str
    household_id: str
    household_number: str
    head_name: str
    ethnicity: str = ""
    id_number: str = ""
    age: int = 0
    status: str = "active"
    status_date: date | None = None
    relation: str = ""
    flags: frozenset[Flag] = frozenset()

    @property
    def flag_text(self) -> str:
        """The alerts, in Vietnamese, for the list's last column."""
        # Missing IDs are common and disabilities are not alerts (and are sensitive): both
        # stay filters, not words in the list.
        hidden: set[Flag] = {Flag.ID_MISSING, Flag.DISABILITY}
        if Flag.UNDER6_NO_INSURANCE in self.flags:
            hidden.add(Flag.NO_INSURANCE)  # the sharper alert says it
        if Flag.BIRTH_OVERDUE in self.flags:
            hidden.add(Flag.BIRTH_UNREGISTERED)
        shown = [f for f in Flag if f in self.flags and f not in hidden]
        return "; ".join(rules.FLAG_LABELS[f] for f in shown)


@dataclass(frozen=True)
class GuardianView:
    """A guardian link as shown in the profile."""

    id: str
    role: str
    full_name: str
    person_id: str | None
    parent_status: str
    phone: str


@dataclass(frozen=True)
class EpisodeView:
    """A special-circumstance (HCĐB) episode as shown in the profile."""

    id: str
    group_no: int
    group_name: str
    start_date: date
    end_date: date | None
    evidence: str


@dataclass(frozen=True)
class MergeView:
    """A duplicate merge this record took part in."""

    id: str
    kept_id: str
    removed_id: str
    kept_name: str
    removed_name: str
    when: str
    by: str
    details: str


@dataclass(frozen=True)
class HouseholdSummary:
    """The household a person belongs to."""

    id: str
    number: str
    head_name: str
    hamlet_name: str


@dataclass(frozen=True)
class ChildProfile:
    """Everything known about one person, for the profile window."""

    record: ChildForm
    household: HouseholdSummary | None
    age: int
    is_child: bool
    sixteenth_birthday: date
    flags: frozenset[Flag]
    id_warnings: list[str]
    hints: list[str]
    guardians: list[GuardianView]
    events: list[EventView]
    episodes: list[EpisodeView] | None  # None: the user may not see special circumstances
    merges: list[MergeView]
    merged_into_id: str | None
    deleted: bool
    show_personal: bool
    show_sensitive: bool


@dataclass(frozen=True)
class EntryCheck:
    """What is wrong with a person being typed: ``problems`` block, ``warnings`` need a yes."""

    problems: list[FieldProblem]
    warnings: list[FieldProblem]

    @property
    def all(self) -> list[FieldProblem]:
        """Problems first, then warnings."""
        return self.problems + self.warnings


class NeedsConfirmation(ValidationError):
    """Saved only after the person confirms: warnings, not errors (``problems`` lists them).

    R07 (ID disagrees with birth date or sex) may be confirmed with a reason kept in
    ``id_check_override``; possible duplicates and adults in a child relation just need a yes.
    """


def person_label(row: int | None, name: str, birth: date | None, today: date) -> str:
    """How messages name a person of a form: "Trẻ thứ 2 (Lê An)", "Người thứ 1 (…)"."""
    adult = birth is not None and birth <= today and not is_child_on(birth, today)
    where = ("Người thứ" if adult else "Trẻ thứ") + f" {row}" if row is not None else ""
    if not where:
        return name or "Trẻ"
    return f"{where} ({name})" if name else where


def check_person(
    form: ChildForm, row: int | None, today: date, user: CurrentUser
) -> tuple[list[FieldProblem], list[FieldProblem]]:
    """(blocking problems, confirmable warnings) of one person as typed; no database."""
    if form.remove:
        return [], []
    problems: list[FieldProblem] = []
    warnings: list[FieldProblem] = []
    name = clean_text(form.full_name)
    label = person_label(row, name, form.birth_date, today)
    if not name:
        plain = person_label(row, "", form.birth_date, today)
        problems.append(FieldProblem("full_name", f"{plain}: chưa nhập họ tên.", row))
    elif len(name) > 200:
        problems.append(FieldProblem("full_name", f"{label}: họ tên dài quá 200 ký tự.", row))
    if form.birth_date is None:
        problems.append(FieldProblem("birth_date", f"{label}: chưa nhập ngày sinh.", row))
    else:
        try:
            check_birth_date(form.birth_date, today, label=f"{label}: ngày sinh")
        except ValidationError as exc:
            problems.extend(FieldProblem("birth_date", p.message, row) for p in exc.problems)
    if form.sex not in SEXES:
        problems.append(FieldProblem("sex", f"{label}: chưa chọn giới tính.", row))
    if form.ethnicity_code not in {c.code for c in codes.ethnic_groups()}:
        problems.append(FieldProblem("ethnicity_code", f"{label}: chưa chọn dân tộc.", row))
    for field_name, value, options, what in (
        ("relation_code", form.relation_code, codes.household_relations(), "quan hệ với chủ hộ"),
        ("residence_code", form.residence_code, codes.residence_statuses(), "tình trạng cư trú"),
        ("schooling_code", form.schooling_code, codes.schooling_levels(), "học tập"),
        ("disability_code", form.disability_code, codes.disability_types(), "dạng khuyết tật"),
        (
            "disability_severity_code",
            form.disability_severity_code,
            codes.disability_severities(),
            "mức độ khuyết tật",
        ),
    ):
        if value and value not in {c.code for c in options}:
            problems.append(FieldProblem(field_name, f"{label}: {what} “{value}” không có.", row))
    id_number: str | None = None
    try:
        id_number = check_id_number(form.id_number)
    except ValidationError as exc:
        problems.extend(
            FieldProblem("id_number", f"{label}: {p.message}", row) for p in exc.problems
        )
    if form.entry_event and form.entry_event not in ENTRY_EVENTS:
        problems.append(FieldProblem("entry_event", f"{label}: lý do vào sổ không hợp lệ.", row))
    if form.entry_event == "BD02" and not clean_text(form.entry_place):
        problems.append(
            FieldProblem("entry_place", f"{label}: chuyển đến thì ghi chuyển đến từ đâu.", row)
        )
    for index, guardian in enumerate(form.guardians or [], start=1):
        if guardian.remove:
            continue
        if guardian.role not in rules.GUARDIAN_ROLES:
            problems.append(
                FieldProblem("guardians", f"{label}: người thứ {index} chưa chọn vai trò.", row)
            )
        if not clean_text(guardian.full_name) and not guardian.person_id:
            role = rules.GUARDIAN_ROLES.get(guardian.role, "người giám hộ").lower()
            problems.append(FieldProblem("guardians", f"{label}: chưa ghi họ tên {role}.", row))
        if guardian.parent_status not in rules.PARENT_STATUSES:
            problems.append(
                FieldProblem(
                    "guardians", f"{label}: tình trạng của {guardian.full_name} không hợp lệ.", row
                )
            )
    if form.birth_date is None or any(p.field == "birth_date" for p in problems):
        return problems, warnings
    facts = _facts(form, id_number)
    problems.extend(
        rules.check_details(
            facts,
            birth_registration_date=form.birth_registration_date,
            disability_severity_code=form.disability_severity_code,
            on=today,
            label=label,
            row=row,
        )
    )
    if id_number and not clean_text(form.id_check_override):
        for text in rules.id_problems_to_check(facts):
            warnings.append(FieldProblem("id_number", f"{label}: số định danh {id_number} — "
                                         f"{text}", row))  # fmt: skip
    if (
        form.id is None
        and (form.relation_code in rules.CHILD_RELATIONS)
        and not is_child_on(form.birth_date, today)
    ):
        warnings.append(
            FieldProblem(
                "birth_date",
                f"{label}: sinh ngày {format_vn_date(form.birth_date)}, đã đủ 16 tuổi — sẽ ghi là "
                "thành viên của hộ, không tính là trẻ em. Nếu gõ nhầm năm sinh, hãy sửa lại.",
                row,
            )
        )
    return problems, warnings


def _facts(form: ChildForm, id_number: str | None) -> ChildFacts:
    assert form.birth_date is not None
    return ChildFacts(
        birth_date=form.birth_date,
        sex=form.sex,
        id_number=id_number,
        id_check_override=clean_text(form.id_check_override),
        birth_registered=form.birth_registered,
        insurance_number=rules.normalise_insurance_number(form.insurance_number),
        insurance_valid_until=form.insurance_valid_until,
        schooling_code=form.schooling_code,
        disability_code=form.disability_code,
    )


def duplicate_problems(
    session: Session,
    form: ChildForm,
    household_id: str | None,
    *,
    row: int | None,
    label: str,
    others_in_form: Sequence[ChildForm] = (),
) -> tuple[list[FieldProblem], list[FieldProblem]]:
    """(blocking, confirmable) duplicates of one person against the book (R08)."""
    problems: list[FieldProblem] = []
    warnings: list[FieldProblem] = []
    if form.remove:
        return problems, warnings
    exclude = {form.id} if form.id else set()
    exclude |= {o.id for o in others_in_form if o.id}
    id_number = (form.id_number or "").replace(" ", "").strip()
    if id_number:
        for other in repo.active_with_id_number(session, id_number, exclude):
            where = _where(session, other)
            message = (
                f"{label}: số định danh {id_number} đã có ở “{other.full_name}”{where}. Nếu là "
                "cùng một người, hãy mở hồ sơ đó hoặc gộp hai hồ sơ trùng."
            )
            if form.id is None:
                problems.append(FieldProblem("id_number", message, row))
            else:
                warnings.append(FieldProblem("id_number", message, row))
    if form.id is None and form.birth_date is not None and clean_text(form.full_name):
        key = fold(form.full_name)
        seen: set[str] = set()
        for other in repo.same_name_and_birth(session, key, form.birth_date, exclude):
            seen.add(other.id)
            warnings.append(
                FieldProblem(
                    "full_name",
                    f"{label}: có thể trùng với “{other.full_name}” sinh ngày "
                    f"{format_vn_date(other.birth_date)}{_where(session, other)} "
                    f"({DUPLICATE_REASONS['name_birth']}).",
                    row,
                )
            )
        if household_id:
            for other in repo.same_name_in_household(session, key, household_id, exclude):
                if other.id not in seen:
                    warnings.append(
                        FieldProblem(
                            "full_name",
                            f"{label}: trong hộ đã có “{other.full_name}” sinh ngày "
                            f"{format_vn_date(other.birth_date)} "
                            f"({DUPLICATE_REASONS['household_name']}).",
                            row,
                        )
                    )
    return problems, warnings


def _where(session: Session, person: Person) -> str:
    if not person.household_id:
        return ""
    found = repo.households_by_ids(session, [person.household_id]).get(person.household_id)
    if found is None:
        return ""
    number, head, hamlet = found
    return f" (hộ số {number}, chủ hộ {head}, {hamlet})"


def write_person(
    session: Session,
    person: Person,
    form: ChildForm,
    user: CurrentUser,
    *,
    household_id: str | None,
    today: date,
) -> None:
    """Copy a checked form onto ``person``; only real changes are written (sync stays calm)."""
    name = clean_text(form.full_name)
    _assign(person, "household_id", household_id)
    _assign(person, "full_name", name)
    _assign(person, "birth_date", form.birth_date)
    _assign(person, "birth_date_estimated", form.birth_date_estimated)
    _assign(person, "sex", form.sex)
    _assign(person, "ethnicity_code", form.ethnicity_code)
    _assign(person, "relation_code", form.relation_code)
    _assign(person, "notes", clean_text(form.notes))
    _assign(person, "residence_code", form.residence_code or "CU01")
    registered = form.birth_registered
    if registered is None and form.birth_registration_date is not None:
        registered = True
    _assign(person, "birth_registered", registered)
    _assign(person, "birth_registration_date", form.birth_registration_date)
    _assign(person, "birth_registration_place", clean_text(form.birth_registration_place))
    _assign(person, "schooling_code", form.schooling_code or None)
    _assign(person, "school_name", clean_text(form.school_name))
    _assign(person, "school_class", clean_text(form.school_class))
    _assign(person, "insurance_valid_until", form.insurance_valid_until)
    if user.may(Action.VIEW_PERSONAL):
        # Without the right, these came blank to the form: keep the stored values.
        id_number = check_id_number(form.id_number)
        _assign(person, "id_number", id_number)
        _assign(person, "insurance_number", rules.normalise_insurance_number(form.insurance_number))
        override = clean_text(form.id_check_override)
        # A reason is kept only while the ID still disagrees with the record (R07).
        if not id_number or not rules.id_problems_to_check(_facts(form, id_number)):
            override = ""
        _assign(person, "id_check_override", override)
    if user.may(Action.EDIT_SENSITIVE):
        _assign(person, "disability_code", form.disability_code or None)
        _assign(person, "disability_severity_code", form.disability_severity_code or None)
    if form.id is None:
        session.add(person)
        session.flush()
        if form.entry_event in ENTRY_EVENTS:
            assert form.birth_date is not None
            session.add(
                ChangeEvent(
                    event_code=form.entry_event,
                    event_date=form.birth_date if form.entry_event == "BD01" else today,
                    person_id=person.id,
                    household_id=household_id,
                    place=clean_text(form.entry_place),
                    details="Ghi khi thêm vào sổ.",
                )
            )
    if form.guardians is not None:
        write_guardians(session, person, form.guardians, user)


def write_guardians(
    session: Session, child: Person, guardians: Sequence[GuardianForm], user: CurrentUser
) -> None:
    """Create, update and tombstone the guardian links of ``child`` as in the form."""
    existing = {g.id: g for g in repo.guardians_of(session, child.id)}
    personal = user.may(Action.VIEW_PERSONAL)
    for form in guardians:
        name = clean_text(form.full_name)
        if form.person_id and not name:
            linked = repo.live_person(session, form.person_id)
            name = linked.full_name if linked is not None else ""
        if form.id is not None:
            link = existing.get(form.id)
            if link is None:
                continue  # removed meanwhile (another window): nothing to update
            if form.remove:
                link.deleted = True
                continue
        elif form.remove:
            continue
        else:
            link = GuardianLink(child_id=child.id, role=form.role, full_name=name)
            session.add(link)
        _assign(link, "role", form.role)
        _assign(link, "full_name", name)
        _assign(link, "person_id", form.person_id or None)
        _assign(link, "parent_status", form.parent_status)
        if personal:
            _assign(link, "phone", clean_text(form.phone))


def _assign(obj: object, name: str, value: object) -> None:
    # Only real changes are written, so an unchanged record keeps its version and sync state.
    if getattr(obj, name) != value:
        setattr(obj, name, value)


def read_only_reason(session: Session, person: Person) -> str:
    """Why a person's record is history and not edited (empty if it may be edited)."""
    if person.deleted:
        return "Hồ sơ này đã bị xóa hoặc đã gộp vào hồ sơ khác."
    if person.status == rules.STATUS_DEAD:
        return f"Đã mất ngày {format_vn_date(person.status_date)}: hồ sơ chỉ còn để xem."
    if person.status == rules.STATUS_MOVED_OUT:
        return (
            f"Đã chuyển đi ngày {format_vn_date(person.status_date)}: hồ sơ chỉ còn để xem. "
            "Nếu trẻ quay lại, hãy ghi biến động “Chuyển đến”."
        )
    if events_repo.has_event(session, person.id, "BD05"):
        return (
            f"Đã đủ 16 tuổi ngày {format_vn_date(sixteenth_birthday(person.birth_date))}: "
            "không còn là trẻ em, hồ sơ trẻ em chỉ còn để xem."
        )
    return ""


def form_of(session: Session, person: Person, guardians: bool = False) -> ChildForm:
    """The stored person as a form."""
    return ChildForm(
        id=person.id,
        full_name=person.full_name,
        birth_date=person.birth_date,
        sex=person.sex,
        ethnicity_code=person.ethnicity_code,
        id_number=person.id_number or "",
        birth_date_estimated=person.birth_date_estimated,
        relation_code=person.relation_code,
        notes=person.notes,
        residence_code=person.residence_code,
        birth_registered=person.birth_registered,
        birth_registration_date=person.birth_registration_date,
        birth_registration_place=person.birth_registration_place,
        insurance_number=person.insurance_number,
        insurance_valid_until=person.insurance_valid_until,
        schooling_code=person.schooling_code,
        school_name=person.school_name,
        school_class=person.school_class,
        disability_code=person.disability_code,
        disability_severity_code=person.disability_severity_code,
        id_check_override=person.id_check_override,
        guardians=[
            GuardianForm(
                id=g.id,
                role=g.role,
                full_name=g.full_name,
                person_id=g.person_id,
                parent_status=g.parent_status,
                phone=g.phone,
            )
            for g in repo.guardians_of(session, person.id)
        ]
        if guardians
        else None,
        status=person.status,
        read_only_reason=read_only_reason(session, person),
    )


def visible_form(form: ChildForm, user: CurrentUser) -> ChildForm:
    """The form as ``user`` may see it: personal and sensitive fields blanked without rights."""
    if not access.may_see_personal(user):
        form = replace(
            form,
            id_number="",
            insurance_number="",
            id_check_override="",
            guardians=[replace(g, phone="") for g in form.guardians]
            if form.guardians is not None
            else None,
        )
    if not user.may(Action.VIEW_SENSITIVE):
        form = replace(form, disability_code=None, disability_severity_code=None)
    return form


class ChildService:
    """The children list, the child record and its profile; every save is one transaction."""

    def __init__(self, book: Book) -> None:
        self._book = book

    # -- the list -------------------------------------------------------------------------

    def search(self, query: ChildQuery, on: date | None = None) -> list[str]:
        """Ids of the persons matching ``query`` on ``on`` (default today), in order."""
        user = self._book.user
        user.require(Action.VIEW_BOOK)
        if Flag.DISABILITY in query.flags and not user.may(Action.VIEW_SENSITIVE):
            raise PermissionDenied("Tài khoản của bạn không có quyền lọc theo khuyết tật.")
        index = current_index(self._book, details=query.needs_details())
        return index.search_persons(query, user, on or clock.today(), access.may_see_personal(user))

    def prepare(self) -> None:
        """Load the whole list index now (run in the background once the list is shown)."""
        self._book.user.require(Action.VIEW_BOOK)
        current_index(self._book, details=True)

    def rows(
        self, ids: Sequence[str], on: date | None = None, *, flags: bool = True
    ) -> list[ChildListRow]:
        """The list rows of ``ids``, in the same order (unknown ids are left out).

        ``flags=False`` leaves the warnings out (empty): lists that never show them (a
        report's drill-down, its export) skip the per-child checks, a third of the time."""
        user = self._book.user
        user.require(Action.VIEW_BOOK)
        today = on or clock.today()
        personal = access.may_see_personal(user)
        sensitive = user.may(Action.VIEW_SENSITIVE)
        ethnic = {c.code: c.name for c in codes.ethnic_groups()}
        relations = {c.code: c.name for c in codes.household_relations()}
        with self._book.read() as session:
            found = {r[0]: r for r in repo.list_rows(session, ids)}
        hamlet_of: dict[str, str | None] = {}
        if user.hamlet_ids is not None:
            index = current_index(self._book)
            hamlet_of = {pid: index.hamlet_of_household(r[7] or "") for pid, r in found.items()}
        rows: list[ChildListRow] = []
        for pid in ids:
            r = found.get(pid)
            if r is None or (
                user.hamlet_ids is not None and hamlet_of.get(pid) not in user.hamlet_ids
            ):
                continue
            (_, name, birth, sex, ethnicity, id_number, status, household_id, number, head,
             hamlet, relation, registered, insurance, valid_until, schooling, disability,
             override, status_date) = r  # fmt: skip
            found_flags: frozenset[Flag] = frozenset()
            if flags:
                facts = ChildFacts(
                    birth_date=birth,
                    sex=sex,
                    id_number=id_number,
                    id_check_override=override,
                    birth_registered=registered,
                    insurance_number=insurance,
                    insurance_valid_until=valid_until,
                    schooling_code=schooling,
                    disability_code=disability if sensitive else None,
                )
                found_flags = rules.flags_for(facts, today)
                if not personal:
                    found_flags = found_flags - {Flag.ID_TO_CHECK, Flag.ID_MISSING}
            rows.append(
                ChildListRow(
                    id=pid,
                    full_name=name,
                    birth_date=birth,
                    sex=sex,
                    hamlet_name=hamlet or "",
                    household_id=household_id or "",
                    household_number=number or "",
                    head_name=head or "",
                    ethnicity=ethnic.get(ethnicity, ethnicity),
                    id_number=(id_number or "") if personal else "",
                    age=age_on(birth, today),
                    status=status,
                    status_date=status_date,
                    relation=relations.get(relation or "", ""),
                    flags=found_flags,
                )
            )
        return rows

    # -- one record -----------------------------------------------------------------------

    def in_name_order(self, ids: Sequence[str]) -> list[str]:
        """``ids`` in the list's Vietnamese name order, read from the book's index (kept in
        that order) rather than by sorting the names; ids the index does not hold (records
        removed or merged since a report was finalised) come last, by name."""
        self._book.user.require(Action.VIEW_BOOK)
        held, others = current_index(self._book).in_order(ids)
        if others:
            with self._book.read() as session:
                names = {r[0]: r[1] for r in repo.list_rows(session, others)}
            others.sort(key=lambda i: name_sort_text(names.get(i, "")))
        return held + others

    def get_child(self, person_id: str) -> ChildForm:
        """The person's full record with guardians, ready to edit (as the user may see it)."""
        user = self._book.user
        user.require(Action.VIEW_BOOK)
        with self._book.read() as session:
            person = repo.get_person(session, person_id)
            if person is None:
                raise ValidationError(FieldProblem("id", "Không tìm thấy người này trong sổ."))
            self._require_scope(session, person)
            form = form_of(session, person, guardians=True)
            household_id = person.household_id
        self._audit_view([person_id], household_id)
        return visible_form(form, user)

    def household_of(self, person_id: str) -> str | None:
        """The id of the person's household."""
        self._book.user.require(Action.VIEW_BOOK)
        with self._book.read() as session:
            person = repo.get_person(session, person_id)
            return None if person is None else person.household_id

    def save_child(
        self,
        form: ChildForm,
        household_id: str | None,
        today: date | None = None,
        *,
        accept_warnings: bool = False,
    ) -> str:
        """Check and save one person (and its guardian links) in one transaction; its id.

        ValidationError names every wrong field; NeedsConfirmation lists the warnings to
        confirm (then call again with ``accept_warnings=True``). Nothing is written then.
        """
        user = self._book.user
        user.require(Action.EDIT_BOOK)
        today = today or clock.today()
        problems, warnings = check_person(form, None, today, user)
        if problems:
            raise ValidationError(problems)
        with self._book.transaction() as session:
            if household_id is not None:
                household = events_repo.live_household(session, household_id)
                if household is None:
                    raise ValidationError(
                        FieldProblem("household_id", "Hộ này không còn trong sổ.")
                    )
                access.require_hamlet(user, household.hamlet_id)
            label = clean_text(form.full_name)
            blocking, duplicates = duplicate_problems(
                session, form, household_id, row=None, label=label
            )
            if blocking:
                raise ValidationError(blocking)
            warnings += duplicates
            if warnings and not accept_warnings:
                raise NeedsConfirmation(warnings)
            if form.id is None:
                person = Person()
            else:
                found = repo.live_person(session, form.id)
                if found is None:
                    raise ValidationError(FieldProblem("id", "Người này không còn trong sổ."))
                self._require_scope(session, found)
                reason = read_only_reason(session, found)
                if reason:
                    raise ValidationError(FieldProblem("id", reason))
                person = found
            write_person(session, person, form, user, household_id=household_id, today=today)
            session.flush()
            return person.id

    def _require_scope(self, session: Session, person: Person) -> None:
        user = self._book.user
        if user.hamlet_ids is None:
            return
        household = (
            events_repo.live_household(session, person.household_id)
            if person.household_id
            else None
        )
        access.require_hamlet(user, household.hamlet_id if household is not None else None)

    def _audit_view(self, person_ids: list[str], household_id: str | None) -> None:
        user = self._book.user
        fields = [f for f in PERSONAL_FIELDS if access.may_see_personal(user)]
        fields += [f for f in SENSITIVE_FIELDS if user.may(Action.VIEW_SENSITIVE)]
        if fields:
            from desktop.core.services.audit import record_views

            record_views(self._book, "persons", person_ids, fields)

    # -- the profile ----------------------------------------------------------------------

    def profile(self, person_id: str, on: date | None = None) -> ChildProfile:
        """Everything known about the person, with its history."""
        user = self._book.user
        user.require(Action.VIEW_BOOK)
        today = on or clock.today()
        sensitive = user.may(Action.VIEW_SENSITIVE)
        groups = {int(c.code): c.name for c in codes.special_circumstance_groups()}
        with self._book.read() as session:
            person = repo.get_person(session, person_id)
            if person is None:
                raise ValidationError(FieldProblem("id", "Không tìm thấy người này trong sổ."))
            self._require_scope(session, person)
            form = form_of(session, person, guardians=True)
            household = None
            if person.household_id:
                found = repo.households_by_ids(session, [person.household_id])
                if person.household_id in found:
                    number, head, hamlet = found[person.household_id]
                    household = HouseholdSummary(person.household_id, number, head, hamlet)
            events = event_views(session, events_repo.events_of_person(session, person_id))
            episodes = (
                [
                    EpisodeView(
                        e.id,
                        e.group_no,
                        groups.get(e.group_no, str(e.group_no)),
                        e.start_date,
                        e.end_date,
                        e.evidence,
                    )
                    for e in repo.episodes_of(session, person_id)
                ]
                if sensitive
                else None
            )
            merge_rows = repo.merges_of(session, person_id)
            names = repo.names_of(session, [m.kept_id for m in merge_rows] + [
                m.removed_id for m in merge_rows])  # fmt: skip
            merges = [
                MergeView(
                    m.id,
                    m.kept_id,
                    m.removed_id,
                    names.get(m.kept_id, ""),
                    names.get(m.removed_id, ""),
                    clock.format_datetime(m.updated_at),
                    m.updated_by,
                    m.details,
                )
                for m in merge_rows
            ]
            merged_into = person.merged_into_id
            deleted = person.deleted
        self._audit_view([person_id], form.id)
        shown = visible_form(form, user)
        assert form.birth_date is not None
        facts = _facts(form, form.id_number or None)
        flags = rules.flags_for(facts, today)
        if not sensitive:
            flags = flags - {Flag.DISABILITY}
        hints = rules.schooling_warnings(form.schooling_code, form.birth_date, today, "Học tập")
        return ChildProfile(
            record=shown,
            household=household,
            age=age_on(form.birth_date, today),
            is_child=is_child_on(form.birth_date, today) and form.status == "active",
            sixteenth_birthday=sixteenth_birthday(form.birth_date),
            flags=flags,
            id_warnings=rules.id_problems_to_check(facts) if access.may_see_personal(user) else [],
            hints=hints,
            guardians=[
                GuardianView(g.id or "", g.role, g.full_name, g.person_id, g.parent_status, g.phone)
                for g in (shown.guardians or [])
            ],
            events=events,
            episodes=episodes,
            merges=merges,
            merged_into_id=merged_into,
            deleted=deleted,
            show_personal=access.may_see_personal(user),
            show_sensitive=sensitive,
        )

    # -- live checks while typing ---------------------------------------------------------

    def check_entry(
        self, form: ChildForm, household_id: str | None, today: date | None = None
    ) -> EntryCheck:
        """Problems, warnings and possible duplicates of a person being typed (read only)."""
        user = self._book.user
        user.require(Action.VIEW_BOOK)
        today = today or clock.today()
        problems, warnings = check_person(form, None, today, user)
        with self._book.read() as session:
            blocking, duplicates = duplicate_problems(
                session, form, household_id, row=None, label=clean_text(form.full_name) or "Trẻ"
            )
        return EntryCheck(problems + blocking, warnings + duplicates)


def sex_label(sex: int) -> str:
    """Nam / Nữ / Chưa xác định."""
    return SEX_LABELS.get(sex, "")
