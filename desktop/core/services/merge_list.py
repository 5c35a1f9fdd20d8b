"""Bring a former commune's template Excel list into this book (the 2025 mergers, issue 17).

A former commune that kept no Sổ Trẻ Em book still has its list in the official template
(the one ``sotreem import`` reads). Bringing it in is a merge of that commune, not a plain
import; the steps are those of ``merge_book.py``:

- ``preview``: the list is read by the importer (``imports.read_list``: the same reader,
  columns and row-level errors; the rejected rows can be written back with an error column)
  and planned on its own (rows of the list are checked against each other, never matched to
  this book's households); the preview says which households and persons would come, where
  each hamlet of the list goes (a hamlet of this book to merge into, or a new one; proposed
  by name, editable), and which children may already be in this book (the same ID number;
  or the same folded name, date of birth and a parent's name), for the officer to confirm.
- ``apply``: a backup of this book first, then ONE transaction: the households and persons
  are created with ids derived from the former commune's code and the list's own keys
  (hamlet, household number, name, date of birth), so that bringing the same list again
  creates nothing; each household gets the history line "thuộc xã … cũ"
  (``merge_book.history_lines``); only the confirmed pairs are merged with the duplicate
  merge; and one audit line says which list came, from which commune, when and by whom.
  If anything raises, nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from desktop.core.domain.dates import format_vn_date, sixteenth_birthday
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.identity import check_commune_code
from desktop.core.domain.permissions import Action
from desktop.core.domain.text import clean_text, fold
from desktop.core.importer.apply import ApplyCounts, apply_plan
from desktop.core.importer.headers import MappingSpec
from desktop.core.importer.plan import (
    UNCHANGED,
    HouseholdPlan,
    ImportPlan,
    RowPlan,
    Snapshot,
    build_plan,
    hamlet_core,
)
from desktop.core.importer.rows import RowProblem
from desktop.core.reports.formatting import vn_int
from desktop.core.reports.protect import ExportProtection
from desktop.core.services.backup import BackupKind, BackupService
from desktop.core.services.duplicates import merge_in_session
from desktop.core.services.events import record_sixteenth_birthday
from desktop.core.services.imports import (
    ImportPreview,
    ImportService,
    Progress,
    check_as_of,
    read_list,
)
from desktop.core.services.merge_book import (
    HAMLET_CREATE,
    HAMLET_MERGE,
    BookMatches,
    CrossDuplicate,
    HamletChoice,
    check_pairs,
    hamlet_choices,
    history_lines,
    in_pair_order,
    mapping_lines,
)
from desktop.core.services.unlocked import Book
from desktop.core.storage import audit_hook
from desktop.core.storage.audit_hook import AuditAction, NewEntry
from desktop.core.storage.engine import take_write_lock
from desktop.core.storage.models import Hamlet, Person
from desktop.core.storage.repositories import merge_book as repo
from desktop.core.storage.repositories.merge_book import HamletRow, PersonKeys
from sync import clock

# The former commune's "book" of a list: its id is derived from the commune's code alone.
_LIST_NS = uuid.UUID("8d3f6b1e-2c47-4f0a-b5e9-17c0f2025071")
UNIT_KINDS = ("Xã", "Phường", "Thị trấn", "Đặc khu")
CODE_FIELD, NAME_FIELD = "ma_xa_cu", "ten_xa_cu"
_EMPTY_BOOK = Snapshot(hamlets=[], households=[], persons=[], guardians=[], episodes=[])


@dataclass(frozen=True)
class FormerList:
    """The former commune a list comes from (what ``history_lines`` needs of it)."""

    commune_code: str
    unit_kind: str  # "Xã", "Phường", …
    commune_name: str  # "Minh Hưng"

    @property
    def book_id(self) -> str:
        """The same for every list of this commune: a second run finds its records."""
        return str(uuid.uuid5(_LIST_NS, f"danh-sach-xa-cu:{self.commune_code}"))

    @property
    def display_name(self) -> str:
        """E.g. "xã Minh Hưng" (as in "thuộc xã Minh Hưng cũ")."""
        return f"{self.unit_kind.lower()} {self.commune_name}"

    def record_id(self, *parts: str) -> str:
        """The id of a record of this commune's list, from its own keys."""
        return str(uuid.uuid5(uuid.UUID(self.book_id), "|".join(parts)))


