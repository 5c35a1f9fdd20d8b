"""Import a list of households and children from an .xlsx or .csv file.

Three steps, the same for the wizard and ``sotreem import``: ``overview`` (what the file
looks like: sheet, header row, suggested column mapping), ``preview`` (read every row and
say what would be created, updated, unchanged or rejected, with row-level errors), ``run``
(back up the book, then write the good rows in ONE transaction; a progress callback that
raises — the Cancel button — rolls everything back). The rejected rows can be written as an
.xlsx with an error column, fixed, and imported again; importing the same file twice
creates nothing twice.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from desktop.core.domain.dates import format_vn_date, sixteenth_birthday
from desktop.core.domain.permissions import Action
from desktop.core.importer import reader
from desktop.core.importer.apply import ApplyCounts, apply_plan
from desktop.core.importer.headers import (
    HEADER_SCAN_ROWS,
    ColumnMapping,
    HeaderGuess,
    MappingSpec,
    apply_mapping,
    detect_header,
    guess_for_row,
)
from desktop.core.importer.plan import ImportPlan, Snapshot, build_plan
from desktop.core.importer.reader import ImportFileError, Sheet, is_blank
from desktop.core.importer.rejected import write_rejected
from desktop.core.importer.rows import ParseResult, RowProblem, parse_rows
from desktop.core.importer.template import write_template
from desktop.core.reports.formatting import vn_int
from desktop.core.reports.protect import ExportProtection
from desktop.core.services import access
from desktop.core.services.book import Book
from desktop.core.services.events import record_sixteenth_birthday
from desktop.core.storage.repositories import imports as repo
from sync import clock

Progress = Callable[[int, int], None]
SAMPLE_ROWS = 5
MAX_LISTED_PROBLEMS = 200  # in the text summary; the rejected-rows file holds them all

__all__ = [
    "FileOverview",
    "ImportFileError",
    "ImportPreview",
    "ImportResult",
    "ImportService",
    "ImportSummary",
    "MappingSpec",
    "PreviewLine",
]


@dataclass(frozen=True)
class FileOverview:
    """What a file looks like before importing: the sheet, its header row, a few rows."""

    path: Path
    kind: str
    sheet: str
    sheet_names: tuple[str, ...]
    guess: HeaderGuess
    sample: tuple[tuple[str, ...], ...]  # the first data rows, as text, column by column
    notices: tuple[str, ...]

    @property
    def needs_mapping(self) -> bool:
        """True unless the file uses the documented template's headers."""
        return not self.guess.is_template


