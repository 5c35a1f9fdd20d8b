"""Data leaving the app: any list as .xlsx, the printed book pages, a child's profile, and the
personal-ID verification list exchanged with the commune police (Đề án 06).

Every file with personal data needs the EXPORT permission, may carry a password
(``reports/protect.py``) and is recorded in the audit trail. The police list round trip:
``police_list`` writes the children whose ID number is missing or disagrees with their
record, with a stable key per row; ``import_police_list`` reads the list the police filled
in, matches rows by that key (whatever the order) and sets the verified ID numbers in one
transaction, after a backup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.domain.dates import child_birth_window, format_vn_date
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.identity import id_number_warnings
from desktop.core.domain.permissions import Action
from desktop.core.domain.population import SEX_LABELS
from desktop.core.domain.text import clean_text, fold
from desktop.core.importer import reader
from desktop.core.importer.fields import header_key
from desktop.core.importer.values import SCHOOLING_LABELS
from desktop.core.reports.book_pages import (
    BlankForm,
    BookChange,
    BookHousehold,
    BookMember,
    ChildProfileDoc,
    HamletBook,
    ProfileSection,
    render_blank_form,
    render_child_profile,
    render_hamlet_book,
)
from desktop.core.reports.document import DocumentHeader
from desktop.core.reports.protect import ExportProtection
from desktop.core.reports.xlsx_list import (
    INFO_SHEET,
    POLICE_ID,
    POLICE_KEY,
    POLICE_NOTE,
    POLICE_RESULT,
    POLICE_SHEET,
    ListColumn,
    ListTable,
    PoliceListRow,
    render_list_xlsx,
    render_police_list,
)
from desktop.core.services import access, codes
from desktop.core.services.book import Book
from desktop.core.storage.base import new_id
from desktop.core.storage.models import ChangeEvent, Person
from desktop.core.storage.repositories import exports as repo
from sync import clock

if TYPE_CHECKING:
    from desktop.core.services.children import ChildProfile

Progress = Callable[[int, int], None]

RELATION_HEAD = "QH01"
STATUS_NOTES = {"moved_out": "Đã chuyển đi", "dead": "Đã mất"}
ID_CHANGED_EVENT = "BD09"  # Thay đổi thông tin
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# -- any list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportedFile:
    """A file written: where, how many rows, with a password or not."""

    path: Path
    rows: int
    protected: bool


def _record(
    book: Book,
    what: str,
    path: Path,
    rows: int,
    *,
    protection: ExportProtection | None,
    personal: bool,
) -> ExportedFile:
    from desktop.core.services.audit import record_export

    protected = protection is not None and protection.enabled
    record_export(
        book, what=what, path=str(path), rows=rows, protected=protected, personal=personal
    )
    return ExportedFile(path, rows, protected)


class ExportService:
    """Lists to Excel, book pages and profiles to PDF, the police verification list."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def _labels(self) -> _Labels:
        return _Labels()

    # -- lists ----------------------------------------------------------------------------

    def export_list(
        self,
        table: ListTable,
        path: Path,
        protection: ExportProtection | None = None,
        *,
        personal: bool = True,
        what: str = "list",
    ) -> ExportedFile:
        """Write any list to ``path`` as .xlsx; ``personal`` lists need the EXPORT right.

        A list without an issuer line gets the commune's, under the national header."""
        user = self._book.user
        user.require(Action.EXPORT if personal else Action.VIEW_BOOK)
        if not table.issuer:
            table = replace(table, issuer=self.list_header()[0])
        rows = render_list_xlsx(table, path, protection)
        return _record(self._book, what, path, rows, protection=protection, personal=personal)

    def list_header(self) -> tuple[str, str]:
        """(issuer line, date line) for a list's title block."""
        commune = self._book.commune()
        issuer = f"ỦY BAN NHÂN DÂN {commune.display_name.upper()}"
        return issuer, f"{commune.display_name}, {commune.province_name} — lập ngày "

    def households_table(self, query: str = "", hamlet_id: str | None = None) -> ListTable:
        """The household list (as the "Hộ gia đình" screen shows it) as a table to export."""
        from desktop.core.services.households import HouseholdService

        rows = HouseholdService(self._book).list_households(query, hamlet_id)
        issuer, place = self.list_header()
        return ListTable(
            title="DANH SÁCH HỘ GIA ĐÌNH",
            issuer=issuer,
            subtitle=place + format_vn_date(clock.today()),
            columns=(
                ListColumn("TT", 6, "number"),
                ListColumn("Thôn/Tổ dân phố", 20),
                ListColumn("Số hộ", 8),
                ListColumn("Họ tên chủ hộ", 26),
                ListColumn("Địa chỉ", 32),
                ListColumn("Hoàn cảnh hộ", 22),
                ListColumn("Số trẻ em", 10, "number"),
            ),
            rows=[
                (i, r.hamlet_name, r.number, r.head_name, r.address, r.poverty, r.children)
                for i, r in enumerate(rows, start=1)
            ],
        )

    def children_table(self, ids: Sequence[str]) -> ListTable:
        """The children list (the ids the "Trẻ em" screen shows, in its order) to export."""
        from desktop.core.services.reports import ReportService

        self._book.user.require(Action.EXPORT)
        rows = ReportService(self._book).children_by_ids(list(ids))
        issuer, place = self.list_header()
        sexes = {1: "Nam", 2: "Nữ"}
        return ListTable(
            title="DANH SÁCH TRẺ EM",
            issuer=issuer,
            subtitle=place + format_vn_date(clock.today()),
            columns=(
                ListColumn("TT", 6, "number"),
                ListColumn("Họ và tên", 28),
                ListColumn("Ngày sinh", 12),
                ListColumn("Giới tính", 10),
                ListColumn("Thôn/Tổ dân phố", 20),
                ListColumn("Số hộ", 8),
                ListColumn("Họ tên chủ hộ", 26),
            ),
            rows=[
                (
                    i,
                    r.full_name,
                    format_vn_date(r.birth_date),
                    sexes.get(r.sex, "Chưa xác định"),
                    r.hamlet_name,
                    r.household_number,
                    r.head_name,
                )
                for i, r in enumerate(rows, start=1)
            ],
        )

    # -- the book pages of a hamlet, the blank form -----------------------------------------

    def hamlet_book(self, hamlet_id: str, on: date | None = None) -> HamletBook:
        """The data of one hamlet's book pages (members head first, changes, hidden columns)."""
        user = self._book.user
        user.require(Action.EXPORT)
        access.require_hamlet(user, hamlet_id)
        on = on or clock.today()
        labels = self._labels()
        show_personal = access.may_see_personal(user)
        show_sensitive = user.may(Action.VIEW_SENSITIVE)
        commune = self._book.commune()
        with self._book.read() as session:
            hamlet = repo.get_hamlet(session, hamlet_id)
            if hamlet is None:
                raise ValidationError(FieldProblem("hamlet_id", "Thôn này không còn trong sổ."))
            households = sorted(repo.households_of_hamlet(session, hamlet_id), key=_number_key)
            household_ids = [h.id for h in households]
            members = repo.members_of(session, household_ids)
            groups = (
                repo.open_groups(session, [p.id for p in members], on) if show_sensitive else {}
            )
            events = repo.events_of(session, household_ids, [p.id for p in members])
            by_household: dict[str, list[Person]] = {}
            for person in members:
                by_household.setdefault(person.household_id or "", []).append(person)
            names = {p.id: p.full_name for p in members}
            numbers = {h.id: h.number for h in households}
            book_households = [
                BookHousehold(
                    number=h.number,
                    head_name=h.head_name,
                    address=h.address if show_personal else "",
                    poverty=labels.poverty_band(h.poverty_code, h.poverty_year),
                    phone=h.phone if show_personal else "",
                    members=_members(
                        h.head_name,
                        by_household.get(h.id, []),
                        groups=groups,
                        labels=labels,
                        on=on,
                        show_personal=show_personal,
                    ),
                )
                for h in households
            ]
            changes = [
                BookChange(
                    day=format_vn_date(e.event_date),
                    household=numbers.get(e.household_id or "", "")
                    or numbers.get(_household_of(e, members), ""),
                    name=names.get(e.person_id or "", ""),
                    event=labels.event(e.event_code),
                    details="; ".join(x for x in (e.place, e.cause, e.details) if x),
                )
                for e in events
            ]
            collaborator = hamlet.collaborator_name
            hamlet_name = hamlet.name
        hidden = frozenset(
            ({"id_number"} if not show_personal else set())
            | ({"special"} if not show_sensitive else set())
        )
        notes = ["HCĐB: số nhóm trẻ em có hoàn cảnh đặc biệt (Luật Trẻ em 2016, Điều 10)."]
        if hidden:
            notes.append("Tài khoản của bạn không được xem một số cột nên các cột đó không in.")
        return HamletBook(
            province=commune.province_name,
            commune=commune.display_name,
            hamlet=hamlet_name,
            collaborator=collaborator,
            households=book_households,
            changes=changes,
            printed_on=on,
            hidden_columns=hidden,
            notes=notes,
        )

    def write_hamlet_book(
        self,
        hamlet_id: str,
        path: Path,
        protection: ExportProtection | None = None,
        on: date | None = None,
    ) -> ExportedFile:
        """Print one hamlet's book pages to a PDF."""
        book = self.hamlet_book(hamlet_id, on)
        render_hamlet_book(book, path, protection)
        rows = sum(len(h.members) for h in book.households)
        return _record(self._book, "book-pages", path, rows, protection=protection, personal=True)

    def write_blank_form(
        self, path: Path, hamlet_id: str | None = None, rows: int = 20
    ) -> ExportedFile:
        """A blank collection form (no personal data), optionally with the hamlet filled in."""
        self._book.user.require(Action.VIEW_BOOK)
        if not 1 <= rows <= 500:
            raise ValidationError(FieldProblem("rows", "Số dòng của phiếu phải từ 1 đến 500."))
        commune = self._book.commune()
        hamlet_name = ""
        if hamlet_id:
            with self._book.read() as session:
                hamlet = repo.get_hamlet(session, hamlet_id)
                hamlet_name = hamlet.name if hamlet else ""
        groups = [(int(c.code), c.name) for c in codes.special_circumstance_groups()]
        render_blank_form(
            BlankForm(commune.province_name, commune.display_name, hamlet_name, rows), path, groups
        )
        return ExportedFile(path, 0, False)

    # -- a child's profile -------------------------------------------------------------------

    def child_profile(self, person_id: str, on: date | None = None) -> ChildProfileDoc:
        """Everything known about a person and its history, as printable sections."""
        from desktop.core.services.children import ChildService

        self._book.user.require(Action.EXPORT)
        on = on or clock.today()
        profile = ChildService(self._book).profile(person_id, on)
        with self._book.read() as session:
            has_card = repo.insurance_card(session, person_id)
        return _profile_doc(profile, has_card, self._book.commune().display_name, on)

    def write_child_profile(
        self,
        person_id: str,
        path: Path,
        protection: ExportProtection | None = None,
        on: date | None = None,
    ) -> ExportedFile:
        """Print a child's profile as an official document of the commune."""
        doc = self.child_profile(person_id, on)
        commune = self._book.commune()
        header = DocumentHeader(
            unit_name=commune.display_name,
            place=commune.place_name,
            issued_on=doc.printed_on,
            doc_type="PHIẾU THÔNG TIN TRẺ EM",
            summary=doc.full_name,
            symbol="PTT-UBND",
            signer_lines=["NGƯỜI LẬP PHIẾU"],
            signer_name=self._book.user.full_name,
            recipients=["Lưu: hồ sơ trẻ em."],
        )
        render_child_profile(doc, header, path, protection)
        return _record(self._book, "child-profile", path, 1, protection=protection, personal=True)

    def find_people(self, query: str, limit: int = 50) -> list[PersonPick]:
        """People whose name or ID number matches ``query`` (for choosing a profile to print)."""
        user = self._book.user
        user.require(Action.VIEW_BOOK)
        folded = fold(query)
        if len(folded) < 2:
            return []
        with self._book.read() as session:
            found = repo.find_people(session, folded, limit)
        return [
            PersonPick(person_id, name, born, number, hamlet)
            for person_id, name, born, number, hamlet, hamlet_id in found
            if access.in_scope(user, hamlet_id)
        ]

    # -- Đề án 06: the ID verification list ----------------------------------------------------

    def police_candidates(self, on: date | None = None) -> list[PoliceListRow]:
        """Children whose ID number is missing, malformed or disagrees with their record."""
        user = self._book.user
        user.require(Action.EXPORT)
        user.require(Action.VIEW_PERSONAL)
        on = on or clock.today()
        labels = self._labels()
        out: list[PoliceListRow] = []
        with self._book.read() as session:
            children = repo.children_born_within(session, child_birth_window(on))
            reasons = {c.id: _id_reasons(c) for c in children}
            listed = [c for c in children if reasons[c.id]]
            households = repo.households_by_ids(
                session, sorted({c.household_id for c in listed if c.household_id})
            )
            parents = repo.parent_names(session, [c.id for c in listed])
        for child in listed:
            household, hamlet = households.get(child.household_id or "", (None, ""))
            if user.hamlet_ids is not None and (
                household is None or household.hamlet_id not in user.hamlet_ids
            ):
                continue
            names = parents.get(child.id, {})
            out.append(
                PoliceListRow(
                    key=child.id,
                    hamlet=hamlet,
                    household_number=household.number if household else "",
                    head_name=household.head_name if household else "",
                    full_name=child.full_name,
                    birth_date=child.birth_date,
                    sex=SEX_LABELS.get(child.sex, ""),
                    ethnicity=labels.ethnicity(child.ethnicity_code),
                    father=names.get("father", ""),
                    mother=names.get("mother", ""),
                    carer=names.get("guardian", "") or names.get("carer", ""),
                    id_number=child.id_number or "",
                    reasons=tuple(reasons[child.id]),
                )
            )
        out.sort(key=lambda r: (fold(r.hamlet), _number_key_text(r.household_number), r.birth_date))
        return out

    def write_police_list(
        self, path: Path, protection: ExportProtection | None = None, on: date | None = None
    ) -> ExportedFile:
        """Write the list for the commune police (an .xlsx they fill in and send back)."""
        rows = self.police_candidates(on)
        commune = self._book.commune()
        render_police_list(
            rows,
            path,
            commune_name=commune.display_name,
            province=commune.province_name,
            commune_code=commune.code,
            made_on=on or clock.today(),
            protection=protection,
        )
        return _record(
            self._book, "police-id-list", path, len(rows), protection=protection, personal=True
        )

    def import_police_list(
        self, path: Path, progress: Progress | None = None, today: date | None = None
    ) -> PoliceImportReport:
        """Set the ID numbers the police verified; a report of what changed and what did not.

        Rows are matched by the key column, so sorting or filtering the sheet does no harm.
        Setting an ID clears the officer's override of an ID mismatch (the police checked it).
        """
        access.require_whole_book(self._book.user, Action.IMPORT)
        self._book.user.require(Action.EDIT_BOOK)
        today = today or clock.today()
        answers, notes = _read_police_answers(path, self._book.commune().code)
        report = PoliceImportReport(file_name=path.name, notes=list(notes))
        with self._book.read() as session:
            persons = repo.persons_by_ids(session, [a.key for a in answers if a.key])
            planned = _plan_police(answers, persons, report)
        if planned:
            from desktop.core.services.backup import BackupService

            report.backup_file = BackupService(self._book).backup_before("import").path
        with self._book.transaction() as session:
            loaded = repo.persons_by_ids(session, [p.person_id for p in planned])
            for index, change in enumerate(planned, start=1):
                person = loaded[change.person_id]
                taken = repo.person_with_id_number(session, change.new_id)
                if taken is not None and taken.id != person.id:
                    report.problems.append(
                        PoliceProblem(
                            change.row,
                            change.full_name,
                            f"số {change.new_id} đã thuộc “{taken.full_name}” trong sổ; "
                            "chưa cập nhật. Hãy hỏi lại Công an xã.",
                        )
                    )
                    continue
                old = person.id_number or ""
                person.id_number = change.new_id
                if person.id_check_override:
                    person.id_check_override = ""
                session.add(
                    ChangeEvent(
                        id=new_id(),
                        event_code=ID_CHANGED_EVENT,
                        event_date=today,
                        person_id=person.id,
                        household_id=person.household_id,
                        details=(
                            "Cập nhật số định danh theo danh sách Công an xã xác minh (Đề án 06): "
                            f"{old or 'chưa có'} → {change.new_id}."
                        ),
                    )
                )
                report.changed.append(change)
                if progress is not None:
                    progress(index, len(planned))
        return report