def former_commune(code: str, name: str, book: Book) -> FormerList:
    """The former commune as the officer gave it; ValidationError naming the field.

    ``name`` is "xã Minh Hưng", "Phường An Lạc" or just "Minh Hưng" (then a xã).
    """
    problems: list[FieldProblem] = []
    here = book.commune()
    value = (code or "").strip()
    try:
        value = check_commune_code(value, CODE_FIELD)
    except ValidationError as exc:
        problems.extend(
            FieldProblem(p.field, f"Mã xã cũ: {p.message}", p.row) for p in exc.problems
        )
    else:
        if value == here.code:
            problems.append(
                FieldProblem(
                    CODE_FIELD,
                    f"Mã xã cũ: {value} là mã của chính {here.display_name} đang dùng. Hãy ghi "
                    "mã của xã cũ (trước ngày 01/07/2025) mà danh sách này thuộc về.",
                )
            )
    text = clean_text(name or "")
    kind = UNIT_KINDS[0]
    for candidate in UNIT_KINDS:
        prefix = fold(candidate) + " "
        if fold(text) == fold(candidate) or fold(text).startswith(prefix):
            kind, text = candidate, clean_text(text[len(prefix) :])
            break
    if not text:
        problems.append(
            FieldProblem(
                NAME_FIELD,
                "Tên xã cũ: chưa ghi. Hãy ghi tên xã cũ, ví dụ “xã Minh Hưng”: tên này được "
                "ghi vào lịch sử mỗi hộ (“thuộc xã Minh Hưng cũ”).",
            )
        )
    if problems:
        raise ValidationError(problems)
    return FormerList(value, kind, text)


# -- what the preview shows ------------------------------------------------------------------


