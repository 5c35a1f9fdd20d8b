"""Use cases of the household book: hamlets, households and their members.

Members are persons: the children the book is about, and the adults of the household (the
head, parents) who may be typed too. Each member row goes through the checks and the writer
of children.py, so a row typed here and a record edited in the child dialog agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from desktop.core.domain.child_rules import RELATION_HEAD
from desktop.core.domain.collation import vn_sort_key
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.domain.text import clean_text, fold
from desktop.core.services import access, codes
from desktop.core.services.book import Book
from desktop.core.services.book_index import HouseholdQuery, current_index
from desktop.core.services.children import (
    ChildForm,
    GuardianForm,
    NeedsConfirmation,
    check_person,
    duplicate_problems,
    form_of,
    person_label,
    write_person,
)
from desktop.core.services.records import HouseholdForm, HouseholdRow
from desktop.core.storage.models import Hamlet, Household, Person
from desktop.core.storage.repositories import households as repo
from sync import clock

__all__ = [
    "ChildForm",
    "GuardianForm",
    "HamletItem",
    "HouseholdForm",
    "HouseholdQuery",
    "HouseholdRow",
    "HouseholdSearch",
    "HouseholdService",
    "NeedsConfirmation",
]

RELATION_CHILD = "QH03"


@dataclass(frozen=True)
class HamletItem:
    """A hamlet as shown in pickers."""

    id: str
    name: str


@dataclass(frozen=True)
class HouseholdSearch:
    """The households found (ids, in list order) and their children in all."""

    ids: list[str]
    children: int


class HouseholdService:
    """Reads and saves households; every save is one transaction."""

    def __init__(self, book: Book) -> None:
        self._book = book

    # -- hamlets --------------------------------------------------------------------------

    def hamlets(self) -> list[HamletItem]:
        """Hamlets in Vietnamese alphabetical order."""
        self._book.user.require(Action.VIEW_BOOK)
        with self._book.read() as session:
            items = [HamletItem(h.id, h.name) for h in repo.live_hamlets(session)]
        items = [h for h in items if access.in_scope(self._book.user, h.id)]
        return sorted(items, key=lambda h: vn_sort_key(h.name))

    def add_hamlet(self, name: str, collaborator_name: str = "") -> HamletItem:
        """Add a hamlet; the same name (ignoring accents and case) is refused."""
        clean = clean_text(name)
        if not clean:
            raise ValidationError(FieldProblem("hamlet_name", "Tên thôn/tổ dân phố: chưa nhập."))
        access.require_whole_book(self._book.user, Action.EDIT_BOOK)
        with self._book.transaction() as session:
            if repo.hamlet_by_key(session, fold(clean)) is not None:
                raise ValidationError(
                    FieldProblem("hamlet_name", f"Thôn/tổ dân phố “{clean}” đã có trong sổ.")
                )
            hamlet = Hamlet(
                name=clean, name_key=fold(clean), collaborator_name=clean_text(collaborator_name)
            )
            session.add(hamlet)
            session.flush()
            return HamletItem(hamlet.id, hamlet.name)

    # -- households -----------------------------------------------------------------------

    def search(self, query: HouseholdQuery, on: date | None = None) -> list[str]:
        """Ids of the households matching ``query``, by hamlet then household number.

        Accent-insensitive over the head's name, the number, the hamlet and the members'
        names (and ID numbers, for those who may see them); every word typed must match.
        """
        user = self._book.user
        user.require(Action.VIEW_BOOK)
        index = current_index(self._book, details=query.needs_details())
        return index.search_households(
            query, user, on or clock.today(), access.may_see_personal(user)
        )

    def find(self, query: HouseholdQuery, on: date | None = None) -> HouseholdSearch:
        """``search``, with the number of children the households found hold together."""
        today = on or clock.today()
        ids = self.search(query, today)
        return HouseholdSearch(ids, current_index(self._book).children_in(ids, today))

    def household_rows(self, ids: Sequence[str], on: date | None = None) -> list[HouseholdRow]:
        """The list rows of ``ids``, in the same order (unknown ids are left out)."""
        user = self._book.user
        user.require(Action.VIEW_BOOK)
        today = on or clock.today()
        poverty_names = {c.code: c.name for c in codes.poverty_statuses()}
        index = current_index(self._book)
        with self._book.read() as session:
            found = {r[0]: r for r in repo.household_list_rows(session, ids)}
        personal = access.may_see_personal(user)
        rows = []
        for hid in ids:
            r = found.get(hid)
            if r is None:
                continue
            hamlet_id = index.hamlet_of_household(hid)
            if hamlet_id is not None and not access.in_scope(user, hamlet_id):
                continue
            _, hamlet, number, head, address, poverty, year, _phone, collaborator = r
            rows.append(
                HouseholdRow(
                    id=hid,
                    hamlet_name=str(hamlet),
                    number=str(number),
                    head_name=str(head),
                    address=str(address) if personal else "",
                    poverty=poverty_names.get(str(poverty), str(poverty)),
                    children=index.children_count(hid, today),
                    poverty_year=year if isinstance(year, int) else None,
                    collaborator_name=str(collaborator),
                )
            )
        return rows

    def list_households(
        self, query: str = "", hamlet_id: str | None = None, on: date | None = None
    ) -> list[HouseholdRow]:
        """Every household matching ``query`` (see ``search``) as rows, in list order."""
        today = on or clock.today()
        ids = self.search(HouseholdQuery(text=query, hamlet_id=hamlet_id), today)
        return self.household_rows(ids, today)

    def get_household(self, household_id: str) -> HouseholdForm:
        """The household and its members, ready to edit (as the user may see it).

        Members are in the paper book's order, oldest first; persons who moved out, died or
        turned 16 come last and carry ``read_only_reason``: they are shown, not edited.
        """
        self._book.user.require(Action.VIEW_BOOK)
        with self._book.read() as session:
            household = repo.get_household(session, household_id)
            if household is None:
                raise ValidationError(FieldProblem("id", "Không tìm thấy hộ này trong sổ."))
            members = sorted(repo.live_members(session, household_id), key=_member_order)
            form = HouseholdForm(
                id=household.id,
                hamlet_id=household.hamlet_id,
                number=household.number,
                head_name=household.head_name,
                address=household.address,
                poverty_code=household.poverty_code,
                poverty_year=household.poverty_year,
                phone=household.phone,
                collaborator_name=household.collaborator_name,
                children=[form_of(session, p) for p in members],
            )
        return access.household_form_for(self._book, form)

    def save_household(
        self, form: HouseholdForm, today: date | None = None, *, accept_warnings: bool = False
    ) -> str:
        """Validate and save the household and its members in one transaction; its id.

        Raises ValidationError naming every wrong field (members by their row, from 1), or
        NeedsConfirmation with the warnings to confirm (call again with
        ``accept_warnings=True``); nothing is written then.
        """
        user = self._book.user
        user.require(Action.EDIT_BOOK)
        today = today or clock.today()
        problems = _check_household(form)
        warnings: list[FieldProblem] = []
        editable = [(i, c) for i, c in enumerate(form.children, start=1) if not c.read_only_reason]
        for index, child in editable:
            found, warned = check_person(child, index, today, user)
            problems.extend(found)
            warnings.extend(warned)
        problems.extend(_check_members(form, today))
        if problems:
            raise ValidationError(problems)
        access.require_hamlet(user, form.hamlet_id)
        with self._book.transaction() as session:
            if repo.get_hamlet(session, form.hamlet_id) is None:
                raise ValidationError(
                    FieldProblem("hamlet_id", "Thôn/tổ dân phố đã chọn không còn trong sổ.")
                )
            number = clean_text(form.number)
            if repo.household_number_taken(session, form.hamlet_id, number, form.id):
                raise ValidationError(
                    FieldProblem("number", f"Số hộ {number} đã có trong thôn này.")
                )
            for index, child in editable:
                label = person_label(index, clean_text(child.full_name), child.birth_date, today)
                others = [c for _, c in editable if c is not child]
                blocking, duplicates = duplicate_problems(
                    session, child, form.id, row=index, label=label, others_in_form=others
                )
                problems.extend(blocking)
                warnings.extend(duplicates)
            if problems:
                raise ValidationError(problems)
            if warnings and not accept_warnings:
                raise NeedsConfirmation(warnings)
            if form.id is None:
                household = Household(hamlet_id=form.hamlet_id)
                session.add(household)
            else:
                found_household = repo.get_household(session, form.id)
                if found_household is None:
                    raise ValidationError(FieldProblem("id", "Hộ này không còn trong sổ."))
                access.require_hamlet(user, found_household.hamlet_id)
                household = found_household
            head = clean_text(form.head_name) or _head_member_name(form)
            _assign(household, "hamlet_id", form.hamlet_id)
            _assign(household, "number", number)
            _assign(household, "head_name", head)
            _assign(household, "head_name_key", fold(head))
            _assign(household, "collaborator_name", clean_text(form.collaborator_name))
            if access.may_see_personal(user):
                _assign(household, "address", clean_text(form.address))
                _assign(household, "phone", clean_text(form.phone))
            _assign(household, "poverty_code", form.poverty_code)
            _assign(household, "poverty_year", form.poverty_year)
            session.flush()
            existing = {p.id: p for p in repo.live_members(session, household.id)}
            for _, child in editable:
                if child.id is None:
                    if child.remove:
                        continue
                    person = Person()
                else:
                    found_person = existing.get(child.id)
                    if found_person is None:
                        raise ValidationError(
                            FieldProblem("children", f"“{child.full_name}” không còn trong hộ.")
                        )
                    person = found_person
                if child.remove:
                    person.deleted = True
                    person.notes = clean_text(child.notes) or person.notes
                    continue
                write_person(session, person, child, user, household_id=household.id, today=today)
            return household.id


def _assign(obj: object, name: str, value: object) -> None:
    # Only real changes are written, so an unchanged record keeps its version and sync state.
    if getattr(obj, name) != value:
        setattr(obj, name, value)


def _member_order(person: Person) -> tuple[int, date, str]:
    # Members living here before those who left, each group oldest first (twins by name).
    return (0 if person.status == "active" else 1, person.birth_date, person.name_sort_key)


def _head_member_name(form: HouseholdForm) -> str:
    for child in form.children:
        if child.relation_code == RELATION_HEAD and not child.remove:
            return clean_text(child.full_name)
    return ""


def _check_household(form: HouseholdForm) -> list[FieldProblem]:
    problems = []
    if not form.hamlet_id:
        problems.append(FieldProblem("hamlet_id", "Thôn/tổ dân phố: chưa chọn."))
    if not clean_text(form.number):
        problems.append(FieldProblem("number", "Số hộ: chưa nhập."))
    elif len(clean_text(form.number)) > 20:
        problems.append(FieldProblem("number", "Số hộ: dài quá 20 ký tự."))
    if not clean_text(form.head_name) and not _head_member_name(form):
        problems.append(FieldProblem("head_name", "Họ tên chủ hộ: chưa nhập."))
    valid_poverty = {c.code for c in codes.poverty_statuses()}
    if form.poverty_code not in valid_poverty:
        problems.append(FieldProblem("poverty_code", "Hoàn cảnh hộ: chưa chọn."))
    year = form.poverty_year
    if year is not None and not 2000 <= year <= 2100:
        problems.append(FieldProblem("poverty_year", f"Năm xét hộ nghèo {year} không hợp lệ."))
    return problems


def _check_members(form: HouseholdForm, today: date) -> list[FieldProblem]:
    """Rules across the rows: one head (R20), the head's name, one ID per person."""
    problems: list[FieldProblem] = []
    live = [(i, c) for i, c in enumerate(form.children, start=1) if not c.remove]
    heads = [(i, c) for i, c in live if c.relation_code == RELATION_HEAD]
    if len(heads) > 1:
        rows = ", ".join(str(i) for i, _ in heads)
        for i, _ in heads[1:]:
            problems.append(
                FieldProblem(
                    "relation_code", f"Một hộ chỉ có một chủ hộ: các dòng {rows} đều ghi chủ hộ.", i
                )
            )
    head_name = clean_text(form.head_name)
    # Compared with the tones: "Bình" and "Bính" are different names.
    if heads and head_name and clean_text(heads[0][1].full_name).casefold() != head_name.casefold():
        i, child = heads[0]
        problems.append(
            FieldProblem(
                "relation_code",
                f"Dòng {i} ghi “{clean_text(child.full_name)}” là chủ hộ, nhưng ô Chủ hộ ghi "
                f"“{head_name}”. Hãy sửa cho khớp.",
                i,
            )
        )
    seen: dict[str, int] = {}
    for i, child in live:
        number = (child.id_number or "").replace(" ", "").strip()
        if not number:
            continue
        if number in seen:
            label = person_label(i, clean_text(child.full_name), child.birth_date, today)
            problems.append(
                FieldProblem(
                    "id_number",
                    f"{label}: số định danh {number} trùng với dòng {seen[number]} của hộ.",
                    i,
                )
            )
        else:
            seen[number] = i
    return problems