# -- plain data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonPick:
    """A person found by name or ID number, to choose from."""

    id: str
    full_name: str
    birth_date: date
    household_number: str
    hamlet_name: str

    @property
    def label(self) -> str:
        """“Nguyễn Văn An — sinh 05/09/2019 — hộ số 12, Thôn Đông”."""
        where = f"hộ số {self.household_number}, {self.hamlet_name}" if self.hamlet_name else ""
        parts = [self.full_name, f"sinh {format_vn_date(self.birth_date)}", where]
        return " — ".join(p for p in parts if p)


@dataclass(frozen=True)
class PoliceAnswer:
    """One row of the list as the police returned it."""

    row: int
    key: str
    full_name: str
    id_text: str
    result: str
    note: str


@dataclass(frozen=True)
class PoliceChange:
    """An ID number set from the police's answer."""

    row: int
    person_id: str
    full_name: str
    birth_date: date | None
    old_id: str
    new_id: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PoliceProblem:
    """A returned row that changed nothing, and why."""

    row: int
    full_name: str
    message: str


@dataclass
class PoliceImportReport:
    """What reading the police's list changed, and what it could not match."""

    file_name: str
    changed: list[PoliceChange] = field(default_factory=list)
    confirmed: list[PoliceProblem] = field(default_factory=list)  # same number confirmed
    not_found: list[PoliceProblem] = field(default_factory=list)  # police found no number
    problems: list[PoliceProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    backup_file: Path | None = None

    def lines(self) -> list[str]:
        """The report as text lines (Vietnamese)."""
        lines = [
            f"Tệp: {self.file_name}",
            f"Đã cập nhật số định danh: {len(self.changed)} trẻ.",
            f"Công an xác nhận số đã có là đúng: {len(self.confirmed)} trẻ.",
            f"Công an chưa tìm thấy số: {len(self.not_found)} trẻ.",
            f"Không cập nhật được: {len(self.problems)} dòng.",
            *self.notes,
        ]
        if self.changed:
            lines.append("Đã thay đổi:")
            for change in self.changed:
                old = change.old_id or "chưa có"
                lines.append(f"  Dòng {change.row}: {change.full_name} — {old} → {change.new_id}")
                lines.extend(f"    Cần kiểm tra: {w}" for w in change.warnings)
        for title, items in (
            ("Công an chưa tìm thấy:", self.not_found),
            ("Không cập nhật được:", self.problems),
        ):
            if items:
                lines.append(title)
                lines.extend(f"  Dòng {p.row}: {p.full_name} — {p.message}" for p in items)
        return lines


# -- helpers -------------------------------------------------------------------------------------


class _Labels:
    """Code → Vietnamese name for printing."""

    def __init__(self) -> None:
        self._relation = {c.code: c.name for c in codes.household_relations()}
        self._relation_order = {c.code: i for i, c in enumerate(codes.household_relations())}
        self._ethnic = {c.code: c.name for c in codes.ethnic_groups()}
        self._residence = {c.code: c.name for c in codes.residence_statuses()}
        self._poverty = {c.code: c.name for c in codes.poverty_statuses()}
        self._events = {c.code: c.name for c in codes.change_event_types()}
        self._groups = {int(c.code): c.name for c in codes.special_circumstance_groups()}
        self._disability = {c.code: c.name for c in codes.disability_types()}
        self._severity = {c.code: c.name for c in codes.disability_severities()}

    def relation(self, code: str | None) -> str:
        return self._relation.get(code or "", "")

    def relation_order(self, code: str | None) -> int:
        return self._relation_order.get(code or "", len(self._relation_order))

    def ethnicity(self, code: str | None) -> str:
        return self._ethnic.get(code or "", code or "")

    def residence(self, code: str | None) -> str:
        return self._residence.get(code or "", "")

    def event(self, code: str) -> str:
        return self._events.get(code, code)

    def group(self, number: int) -> str:
        return self._groups.get(number, str(number))

    def disability(self, code: str | None) -> str:
        return self._disability.get(code or "", "")

    def severity(self, code: str | None) -> str:
        return self._severity.get(code or "", "")

    def poverty_band(self, code: str, year: int | None) -> str:
        if code in ("HN01", "HN02"):
            name = self._poverty.get(code, "")
            return f"{name} ({year})" if year else name
        return ""


def _number_key(household: object) -> tuple[int, str]:
    return _number_key_text(str(getattr(household, "number", "")))


def _number_key_text(number: str) -> tuple[int, str]:
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 10**9, number)