@dataclass(frozen=True)
class MergeListPreview:
    """What bringing the list in would do; nothing is written to make it."""

    former: FormerList
    imported: ImportPreview  # the list as the importer read it (rows, rejected rows)
    households: int  # households of the list that would come
    persons: int
    children: int  # of ``persons``, under 16 on the list's date
    already_households: int  # brought in before (the same list, or an earlier one)
    already_persons: int
    hamlets: tuple[HamletChoice, ...]
    duplicates: tuple[CrossDuplicate, ...]
    warnings: tuple[str, ...]
    # The hamlets (ids) the mapping creates that receive a household of the list not yet here.
    creates: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        return self.imported.path.name

    @property
    def former_name(self) -> str:
        """E.g. "xã Minh Hưng"."""
        return self.former.display_name

    @property
    def rejected(self) -> int:
        """Rows of the list with errors: they do not come."""
        return self.imported.plan.rejected

    @property
    def problems(self) -> tuple[RowProblem, ...]:
        """The rejected rows' problems (the first rows' of a very long list)."""
        return self.imported.summary.problems

    @property
    def hamlets_created(self) -> int:
        """Hamlets this book would gain."""
        return len(self.creates)

    @property
    def nothing_new(self) -> bool:
        """True when every good row of the list is in this book already."""
        return not self.households and not self.persons and not self.hamlets_created

    def lines(self, *, pairs: bool = True) -> list[str]:
        """The preview as text, for the terminal and the officer's screen."""
        summary = self.imported.summary
        out = [
            f"Danh sách của {self.former_name} cũ (mã {self.former.commune_code}): "
            f"{self.file_name} (tiêu đề cột ở dòng {summary.header_row})",
        ]
        if summary.reference_date:
            out.append(f"Số liệu tính đến ngày: {format_vn_date(summary.reference_date)}")
        out.append(
            f"Số dòng dữ liệu: {vn_int(summary.total_rows)}, trong đó "
            f"{vn_int(summary.rejected)} dòng có lỗi (không chuyển sang)."
        )
        if self.nothing_new:
            out.append("Mọi dòng không lỗi của danh sách đã có trong sổ: không có gì mới để gộp.")
        out.append("Sẽ chuyển sang sổ này:")
        out.append(f"  Hộ gia đình: {vn_int(self.households)}")
        out.append(
            f"  Nhân khẩu, trẻ em: {vn_int(self.persons)} (trẻ em dưới 16 tuổi: "
            f"{vn_int(self.children)})"
        )
        out.append(f"  Thôn/tổ dân phố mới: {vn_int(self.hamlets_created)}")
        if self.already_households or self.already_persons:
            out.append(
                f"Đã có trong sổ từ lần gộp trước (không ghi lại): "
                f"{vn_int(self.already_households)} hộ, {vn_int(self.already_persons)} nhân khẩu."
            )
        out += mapping_lines(
            self.hamlets,
            self.duplicates,
            pairs,
            maybe="Có thể đã có trong sổ",
            none="Không thấy trẻ nào của danh sách đã có trong sổ.",
        )
        out += [f"Lưu ý: {w}" for w in self.warnings]
        if summary.remarks:
            out.append(f"Lưu ý về các dòng ({vn_int(len(summary.remarks))}):")
            out += [f"  Dòng {row}: {text}." for row, text in summary.remarks[:50]]
            if len(summary.remarks) > 50:
                out.append(f"  … và {vn_int(len(summary.remarks) - 50)} lưu ý khác.")
        if summary.problems:
            out.append(f"Lỗi ({summary.problems_heading()}; các dòng này không chuyển sang):")
            out += [f"  {p.text}" for p in summary.problems[:200]]
            more = summary.problem_total - min(len(summary.problems), 200)
            if more > 0:
                out.append(f"  … và {vn_int(more)} lỗi khác (xem tệp các dòng bị từ chối).")
        return out


@dataclass(frozen=True)
class MergeListResult:
    """What was written."""

    preview: MergeListPreview
    counts: ApplyCounts | None = None
    hamlets_created: int = 0
    history_lines: int = 0
    merged_pairs: int = 0
    backup_file: Path | None = None
    sixteenth_birthdays: int = 0

    @property
    def households(self) -> int:
        return self.counts.households_created if self.counts else 0

    @property
    def persons(self) -> int:
        return self.counts.persons_created if self.counts else 0

    def message_vi(self) -> str:
        """One paragraph for the officer or the terminal."""
        name = f"{self.preview.former_name} cũ"
        if not self.persons and not self.households and not self.merged_pairs:
            return f"Danh sách của {name} đã được gộp từ trước: không có gì mới, sổ không thay đổi."
        text = (
            f"Đã gộp danh sách của {name}: {vn_int(self.households)} hộ, "
            f"{vn_int(self.persons)} nhân khẩu, {vn_int(self.hamlets_created)} thôn mới"
        )
        if self.merged_pairs:
            text += f", gộp {self.merged_pairs} cặp hồ sơ trùng"
        text += "."
        if self.preview.rejected:
            text += f" {vn_int(self.preview.rejected)} dòng có lỗi không được chuyển sang."
        if self.backup_file is not None:
            text += f" Sổ trước khi gộp đã được sao lưu: {self.backup_file.name}."
        return text


# -- the ids of the list's records -------------------------------------------------------------


class _ListIds:
    """Ids of a list's records derived from the former commune and the list's own keys."""

    def __init__(self, former: FormerList) -> None:
        self._former = former

    def hamlet(self, name_key: str) -> str:
        return self._former.record_id("thon", name_key)

    def household(self, plan: HouseholdPlan) -> str:
        return self._former.record_id("ho", *plan.key)

    def person(self, row: RowPlan) -> str:
        person = row.parsed.person
        return self._former.record_id(
            "nguoi", *row.household.key, fold(person.full_name), person.birth_date.isoformat()
        )

    def guardian(self, person_id: str, role: str) -> str:
        return self._former.record_id("cha-me", person_id, role)

    def episode(self, person_id: str, group: int) -> str:
        return self._former.record_id("hoan-canh", person_id, str(group))