@dataclass(frozen=True)
class ImportSummary:
    """The counts and errors of a preview or an import, as the wizard and the CLI show them."""

    file_name: str
    sheet: str
    header_row: int
    is_template: bool
    total_rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    children: int
    adults: int
    households_created: int
    households_updated: int
    new_hamlets: tuple[str, ...]
    matched_hamlets: tuple[tuple[str, str], ...]
    problems: tuple[RowProblem, ...]
    remarks: tuple[tuple[int, str], ...]  # (row, how a value was completed)
    notices: tuple[str, ...]
    done: bool = False  # True once written into the book
    reference_date: date | None = None  # "Số liệu tính đến ngày": the day the list was true
    # Rows that were children on the list's date but are 16 or older today.
    aged_out: int = 0
    # ``problems`` holds the problems of the first rejected rows only (``shown_rows`` rows);
    # ``rejected`` and ``problem_total`` count them all.
    problem_total: int = 0
    shown_rows: int = 0

    @property
    def problems_capped(self) -> bool:
        """True when only the first rejected rows' problems are held (a very long list)."""
        return self.shown_rows < self.rejected

    def problems_heading(self) -> str:
        """“x dòng lỗi” or “x dòng lỗi, hiển thị N dòng đầu” (Vietnamese)."""
        text = f"{vn_int(self.rejected)} dòng lỗi"
        if self.problems_capped:
            text += f", hiển thị {vn_int(self.shown_rows)} dòng đầu"
        return text

    def lines(self) -> list[str]:
        """The summary as text lines (Vietnamese)."""
        where = f"trang “{self.sheet}”, " if self.sheet else ""
        layout = "mẫu của Sổ Trẻ Em" if self.is_template else "bố cục riêng, đã ghép cột"
        lines = [
            f"Tệp: {self.file_name} ({where}tiêu đề cột ở dòng {self.header_row}, {layout})",
            *(
                [f"Số liệu tính đến ngày: {format_vn_date(self.reference_date)}"]
                if self.reference_date
                else []
            ),
            f"Số dòng dữ liệu: {vn_int(self.total_rows)}",
            f"  Thêm mới: {vn_int(self.created)}",
            f"  Cập nhật: {vn_int(self.updated)}",
            f"  Không đổi: {vn_int(self.unchanged)}",
            f"  Bị từ chối (có lỗi, không nhập): {vn_int(self.rejected)}",
            f"Các dòng không lỗi gồm {vn_int(self.children)} trẻ em dưới 16 tuổi và "
            f"{vn_int(self.adults)} người từ 16 tuổi trở lên (ghi là thành viên hộ).",
            *(
                [
                    f"  Trong đó {vn_int(self.aged_out)} trẻ đã đủ 16 tuổi sau ngày của danh "
                    "sách: ghi nhận là trẻ em đến hết ngày trước sinh nhật 16 tuổi, rồi tự ghi "
                    "sự kiện đủ 16 tuổi (hoàn cảnh đặc biệt kết thúc ngày trước đó)."
                ]
                if self.aged_out
                else []
            ),
            f"Hộ gia đình: {vn_int(self.households_created)} thêm mới, "
            f"{vn_int(self.households_updated)} cập nhật.",
        ]
        if self.new_hamlets:
            verb = "Đã tạo" if self.done else "Sẽ tạo"
            lines.append(f"{verb} thôn/tổ dân phố mới: " + ", ".join(self.new_hamlets) + ".")
        for written, book in self.matched_hamlets:
            lines.append(f"“{written}” được hiểu là “{book}” đã có trong sổ.")
        lines.extend(self.notices)
        if self.remarks:
            lines.append(f"Lưu ý ({vn_int(len(self.remarks))}):")
            lines.extend(f"  Dòng {row}: {text}." for row, text in self.remarks[:50])
            if len(self.remarks) > 50:
                lines.append(f"  … và {vn_int(len(self.remarks) - 50)} lưu ý khác.")
        if self.problems:
            lines.append(f"Lỗi ({self.problems_heading()}; các dòng này không được nhập):")
            listed = self.problems[:MAX_LISTED_PROBLEMS]
            lines.extend(f"  {p.text}" for p in listed)
            more = max(self.problem_total, len(self.problems)) - len(listed)
            if more > 0:
                lines.append(f"  … và {vn_int(more)} lỗi khác (xem tệp các dòng bị từ chối).")
        return lines


@dataclass(frozen=True)
class PreviewLine:
    """One good row of a preview, as the wizard lists it."""

    row: int
    action: str  # "Thêm mới" / "Cập nhật" / "Không đổi"
    full_name: str
    birth_date: str
    hamlet: str
    household_number: str
    details: str  # the changes, or what was noted (“chỉ có năm sinh …”)
    is_child: bool


def preview_lines(plan: ImportPlan, today: date | None = None) -> list[PreviewLine]:
    """The good rows of ``plan``, in file order, as plain lines.

    ``today`` is the day of the import (default: the clock's): a child on the list's date who
    is 16 by then says until when she is recorded as a child.
    """
    from desktop.core.importer.plan import ACTION_LABELS

    today = today or clock.today()
    lines = []
    for planned in plan.rows:
        person = planned.parsed.person
        changes = [f"{c.label}: {c.old} → {c.new}" for c in planned.changes]
        details = "; ".join([*changes, *planned.remarks])
        if not planned.parsed.is_child:
            details = "; ".join(x for x in ("từ 16 tuổi: ghi là thành viên hộ", details) if x)
        elif sixteenth_birthday(person.birth_date) <= today:
            until = format_vn_date(sixteenth_birthday(person.birth_date) - timedelta(days=1))
            aged = f"đã đủ 16 tuổi sau ngày của danh sách: ghi nhận đến ngày {until}"
            details = "; ".join(x for x in (aged, details) if x)
        lines.append(
            PreviewLine(
                row=planned.row,
                action=ACTION_LABELS[planned.action],
                full_name=person.full_name,
                birth_date=format_vn_date(person.birth_date),
                hamlet=planned.household.hamlet_name,
                household_number=planned.parsed.household.number,
                details=details,
                is_child=planned.parsed.is_child,
            )
        )
    return lines