def _household_of(event: ChangeEvent, members: Sequence[Person]) -> str:
    for person in members:
        if person.id == event.person_id:
            return person.household_id or ""
    return ""


def _yes_no(value: bool | None, yes: str = "Có", no: str = "Chưa") -> str:
    return "" if value is None else (yes if value else no)


def _insurance_text(person: Person, on: date) -> str:
    if person.insurance_valid_until is not None:
        if person.insurance_valid_until < on:
            return "Hết hạn"
        return "Có"
    if person.insurance_number.strip():
        return "Có"
    return _yes_no(person.insurance_card, "Có", "Không")


def _members(
    head_name: str,
    persons: list[Person],
    *,
    groups: dict[str, list[int]],
    labels: _Labels,
    on: date,
    show_personal: bool,
) -> list[BookMember]:
    head_key = fold(head_name)

    def is_head(person: Person) -> bool:
        return person.relation_code == RELATION_HEAD or person.name_key == head_key

    ordered = sorted(
        persons,
        key=lambda p: (
            0 if is_head(p) else 1,
            labels.relation_order(p.relation_code),
            p.birth_date,
        ),
    )
    rows: list[BookMember] = []
    if not ordered or not is_head(ordered[0]):
        rows.append(BookMember(name=head_name, relation=labels.relation(RELATION_HEAD)))
    for person in ordered:
        notes = [person.notes] if person.notes else []
        if person.status in STATUS_NOTES:
            when = f" {format_vn_date(person.status_date)}" if person.status_date else ""
            notes.insert(0, STATUS_NOTES[person.status] + when)
        birth = format_vn_date(person.birth_date)
        if person.birth_date_estimated:
            birth += " (ước tính)"
        relation = labels.relation(person.relation_code)
        if not relation and is_head(person):
            relation = labels.relation(RELATION_HEAD)
        rows.append(
            BookMember(
                name=person.full_name,
                relation=relation,
                sex=SEX_LABELS.get(person.sex, ""),
                birth=birth,
                ethnicity=labels.ethnicity(person.ethnicity_code),
                id_number=(person.id_number or "") if show_personal else "",
                birth_registered=_yes_no(person.birth_registered),
                insurance=_insurance_text(person, on),
                schooling=SCHOOLING_LABELS.get(person.schooling_code or "", ""),
                special="; ".join(str(g) for g in sorted(groups.get(person.id, []))),
                residence=labels.residence(person.residence_code),
                notes="; ".join(notes),
            )
        )
    return rows