def _list_hamlet_key(plan: HouseholdPlan) -> str:
    # Planned against an empty book, every hamlet of the list is "new:<folded name>".
    return plan.hamlet_ref.removeprefix("new:")


# -- the service -------------------------------------------------------------------------------


class MergeListService:
    """Brings a former commune's template Excel list into the open book (administrators)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def _require(self) -> None:
        self._book.user.require(Action.MERGE_BOOKS)

    def former(self, code: str, name: str) -> FormerList:
        """The former commune the officer named (code of 5 digits, not this commune's)."""
        self._require()
        return former_commune(code, name, self._book)

    def read(
        self,
        path: Path,
        *,
        sheet: str | None = None,
        mapping: MappingSpec | None = None,
        as_of: date | None = None,
        progress: Progress | None = None,
    ) -> ImportPreview:
        """Read the list with the importer and check its rows against each other only."""
        self._require()
        today = clock.today()
        reference = check_as_of(as_of, today)
        sheet_read, column_mapping, parsed = read_list(
            path, sheet=sheet, mapping=mapping, reference_date=reference, progress=progress
        )
        plan = build_plan(
            parsed,
            _EMPTY_BOOK,
            reference,
            may_edit_sensitive=self._book.user.may(Action.EDIT_SENSITIVE),
        )
        return ImportPreview(
            path=path,
            sheet=sheet_read,
            mapping=column_mapping,
            parsed=parsed,
            plan=plan,
            reference_date=reference,
            notices=tuple(sheet_read.notices),
            imported_on=today,
        )

    def preview(
        self,
        former: FormerList,
        imported: ImportPreview,
        hamlet_targets: Mapping[str, str] | None = None,
    ) -> MergeListPreview:
        """What would come; ``hamlet_targets`` maps the list's hamlet ids to this book's.

        Without ``hamlet_targets`` each hamlet of the list goes where its name says (the
        proposal); ValidationError when a given mapping leaves one out or maps it to nothing.
        """
        self._require()
        with self._book.read() as session:
            return _plan(session, former, imported, hamlet_targets)

    def write_rejected(
        self,
        preview: MergeListPreview,
        path: Path,
        protection: ExportProtection | None = None,
        progress: Progress | None = None,
    ) -> int:
        """The rejected rows with an error column, as an import writes them; the rows."""
        return ImportService(self._book).write_rejected(
            preview.imported, path, protection, progress
        )

    def apply(
        self,
        preview: MergeListPreview,
        hamlet_targets: Mapping[str, str] | None,
        confirmed: Sequence[tuple[str, str]] = (),
        progress: Progress | None = None,
    ) -> MergeListResult:
        """Back up this book, then bring the list's good rows in, in one transaction.

        ``confirmed`` holds (id in this book, id of the list's person) of the pairs the
        officer confirmed as one child: each is merged into the record of this book. If
        ``progress`` raises (the officer pressed “Dừng”), nothing is written.
        """
        self._require()
        former, imported = preview.former, preview.imported
        first = self.preview(former, imported, hamlet_targets)
        with self._book.read() as session:
            pairs = _pairs(session, first, confirmed)
        if first.nothing_new and not pairs:
            return MergeListResult(first)
        backup_file = BackupService(self._book).backup(BackupKind.MERGE).path
        user = self._book.user
        today = clock.today()
        with self._book.transaction() as session:
            # The write lock first: nothing else writes between the plan and the records.
            take_write_lock(session.connection())
            plan = _plan(session, former, imported, hamlet_targets)
            pairs = _pairs(session, plan, confirmed)
            ids = _ListIds(former)
            created_hamlets = _create_hamlets(session, plan)
            to_write = _plan_to_write(session, imported.plan, plan, ids)
            counts = apply_plan(session, to_write, progress, ids)
            households = [ids.household(h) for h in to_write.households if h.existing_id is None]
            history = history_lines(session, former, households, today, self._book)
            reason = f"cùng một trẻ ở danh sách của {former.display_name} cũ, gộp khi gộp sổ"
            for existing_id, incoming_id in pairs:
                merge_in_session(session, user, existing_id, incoming_id, choices={}, reason=reason)
            birthdays = _birthdays_since(session, counts, imported.reference_date, today)
            audit_hook.record(
                session,
                [
                    NewEntry(
                        user.username,
                        AuditAction.MERGE_LIST.value,
                        "merge_list",
                        former.book_id,
                        None,
                        {
                            "file": imported.path.name,
                            "from_commune_code": former.commune_code,
                            "from_commune": former.display_name,
                            "list_as_of": imported.reference_date,
                            "on": today,
                            "by": f"{user.full_name} ({user.username})",
                            "rows": imported.plan.total_rows,
                            "rows_rejected": imported.plan.rejected,
                            "hamlets_created": created_hamlets,
                            "households_created": counts.households_created,
                            "persons_created": counts.persons_created,
                            "history_lines": history,
                            "sixteenth_birthdays": birthdays,
                            "merged_pairs": [list(p) for p in pairs],
                            "hamlets": {h.former_name: h.target_name for h in plan.hamlets},
                            "backup_before": backup_file.name,
                        },
                    )
                ],
            )
        return MergeListResult(
            plan, counts, created_hamlets, history, len(pairs), backup_file, birthdays
        )


# -- planning --------------------------------------------------------------------------------


def _list_hamlets(
    former: FormerList, imported: ImportPreview
) -> tuple[list[HamletRow], dict[str, str]]:
    """The hamlets of the list as the mapping shows them, and list hamlet key → id.

    ValidationError when two spellings of the list may be one hamlet or two ("Thôn Đông" and
    "Đông"): the list must say.
    """
    ids = _ListIds(former)
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    rows: dict[str, list[int]] = {}
    for household in imported.plan.households:
        key = _list_hamlet_key(household)
        names.setdefault(key, household.hamlet_name)
        counts[key] = counts.get(key, 0) + 1
        rows.setdefault(key, []).extend(household.rows)
    by_core: dict[str, list[str]] = {}
    for key in names:
        by_core.setdefault(hamlet_core(key), []).append(key)
    problems: list[FieldProblem] = []
    column = (
        imported.mapping.header_of("hamlet") if "hamlet" in imported.mapping.columns else "Thôn"
    )
    for same in by_core.values():
        if len(same) > 1:
            written = " và ".join(
                f"“{names[k]}” (dòng {', '.join(str(r) for r in sorted(rows[k])[:5])}"
                + ("…" if len(rows[k]) > 5 else "")
                + ")"
                for k in same
            )
            problems.append(
                FieldProblem(
                    "hamlet",
                    f"Cột “{column}”: danh sách ghi {written}; không rõ là một thôn hay hai "
                    "thôn khác nhau. Hãy sửa cột này cho thống nhất (cùng một thôn thì ghi cùng "
                    "một tên) rồi xem trước lại. Chưa có gì được ghi.",
                    min(rows[same[1]]),
                )
            )
    if problems:
        raise ValidationError(problems)
    hamlets = [
        HamletRow(ids.hamlet(key), names[key], key, False, counts[key])
        for key in sorted(names, key=lambda k: fold(names[k]))
    ]
    return hamlets, {key: ids.hamlet(key) for key in names}


def _proposal(
    session: Session, hamlets: list[HamletRow], imported: ImportPreview, ids: _ListIds
) -> dict[str, str]:
    """Each hamlet of the list → where an earlier run put its households, else this book's
    hamlet of the same name (or the same name without its kind), else itself (created)."""
    here = [h for h in repo.hamlets_in_use(session) if not h.deleted]
    names = {h.id: h.name for h in repo.hamlets_in_use(session)}
    by_key = {h.name_key: h.name for h in here}
    by_core: dict[str, list[str]] = {}
    for hamlet in here:
        by_core.setdefault(hamlet_core(hamlet.name_key), []).append(hamlet.name)
    placed = {household: hamlet for household, hamlet, _number in repo.live_households(session)}
    earlier: dict[str, str] = {}
    for household in imported.plan.households:
        hamlet_id = placed.get(ids.household(household))
        if hamlet_id in names:
            earlier.setdefault(ids.hamlet(_list_hamlet_key(household)), names[hamlet_id])
    targets = {}
    for hamlet in hamlets:
        same = earlier.get(hamlet.id) or by_key.get(hamlet.name_key)
        if same is None:
            cores = by_core.get(hamlet_core(hamlet.name_key), [])
            same = cores[0] if len(cores) == 1 else hamlet.name
        targets[hamlet.id] = same
    return targets


def _plan(
    session: Session,
    former: FormerList,
    imported: ImportPreview,
    hamlet_targets: Mapping[str, str] | None,
) -> MergeListPreview:
    ids = _ListIds(former)
    hamlet_rows, _ = _list_hamlets(former, imported)
    targets = (
        hamlet_targets
        if hamlet_targets is not None
        else _proposal(session, hamlet_rows, imported, ids)
    )
    hamlets = hamlet_choices(session, hamlet_rows, targets)
    households_here = repo.keys(session, "households")
    persons_here = repo.keys(session, "persons")
    plan = imported.plan
    new_households = [h for h in plan.households if ids.household(h) not in households_here]
    new_rows = [r for r in plan.rows if ids.person(r) not in persons_here]
    present = repo.keys(session, "hamlets")
    place = {h.former_id: h.target_id or h.former_id for h in hamlets}
    receiving = {place[ids.hamlet(_list_hamlet_key(h))] for h in new_households}
    creates = tuple(
        h.former_id
        for h in hamlets
        if h.action == HAMLET_CREATE and h.former_id in receiving and h.former_id not in present
    )
    warnings = _number_clashes(session, hamlets, new_households, ids)
    merged = [h for h in hamlets if h.action == HAMLET_MERGE and h.target_id != h.former_id]
    if hamlet_targets is None and merged:
        warnings.insert(
            0,
            f"{len(merged)} thôn của danh sách trùng tên với thôn đã có trong sổ nên được đề "
            "xuất gộp vào thôn đó. Nếu là hai thôn khác nhau (ví dụ “Thôn 1” của hai xã cũ), "
            "hãy ghi tên khác ở cột “Thôn mới”.",
        )
    return MergeListPreview(
        former=former,
        imported=imported,
        households=len(new_households),
        persons=len(new_rows),
        children=sum(1 for r in new_rows if r.parsed.is_child),
        already_households=len(plan.households) - len(new_households),
        already_persons=len(plan.rows) - len(new_rows),
        hamlets=tuple(hamlets),
        duplicates=tuple(_cross_duplicates(session, former, new_rows, ids)),
        warnings=tuple(warnings),
        creates=creates,
    )


def _number_clashes(
    session: Session,
    hamlets: list[HamletChoice],
    households: list[HouseholdPlan],
    ids: _ListIds,
) -> list[str]:
    """Households of the list that will share a number in a hamlet they are merged into."""
    numbers = repo.household_numbers(session)
    by_id = {h.former_id: h for h in hamlets}
    clashes: dict[str, int] = {}
    for household in households:
        choice = by_id[ids.hamlet(_list_hamlet_key(household))]
        if choice.target_id is None or choice.target_id == choice.former_id:
            continue
        if household.data.number in numbers.get(choice.target_id, set()):
            clashes[choice.target_name] = clashes.get(choice.target_name, 0) + 1
    return [
        f"{vn_int(n)} hộ của danh sách trùng số hộ với hộ đã có trong thôn “{name}”: số hộ được "
        "giữ nguyên; hãy đánh lại số hộ sau khi gộp."
        for name, n in sorted(clashes.items())
    ]


def _cross_duplicates(
    session: Session, former: FormerList, rows: list[RowPlan], ids: _ListIds
) -> list[CrossDuplicate]:
    """Persons of the list not yet here who may be one of this book's."""
    matches = BookMatches(session)
    found: list[CrossDuplicate] = []
    for row in rows:
        child = row.parsed.person
        data = row.household.data
        incoming = PersonKeys(
            id=ids.person(row),
            full_name=child.full_name,
            name_key=fold(child.full_name),
            birth_date=child.birth_date,
            id_number=child.id_number or None,
            household_id=None,
            parent_keys=frozenset(fold(n) for n in (child.father, child.mother, child.carer) if n),
        )
        place = (
            f"dòng {row.row}, hộ số {data.number} ({data.head_name}), "
            f"{row.household.hamlet_name}, {former.display_name} cũ"
        )
        found += matches.of(incoming, place)
    return in_pair_order(found)


def _pairs(
    session: Session, plan: MergeListPreview, confirmed: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The confirmed pairs still to merge; those merged by an earlier run are left out."""
    here = repo.keys(session, "persons")
    proposed = {d.incoming_id for d in plan.duplicates}
    # A pair whose person of the list is in the book already was merged the first time.
    waiting = [p for p in confirmed if p[1] in proposed or p[1] not in here]
    return check_pairs(plan.duplicates, waiting)


# -- writing ---------------------------------------------------------------------------------


def _create_hamlets(session: Session, plan: MergeListPreview) -> int:
    """Add the hamlets the mapping creates that receive a household; how many."""
    for choice in plan.hamlets:
        if choice.former_id in plan.creates:
            name = clean_text(choice.target_name)
            session.add(
                Hamlet(id=choice.former_id, name=name, name_key=fold(name), collaborator_name="")
            )
    session.flush()
    return len(plan.creates)


def _plan_to_write(
    session: Session, read: ImportPlan, plan: MergeListPreview, ids: _ListIds
) -> ImportPlan:
    """The list's plan with each household in its mapped hamlet, and what is here left out."""
    hamlet_of = {h.former_id: h.target_id or h.former_id for h in plan.hamlets}
    households_here = repo.keys(session, "households")
    persons_here = repo.keys(session, "persons")
    households: dict[tuple[str, str], HouseholdPlan] = {}
    for household in read.households:
        own = ids.household(household)
        households[household.key] = replace(
            household,
            hamlet_ref=hamlet_of[ids.hamlet(_list_hamlet_key(household))],
            existing_id=own if own in households_here else None,
            updates={},
            changes=[],
        )
    rows = []
    for row in read.rows:
        moved = replace(row, household=households[row.household.key])
        own = ids.person(row)
        if own in persons_here:
            moved = replace(
                moved, person_id=own, action=UNCHANGED, updates={}, guardians=[], new_groups=[]
            )
        rows.append(moved)
    return replace(read, rows=rows, households=list(households.values()), new_hamlets=[])


def _birthdays_since(session: Session, counts: ApplyCounts, as_of: date, today: date) -> int:
    """Record the 16th birthdays that came between the list's date and today (R02)."""
    if as_of >= today:
        return 0
    recorded = 0
    for person_id, born in counts.children:
        if not as_of < sixteenth_birthday(born) <= today:
            continue
        person = session.get(Person, person_id)
        if (
            person is not None
            and person.status != "merged"
            and record_sixteenth_birthday(session, person, as_of, today) is not None
        ):
            recorded += 1
    return recorded


__all__ = [
    "FormerList",
    "MergeListPreview",
    "MergeListResult",
    "MergeListService",
    "former_commune",
]
