"""Use cases of the household book: hamlets, households and their children."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from desktop.core.domain.collation import vn_sort_key
from desktop.core.domain.dates import (
    check_birth_date,
    child_birth_window,
    format_vn_date,
    is_child_on,
)
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.identity import check_id_number
from desktop.core.domain.text import clean_text, fold
from desktop.core.services import codes
from desktop.core.services.book import Book
from desktop.core.storage.models import Hamlet, Household, Person
from desktop.core.storage.repositories import households as repo

SEXES = (1, 2, 3)
RELATION_CHILD = "QH03"


@dataclass(frozen=True)
class HamletItem:
    """A hamlet as shown in pickers."""

    id: str
    name: str


@dataclass(frozen=True)
class HouseholdRow:
    """One line of the household list."""

    id: str
    hamlet_name: str
    number: str
    head_name: str
    address: str
    poverty: str
    children: int


@dataclass
class ChildForm:
    """A child as typed in the household form; ``id`` is None for a new child."""

    full_name: str
    birth_date: date | None
    sex: int
    ethnicity_code: str = "01"
    id_number: str = ""
    birth_date_estimated: bool = False
    relation_code: str | None = RELATION_CHILD
    notes: str = ""
    id: str | None = None
    remove: bool = False  # tombstone this child (an entry error), with ``notes`` as the reason


@dataclass
class HouseholdForm:
    """A household with its children, as typed; ``id`` is None for a new household."""

    hamlet_id: str
    number: str
    head_name: str
    address: str = ""
    poverty_code: str = "HN03"
    poverty_year: int | None = None
    phone: str = ""
    children: list[ChildForm] = field(default_factory=list)
    id: str | None = None


class HouseholdService:
    """Reads and saves households; every save is one transaction."""

    def __init__(self, book: Book) -> None:
        self._book = book

    # -- hamlets --------------------------------------------------------------------------

    def hamlets(self) -> list[HamletItem]:
        """Hamlets in Vietnamese alphabetical order."""
        with self._book.read() as session:
            items = [HamletItem(h.id, h.name) for h in repo.live_hamlets(session)]
        return sorted(items, key=lambda h: vn_sort_key(h.name))

    def add_hamlet(self, name: str, collaborator_name: str = "") -> HamletItem:
        """Add a hamlet; the same name (ignoring accents and case) is refused."""
        clean = clean_text(name)
        if not clean:
            raise ValidationError(FieldProblem("hamlet_name", "Tên thôn/tổ dân phố: chưa nhập."))
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

    def list_households(
        self, query: str = "", hamlet_id: str | None = None, on: date | None = None
    ) -> list[HouseholdRow]:
        """Households matching ``query`` (accent-insensitive: head, child, hamlet, number).

        Sorted by hamlet (Vietnamese order), then household number.
        """
        today = on or date.today()
        poverty = codes.poverty_statuses()
        with self._book.read() as session:
            found = repo.search_households(
                session, fold(query), hamlet_id, child_birth_window(today)
            )
        poverty_names = {c.code: c.name for c in poverty}
        hamlet_keys = {name: vn_sort_key(name) for name in {row.hamlet_name for row in found}}
        rows = [
            HouseholdRow(
                id=row.id,
                hamlet_name=row.hamlet_name,
                number=row.number,
                head_name=row.head_name,
                address=row.address,
                poverty=poverty_names.get(row.poverty_code, row.poverty_code),
                children=int(row.children),
            )
            for row in found
        ]
        return sorted(rows, key=lambda r: (hamlet_keys[r.hamlet_name], _number_key(r.number)))

    def get_household(self, household_id: str) -> HouseholdForm:
        """The household and its living members, ready to edit."""
        with self._book.read() as session:
            household = repo.get_household(session, household_id)
            if household is None:
                raise ValidationError(FieldProblem("id", "Không tìm thấy hộ này trong sổ."))
            members = sorted(repo.live_members(session, household_id), key=lambda p: p.birth_date)
            return HouseholdForm(
                id=household.id,
                hamlet_id=household.hamlet_id,
                number=household.number,
                head_name=household.head_name,
                address=household.address,
                poverty_code=household.poverty_code,
                poverty_year=household.poverty_year,
                phone=household.phone,
                children=[
                    ChildForm(
                        id=p.id,
                        full_name=p.full_name,
                        birth_date=p.birth_date,
                        sex=p.sex,
                        ethnicity_code=p.ethnicity_code,
                        id_number=p.id_number or "",
                        birth_date_estimated=p.birth_date_estimated,
                        relation_code=p.relation_code,
                        notes=p.notes,
                    )
                    for p in members
                ],
            )

    def save_household(self, form: HouseholdForm, today: date | None = None) -> str:
        """Validate and save the household and its children in one transaction; its id.

        Raises ValidationError naming every wrong field (children by their row, from 1);
        nothing is written then.
        """
        today = today or date.today()
        problems = _check_household(form)
        for index, child in enumerate(form.children, start=1):
            problems.extend(_check_child(child, index, today))
        if problems:
            raise ValidationError(problems)
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
            if form.id is None:
                household = Household(hamlet_id=form.hamlet_id)
                session.add(household)
            else:
                found = repo.get_household(session, form.id)
                if found is None:
                    raise ValidationError(FieldProblem("id", "Hộ này không còn trong sổ."))
                household = found
            _assign(household, "hamlet_id", form.hamlet_id)
            _assign(household, "number", number)
            _assign(household, "head_name", clean_text(form.head_name))
            _assign(household, "head_name_key", fold(form.head_name))
            _assign(household, "address", clean_text(form.address))
            _assign(household, "poverty_code", form.poverty_code)
            _assign(household, "poverty_year", form.poverty_year)
            _assign(household, "phone", clean_text(form.phone))
            session.flush()
            existing = {p.id: p for p in repo.live_members(session, household.id)}
            for child in form.children:
                if child.id is None:
                    if child.remove:
                        continue
                    person = Person(household_id=household.id)
                    session.add(person)
                else:
                    found_person = existing.get(child.id)
                    if found_person is None:
                        raise ValidationError(
                            FieldProblem("children", f"Trẻ “{child.full_name}” không còn trong hộ.")
                        )
                    person = found_person
                if child.remove:
                    person.deleted = True
                    person.notes = clean_text(child.notes) or person.notes
                    continue
                _fill_person(person, child)
            return household.id


def _assign(obj: object, name: str, value: object) -> None:
    # Only real changes are written, so an unchanged record keeps its version and sync state.
    if getattr(obj, name) != value:
        setattr(obj, name, value)


def _fill_person(person: Person, child: ChildForm) -> None:
    name = clean_text(child.full_name)
    _assign(person, "full_name", name)
    _assign(person, "name_key", fold(name))
    _assign(person, "birth_date", child.birth_date)
    _assign(person, "birth_date_estimated", child.birth_date_estimated)
    _assign(person, "sex", child.sex)
    _assign(person, "ethnicity_code", child.ethnicity_code)
    _assign(person, "id_number", check_id_number(child.id_number))
    _assign(person, "relation_code", child.relation_code)
    _assign(person, "notes", clean_text(child.notes))


def _number_key(number: str) -> tuple[int, str]:
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 10**9, number)


def _check_household(form: HouseholdForm) -> list[FieldProblem]:
    problems = []
    if not form.hamlet_id:
        problems.append(FieldProblem("hamlet_id", "Thôn/tổ dân phố: chưa chọn."))
    if not clean_text(form.number):
        problems.append(FieldProblem("number", "Số hộ: chưa nhập."))
    if not clean_text(form.head_name):
        problems.append(FieldProblem("head_name", "Họ tên chủ hộ: chưa nhập."))
    valid_poverty = {c.code for c in codes.poverty_statuses()}
    if form.poverty_code not in valid_poverty:
        problems.append(FieldProblem("poverty_code", "Hoàn cảnh hộ: chưa chọn."))
    year = form.poverty_year
    if year is not None and not 2000 <= year <= 2100:
        problems.append(FieldProblem("poverty_year", f"Năm xét hộ nghèo {year} không hợp lệ."))
    return problems


def _check_child(child: ChildForm, row: int, today: date) -> list[FieldProblem]:
    if child.remove:
        return []
    problems: list[FieldProblem] = []
    where = f"Trẻ thứ {row}"
    name = clean_text(child.full_name)
    if not name:
        problems.append(FieldProblem("full_name", f"{where}: chưa nhập họ tên.", row))
    label = f"{where} ({name})" if name else where
    if child.birth_date is None:
        problems.append(FieldProblem("birth_date", f"{label}: chưa nhập ngày sinh.", row))
    else:
        try:
            check_birth_date(child.birth_date, today, label=f"{label}: ngày sinh")
        except ValidationError as exc:
            problems.extend(FieldProblem("birth_date", p.message, row) for p in exc.problems)
        else:
            if child.id is None and not is_child_on(child.birth_date, today):
                problems.append(
                    FieldProblem(
                        "birth_date",
                        f"{label}: sinh ngày {format_vn_date(child.birth_date)} đã đủ 16 tuổi, "
                        "không còn là trẻ em.",
                        row,
                    )
                )
    if child.sex not in SEXES:
        problems.append(FieldProblem("sex", f"{label}: chưa chọn giới tính.", row))
    if child.ethnicity_code not in {c.code for c in codes.ethnic_groups()}:
        problems.append(FieldProblem("ethnicity_code", f"{label}: chưa chọn dân tộc.", row))
    try:
        check_id_number(child.id_number)
    except ValidationError as exc:
        problems.extend(
            FieldProblem("id_number", f"{label}: {p.message}", row) for p in exc.problems
        )
    return problems