def _id_reasons(person: Person) -> list[str]:
    """Why a child goes on the verification list (empty: it does not)."""
    number = (person.id_number or "").strip()
    if not number:
        return ["Chưa có số định danh"]
    if not (len(number) == 12 and number.isdigit()):
        return [f"Số định danh “{number}” sai định dạng (phải đủ 12 chữ số)"]
    if person.id_check_override:
        return []  # the officer already explained the mismatch
    return id_number_warnings(number, person.birth_date, person.sex)


def _profile_doc(
    profile: ChildProfile, has_card: bool | None, commune: str, on: date
) -> ChildProfileDoc:
    from desktop.core.domain.child_rules import FLAG_LABELS, GUARDIAN_ROLES, PARENT_STATUSES, Flag

    labels = _Labels()
    record = profile.record
    assert record.birth_date is not None
    birth = format_vn_date(record.birth_date) + (
        " (ước tính)" if record.birth_date_estimated else ""
    )
    identity: list[tuple[str, str]] = [
        ("Họ và tên", record.full_name),
        ("Ngày sinh", f"{birth} — {profile.age} tuổi"),
        ("Giới tính", SEX_LABELS.get(record.sex, "")),
        ("Dân tộc", labels.ethnicity(record.ethnicity_code)),
    ]
    if profile.show_personal:
        identity.append(("Số định danh cá nhân", record.id_number or "Chưa có"))
    identity += [
        ("Quan hệ với chủ hộ", labels.relation(record.relation_code)),
        ("Cư trú", labels.residence(record.residence_code)),
    ]
    if profile.household is not None:
        household = profile.household
        identity.append(
            (
                "Hộ gia đình",
                f"Hộ số {household.number}, {household.hamlet_name}; chủ hộ {household.head_name}",
            )
        )
    status = "Đang là trẻ em (dưới 16 tuổi)" if profile.is_child else "Không còn là trẻ em"
    if record.status != "active":
        status = STATUS_NOTES.get(record.status, record.status)
    identity.append(("Tình trạng", status))
    registration = _yes_no(record.birth_registered, "Đã đăng ký", "Chưa đăng ký") or "Chưa rõ"
    if record.birth_registration_date:
        registration += f" ngày {format_vn_date(record.birth_registration_date)}"
    if record.birth_registration_place:
        registration += f" tại {record.birth_registration_place}"
    insurance = "Chưa rõ"
    if record.insurance_number or record.insurance_valid_until:
        insurance = "Số thẻ " + (record.insurance_number or "(chưa ghi)")
        if record.insurance_valid_until:
            insurance += f", hạn đến {format_vn_date(record.insurance_valid_until)}"
    elif has_card is not None:
        insurance = "Có thẻ (chưa ghi số thẻ)" if has_card else "Chưa có thẻ"
    schooling = SCHOOLING_LABELS.get(record.schooling_code or "", "Chưa rõ")
    if record.school_name:
        schooling += f", {record.school_name}"
    if record.school_class:
        schooling += f", lớp {record.school_class}"
    care: list[tuple[str, str]] = [
        ("Đăng ký khai sinh", registration),
        ("Bảo hiểm y tế", insurance if profile.show_personal else "(không hiển thị)"),
        ("Học tập", schooling),
    ]
    if profile.show_sensitive:
        disability = labels.disability(record.disability_code) or "Không"
        if record.disability_severity_code:
            disability += f", mức độ {labels.severity(record.disability_severity_code).lower()}"
        care.append(("Khuyết tật", disability))
    sections: list[ProfileSection] = [
        ProfileSection("Thông tin chung", lines=identity),
        ProfileSection("Khai sinh, bảo hiểm y tế, học tập", lines=care),
        ProfileSection(
            "Cha mẹ, người chăm sóc",
            headers=("Vai trò", "Họ và tên", "Tình trạng", "Điện thoại"),
            rows=[
                (
                    GUARDIAN_ROLES.get(g.role, g.role),
                    g.full_name,
                    PARENT_STATUSES.get(g.parent_status, ""),
                    g.phone if profile.show_personal else "",
                )
                for g in profile.guardians
            ],
            widths=(2, 4, 3, 2.2),
            empty="Chưa ghi cha, mẹ hoặc người chăm sóc.",
        ),
    ]
    if profile.episodes is not None:
        sections.append(
            ProfileSection(
                "Hoàn cảnh đặc biệt",
                headers=("Nhóm", "Từ ngày", "Đến ngày", "Căn cứ"),
                rows=[
                    (
                        f"{e.group_no}. {e.group_name}",
                        format_vn_date(e.start_date),
                        format_vn_date(e.end_date) or "nay",
                        e.evidence,
                    )
                    for e in profile.episodes
                ],
                widths=(5, 1.6, 1.6, 3),
                empty="Không thuộc nhóm hoàn cảnh đặc biệt nào.",
            )
        )
    sections.append(
        ProfileSection(
            "Lịch sử thay đổi (biến động)",
            headers=("Ngày", "Biến động", "Nội dung", "Người ghi"),
            rows=[
                (
                    format_vn_date(e.event_date),
                    e.name,
                    "; ".join(x for x in (e.place, e.cause, e.details) if x),
                    "Tự động" if e.automatic else e.recorded_by,
                )
                for e in profile.events
            ],
            widths=(1.6, 2.2, 5, 1.8),
            empty="Chưa có biến động nào được ghi.",
        )
    )
    if profile.merges:
        sections.append(
            ProfileSection(
                "Gộp hồ sơ trùng",
                headers=("Thời điểm", "Hồ sơ giữ lại", "Hồ sơ gộp vào", "Người gộp"),
                rows=[(m.when, m.kept_name, m.removed_name, m.by) for m in profile.merges],
                widths=(2, 3, 3, 2),
            )
        )
    alerts = [FLAG_LABELS[f] for f in sorted(profile.flags)]
    if has_card and not record.insurance_number and not record.insurance_valid_until:
        # The list said "Thẻ BHYT: Có" but the card's number and end date are not typed yet.
        alerts = [
            a
            for a in alerts
            if a not in (FLAG_LABELS[Flag.NO_INSURANCE], FLAG_LABELS[Flag.UNDER6_NO_INSURANCE])
        ] + ["Có thẻ BHYT theo danh sách đã nhập, nhưng chưa ghi số thẻ và hạn thẻ"]
    alerts += profile.id_warnings
    return ChildProfileDoc(
        full_name=record.full_name,
        sections=sections,
        printed_on=on,
        commune=commune,
        notes=[record.notes] if record.notes else [],
        alerts=alerts,
    )