@dataclass
class ImportPreview:
    """A file read and matched against the book: the plan, and what it needs to run."""

    path: Path
    sheet: Sheet
    mapping: ColumnMapping
    parsed: ParseResult
    plan: ImportPlan
    reference_date: date  # "Số liệu tính đến ngày": ages and rules are judged on this day
    notices: tuple[str, ...] = ()
    imported_on: date | None = None  # the day of the preview (default: the reference date)

    @property
    def today(self) -> date:
        """The day of the import, on which "16 or older by now" is judged."""
        return self.imported_on or self.reference_date

    @property
    def summary(self) -> ImportSummary:
        """The preview's counts and errors."""
        return _summary(self, self.plan, done=False)

    @property
    def rejected_rows(self) -> int:
        """Rows that will not be imported."""
        return self.plan.rejected

    def lines(self) -> list[PreviewLine]:
        """The good rows, as the wizard lists them."""
        return preview_lines(self.plan, self.today)


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote."""

    summary: ImportSummary
    counts: ApplyCounts
    backup_file: Path | None
    rejected_file: Path | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _summary(preview: ImportPreview, plan: ImportPlan, *, done: bool) -> ImportSummary:
    remarks = tuple((row.row, remark) for row in plan.rows for remark in row.remarks)
    aged_out = sum(
        1
        for row in plan.rows
        if row.parsed.is_child and sixteenth_birthday(row.parsed.person.birth_date) <= preview.today
    )
    # As many rejected rows as the reading kept: a file of duplicates rejected by the plan
    # is listed no further either.
    shown = sorted(plan.problems)[: preview.parsed.kept_rejected]
    return ImportSummary(
        file_name=preview.path.name,
        sheet=preview.sheet.name,
        header_row=preview.mapping.header_row,
        is_template=preview.mapping.is_template,
        total_rows=plan.total_rows,
        created=plan.created,
        updated=plan.updated,
        unchanged=plan.unchanged,
        rejected=plan.rejected,
        children=plan.children,
        adults=plan.adults,
        households_created=plan.households_with("create"),
        households_updated=plan.households_with("update"),
        new_hamlets=tuple(plan.new_hamlets),
        matched_hamlets=tuple(plan.matched_hamlets.items()),
        problems=tuple(p for n in shown for p in plan.problems[n]),
        problem_total=plan.problem_total,
        shown_rows=len(shown),
        remarks=remarks,
        notices=preview.notices,
        done=done,
        reference_date=preview.reference_date,
        aged_out=aged_out,
    )


def _text(value: object) -> str:
    if value is None or (isinstance(value, str) and is_blank(value)):
        return ""
    if value is reader.NO_CACHED_VALUE:
        return "(công thức chưa có kết quả)"
    if isinstance(value, reader.CellError):
        return value.code
    if hasattr(value, "strftime"):
        return format_vn_date(value)  # type: ignore[arg-type]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _snapshot(book: Book) -> Snapshot:
    with book.read() as session:
        return _snapshot_in(session)


def _snapshot_in(session: Session) -> Snapshot:
    return Snapshot(
        hamlets=repo.hamlets(session),
        households=repo.households(session),
        persons=repo.persons(session),
        guardians=repo.guardians(session),
        episodes=repo.episodes(session),
    )


class ImportService:
    """Overview, preview and import of a household/children list."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def _require(self) -> None:
        access.require_whole_book(self._book.user, Action.IMPORT)
        self._book.user.require(Action.EDIT_BOOK)

    # -- step 1: the file ---------------------------------------------------------------

    @staticmethod
    def _choose_sheet(
        opened: reader.SpreadsheetFile, sheet: str | None
    ) -> tuple[Sheet, HeaderGuess]:
        """The sheet asked for, or the first whose header row is the template's."""
        limit = HEADER_SCAN_ROWS + SAMPLE_ROWS
        if sheet is not None or opened.kind == "csv":
            head = opened.read(sheet, limit=limit)
            return head, detect_header(head)
        first: tuple[Sheet, HeaderGuess] | None = None
        for name in opened.sheet_names:
            head = opened.read(name, limit=limit)
            guess = detect_header(head)
            if guess.is_template:
                return head, guess
            if first is None or (first[1].header_row is None and guess.header_row is not None):
                first = (head, guess)
        if first is None:
            raise ImportFileError(f"Tệp Excel “{opened.path.name}” không có trang tính nào.")
        return first

    def overview(
        self, path: Path, sheet: str | None = None, header_row: int | None = None
    ) -> FileOverview:
        """Read the first rows: the sheet, the header row and a suggested mapping.

        ``header_row`` (as the spreadsheet numbers it) overrides the row found.
        """
        self._require()
        with reader.SpreadsheetFile(path) as opened:
            head, guess = self._choose_sheet(opened, sheet)
        if header_row is not None:
            guess = guess_for_row(head, header_row)
        sample: list[tuple[str, ...]] = []
        if guess.header_row is not None:
            for row in head.rows:
                if row.number > guess.header_row and len(sample) < SAMPLE_ROWS:
                    sample.append(tuple(_text(v) for v in row.cells))
        return FileOverview(
            path=path,
            kind=head.kind,
            sheet=head.name,
            sheet_names=tuple(head.sheet_names),
            guess=guess,
            sample=tuple(sample),
            notices=tuple(head.notices),
        )

    # -- step 2: the preview -------------------------------------------------------------

    def preview(
        self,
        path: Path,
        *,
        sheet: str | None = None,
        mapping: MappingSpec | None = None,
        as_of: date | None = None,
        today: date | None = None,
        progress: Progress | None = None,
    ) -> ImportPreview:
        """Read every row and match it against the book; nothing is written.

        ``as_of`` is the day the list's information was true ("Số liệu tính đến ngày",
        default ``today``): ages, "under 16", special-circumstance groups and every rule that
        depends on age are judged on it. A child then who is 16 by ``today`` is imported
        whole, as a child then, and her 16th birthday is recorded when the import runs.
        """
        self._require()
        imported_on = today or clock.today()
        today = check_as_of(as_of, imported_on)
        full, column_mapping, parsed = read_list(
            path,
            sheet=sheet,
            mapping=mapping,
            reference_date=today,
            progress=_part(progress, 0, 60),
        )
        plan = build_plan(
            parsed,
            _snapshot(self._book),
            today,
            may_edit_sensitive=self._book.user.may(Action.EDIT_SENSITIVE),
            progress=_part(progress, 60, 100),
        )
        return ImportPreview(
            path=path,
            sheet=full,
            mapping=column_mapping,
            parsed=parsed,
            plan=plan,
            reference_date=today,
            notices=tuple(full.notices),
            imported_on=imported_on,
        )

    # -- step 3: the import ---------------------------------------------------------------

    def run(self, preview: ImportPreview, progress: Progress | None = None) -> ImportResult:
        """Back up the book, then write the good rows in one transaction.

        The plan is rebuilt inside the transaction, so a change made to the book since the
        preview is taken into account. If ``progress`` raises (the officer pressed “Dừng”),
        the transaction is rolled back and the book is exactly as before.
        """
        self._require()
        backup_file: Path | None = None
        if preview.plan.created or preview.plan.updated:
            from desktop.core.services.backup import BackupService

            backup_file = BackupService(self._book).backup_before("import").path
        with self._book.transaction() as session:
            plan = build_plan(
                preview.parsed,
                _snapshot_in(session),
                preview.reference_date,
                may_edit_sensitive=self._book.user.may(Action.EDIT_SENSITIVE),
            )
            if (plan.created or plan.updated) and backup_file is None:
                # The book changed since the preview, which had nothing to write: no write
                # without a backup, so the officer previews again.
                raise ImportFileError(
                    "Sổ đã thay đổi kể từ lúc xem trước. Hãy xem trước lại rồi nhập; chưa có "
                    "gì được ghi."
                )
            counts = apply_plan(session, plan, progress)
            if preview.reference_date < preview.today:
                _record_birthdays_since(session, counts, preview.reference_date, preview.today)
        return ImportResult(_summary(preview, plan, done=True), counts, backup_file)

    def write_rejected(
        self,
        preview: ImportPreview,
        path: Path,
        protection: ExportProtection | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Write the rejected rows, with an error column, to ``path``; the rows written.

        ``progress(done, total)`` follows the rows written (99,000 rows take about a minute).
        """
        self._book.user.require(Action.EXPORT)
        parsed, problems = preview.parsed, preview.plan.problems
        # Every row rejected while reading is in the spool, in row order; the rows the plan
        # rejected (good rows that contradict the book or each other) are held in memory.
        planned = [
            (parsed.source_rows[n], problems[n])
            for n in sorted(problems)
            if n not in parsed.problems
        ]
        width = max([parsed.spool.width, *(len(r.cells) for r, _found in planned)])
        rows = heapq.merge(parsed.spool, planned, key=lambda item: item[0].number)
        total = parsed.spool.rows + len(planned)
        written = write_rejected(
            path,
            preview.mapping.headers,
            rows,
            width,
            protection=protection,
            progress=progress,
            total=total,
        )
        from desktop.core.services.audit import record_export

        record_export(
            self._book,
            what="import-rejected-rows",
            path=str(path),
            rows=written,
            protected=protection is not None and protection.enabled,
            personal=True,
        )
        return written


def read_list(
    path: Path,
    *,
    sheet: str | None = None,
    mapping: MappingSpec | None = None,
    reference_date: date,
    progress: Progress | None = None,
) -> tuple[Sheet, ColumnMapping, ParseResult]:
    """Read and check every row of a list: the sheet read, its column mapping, the rows.

    The one reading of a list, for an import and for bringing in a former commune's list
    (``merge_list.py``); ``reference_date`` is the list's date. ImportFileError when the file
    cannot be read, has no header row or required column, or no data row; nothing is written.
    """
    wanted_sheet = sheet or (mapping.sheet if mapping else None)
    with reader.SpreadsheetFile(path) as opened:
        head, guess = ImportService._choose_sheet(opened, wanted_sheet)
        if guess.problems and mapping is None:
            raise ImportFileError("\n".join(guess.problems))
        if mapping is not None:
            wanted_row = mapping.header_row or 0
            if not head.complete and wanted_row > max((r.number for r in head.rows), default=0):
                # A header row further down than the rows read to guess it.
                head = opened.read(head.name or None, limit=wanted_row + 1)
            column_mapping = apply_mapping(head, mapping, guess)
        elif guess.is_template:
            column_mapping = guess.mapping()
        else:
            raise ImportFileError(
                "Tệp không dùng đúng tên cột của mẫu nhập, nên cần ghép cột trước khi nhập. "
                + (
                    "Thiếu các cột: "
                    + ", ".join(f"“{m}”" for m in guess.mapping().missing_required())
                    + "."
                    if guess.header_row is not None
                    else "Không tìm thấy dòng tiêu đề cột."
                )
            )
        missing = column_mapping.missing_required()
        if missing:
            raise ImportFileError(
                "Chưa có cột cho các trường bắt buộc: " + ", ".join(f"“{m}”" for m in missing) + "."
            )
        # The rows stream from the file into the checks: the sheet is never held whole.
        rows = opened.stream(head.name or None)
        parsed = parse_rows(
            rows,
            column_mapping,
            reference_date,
            progress,
            expected_rows=rows.expected_rows,
        )
    if parsed.below_header == 0:
        raise ImportFileError(
            f"Tệp “{path.name}” không có dòng dữ liệu nào dưới dòng tiêu đề "
            f"(dòng {column_mapping.header_row})."
        )
    full = Sheet(
        file_name=head.file_name,
        kind=head.kind,
        name=rows.name,
        rows=[],  # the rows were streamed, not kept
        sheet_names=head.sheet_names,
        notices=rows.notices,
    )
    return full, column_mapping, parsed


AS_OF_LABEL = "Số liệu tính đến ngày"


def check_as_of(as_of: date | None, today: date) -> date:
    """The list's date (``today`` if not given), or ImportFileError naming the field."""
    if as_of is None:
        return today
    if as_of > today:
        raise ImportFileError(
            f"{AS_OF_LABEL}: {format_vn_date(as_of)} ở sau hôm nay ({format_vn_date(today)}). "
            "Hãy ghi ngày mà thông tin trong danh sách đúng; chưa có gì được ghi."
        )
    if as_of.year < 1900:
        raise ImportFileError(
            f"{AS_OF_LABEL}: {format_vn_date(as_of)} trước năm 1900, không thể đúng. "
            "Chưa có gì được ghi."
        )
    return as_of


def _record_birthdays_since(
    session: Session, counts: ApplyCounts, as_of: date, today: date
) -> None:
    """Record the 16th birthdays that came between the list's date and today (R02)."""
    due = [pid for pid, born in counts.children if as_of < sixteenth_birthday(born) <= today]
    for person in repo.load_persons(session, due).values():
        record_sixteenth_birthday(session, person, as_of, today)


def write_import_template(path: Path) -> Path:
    """Write the documented import template (.xlsx) to ``path``."""
    write_template(path)
    return path


def _part(progress: Progress | None, start: int, end: int) -> Progress | None:
    """Report ``done/total`` of one step as a share ``start``–``end`` of 100."""
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        share = start + (end - start) * (done / total if total else 1)
        progress(int(share), 100)

    return report