def _read_police_answers(path: Path, commune_code: str) -> tuple[list[PoliceAnswer], list[str]]:
    with reader.SpreadsheetFile(path) as opened:
        names = opened.sheet_names
        sheet = opened.read(POLICE_SHEET if POLICE_SHEET in names else None)
        info = opened.read(INFO_SHEET) if INFO_SHEET in names else None
    wanted = {
        "key": header_key(POLICE_KEY),
        "id": header_key(POLICE_ID),
        "result": header_key(POLICE_RESULT),
        "note": header_key(POLICE_NOTE),
        "name": header_key("Họ tên trẻ"),
    }
    header_row = None
    columns: dict[str, int] = {}
    for row in sheet.rows[:40]:
        found = {
            name: index
            for index, value in enumerate(row.cells)
            for name, key in wanted.items()
            if isinstance(value, str) and header_key(value) == key
        }
        if "key" in found and "id" in found:
            header_row, columns = row.number, found
            break
    if header_row is None:
        raise reader.ImportFileError(
            f"Tệp “{path.name}” không phải danh sách xác minh do Sổ Trẻ Em xuất: không thấy cột "
            f"“{POLICE_KEY}” và “{POLICE_ID}”. Hãy dùng đúng tệp đã gửi Công an xã."
        )
    notes: list[str] = []
    other = _list_commune(info)
    if other is not None and other != commune_code:
        raise reader.ImportFileError(
            f"Danh sách này được lập cho xã có mã {other}, không phải xã của sổ này "
            f"({commune_code}). Chưa có gì được thay đổi."
        )
    answers: list[PoliceAnswer] = []
    for row in sheet.rows:
        if row.number <= header_row:
            continue

        def cell(name: str, current: reader.SheetRow = row) -> str:
            index = columns.get(name)
            if index is None:
                return ""
            value = current.cell(index)
            if (
                value is None
                or isinstance(value, reader.CellError)
                or value is reader.NO_CACHED_VALUE
            ):
                return ""
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value).zfill(12) if len(str(value)) in (10, 11) else str(value)
            return clean_text(str(value))

        key = cell("key").lower()
        if not key and not cell("id"):
            continue  # a signature line or a note under the table
        answers.append(
            PoliceAnswer(row.number, key, cell("name"), cell("id"), cell("result"), cell("note"))
        )
    return answers, notes


def _list_commune(info: reader.Sheet | None) -> str | None:
    """The commune code written in the list's information sheet (None if absent)."""
    if info is None:
        return None
    for row in info.rows:
        first = row.cells[0] if row.cells else None
        if len(row.cells) >= 2 and isinstance(first, str) and header_key(first) == "ma xa":
            value = row.cells[1]
            return str(int(value)).zfill(5) if isinstance(value, int | float) else str(value)
    return None


def _plan_police(
    answers: list[PoliceAnswer], persons: dict[str, Person], report: PoliceImportReport
) -> list[PoliceChange]:
    """The ID numbers to set; every other row goes to the report with its reason."""
    planned: list[PoliceChange] = []
    seen: dict[str, int] = {}
    rows_of_number: dict[str, list[int]] = {}
    for answer in answers:
        name = answer.full_name
        if not _UUID.match(answer.key):
            report.problems.append(
                PoliceProblem(
                    answer.row,
                    name,
                    "ô mã đối chiếu trống hoặc đã bị sửa, nên không biết dòng này là trẻ nào.",
                )
            )
            continue
        person = persons.get(answer.key)
        if person is None or person.deleted:
            report.problems.append(
                PoliceProblem(answer.row, name, "không còn trẻ này trong sổ (đã xóa hoặc gộp).")
            )
            continue
        name = person.full_name
        if answer.key in seen:
            report.problems.append(
                PoliceProblem(answer.row, name, f"trùng với dòng {seen[answer.key]}; bỏ qua.")
            )
            continue
        seen[answer.key] = answer.row
        text = answer.id_text.replace(" ", "").replace(".", "")
        if not text:
            report.not_found.append(
                PoliceProblem(answer.row, name, answer.note or answer.result or "không ghi số.")
            )
            continue
        if not (len(text) == 12 and text.isdigit()):
            report.problems.append(
                PoliceProblem(
                    answer.row,
                    name,
                    f"số “{answer.id_text}” không đủ 12 chữ số; chưa cập nhật. Hãy hỏi lại "
                    "Công an xã.",
                )
            )
            continue
        rows_of_number.setdefault(text, []).append(answer.row)
        if text == (person.id_number or ""):
            report.confirmed.append(PoliceProblem(answer.row, name, "số đã có là đúng."))
            continue
        planned.append(
            PoliceChange(
                row=answer.row,
                person_id=person.id,
                full_name=name,
                birth_date=person.birth_date,
                old_id=person.id_number or "",
                new_id=text,
                warnings=tuple(id_number_warnings(text, person.birth_date, person.sex)),
            )
        )
    # One number written for two children: neither is set, the police are asked again.
    twice = {text for text, rows in rows_of_number.items() if len(rows) > 1}
    for change in planned:
        if change.new_id in twice:
            others = ", ".join(str(r) for r in rows_of_number[change.new_id] if r != change.row)
            report.problems.append(
                PoliceProblem(
                    change.row,
                    change.full_name,
                    f"số {change.new_id} cũng được ghi ở dòng {others}; chưa cập nhật. "
                    "Hãy hỏi lại Công an xã.",
                )
            )
    return [p for p in planned if p.new_id not in twice]
