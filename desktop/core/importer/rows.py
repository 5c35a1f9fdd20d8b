"""Turn the data rows of a sheet into plain row dataclasses, or row-level problems."""

from __future__ import annotations

import pickle
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from desktop.core.domain.dates import is_child_on
from desktop.core.domain.text import fold
from desktop.core.importer import values
from desktop.core.importer.fields import FIELDS_BY_KEY, header_key
from desktop.core.importer.headers import ColumnMapping
from desktop.core.importer.reader import Cell, Sheet, SheetRow, is_blank
from desktop.core.importer.values import CellProblem


@dataclass(frozen=True)
class RowProblem:
    """One problem of one row: the row as the spreadsheet numbers it, the column's header."""

    row: int
    column: str  # the file's header of the column ("" when it is about the whole row)
    message: str
    hint: str = ""

    @property
    def text(self) -> str:
        """“Dòng 7, cột “Ngày sinh”: … . Hãy …”."""
        where = f"Dòng {self.row}, cột “{self.column}”" if self.column else f"Dòng {self.row}"
        message = self.message[:1].upper() + self.message[1:] if self.message else ""
        return f"{where}: {message} {self.hint}".strip()


@dataclass(frozen=True)
class HouseholdData:
    """The household columns of one row."""

    hamlet: str
    number: str
    head_name: str
    address: str | None = None
    poverty_code: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class PersonData:
    """The person columns of one row; None means "not given" (nothing is erased)."""

    full_name: str
    birth_date: date
    sex: int
    birth_date_estimated: bool = False
    ethnicity_code: str | None = None
    id_number: str | None = None
    birth_registered: bool | None = None
    insurance_card: bool | None = None
    schooling_code: str | None = None
    special_groups: tuple[int, ...] = ()
    father: str | None = None
    mother: str | None = None
    carer: str | None = None
    notes: str | None = None
    relation_code: str | None = None


@dataclass(frozen=True)
class ParsedRow:
    """A row that reads well; ``is_child`` is False for a person aged 16 or over."""

    row: int
    household: HouseholdData
    person: PersonData
    is_child: bool
    remarks: tuple[str, ...] = ()  # how an incomplete value was completed


# Rows rejected while reading that are kept in memory with their problems, for the screen;
# every rejected row, these included, is also in the compact spool the rejected-rows file is
# written from. The counts are always exact.
KEPT_REJECTED_ROWS = 1_000
_SPOOL_BATCH: Final = 500


class RejectedSpool:
    """Every row rejected while reading, with its problems, kept compactly as it streams.

    Rows are pickled and zlib-compressed in batches, in memory: a list of junk takes a few
    per cent of the room its rows would as objects, and the children's data never goes to an
    unencrypted temporary file. Read back in row order with ``iter(spool)``.
    """

    def __init__(self) -> None:
        self._blocks: list[bytes] = []
        self._batch: list[tuple[int, tuple[Cell, ...], tuple[tuple[str, str, str], ...]]] = []
        self.rows = 0
        self.width = 0  # the widest row's cells

    def add(self, row: SheetRow, problems: list[RowProblem]) -> None:
        """Keep ``row`` and its problems."""
        self._batch.append(
            (row.number, row.cells, tuple((p.column, p.message, p.hint) for p in problems))
        )
        self.rows += 1
        self.width = max(self.width, len(row.cells))
        if len(self._batch) >= _SPOOL_BATCH:
            self._seal()

    def _seal(self) -> None:
        if self._batch:
            self._blocks.append(zlib.compress(pickle.dumps(self._batch, pickle.HIGHEST_PROTOCOL)))
            self._batch = []

    def __iter__(self) -> Iterator[tuple[SheetRow, list[RowProblem]]]:
        self._seal()
        for block in self._blocks:
            # Our own bytes, made above in this process: never data from outside.
            for number, cells, problems in pickle.loads(zlib.decompress(block)):
                yield (
                    SheetRow(number, cells),
                    [RowProblem(number, c, m, h) for c, m, h in problems],
                )

    @property
    def size(self) -> int:
        """Bytes held (compressed)."""
        return sum(len(b) for b in self._blocks)


@dataclass
class ParseResult:
    """The rows of a sheet: read well, or with their problems (by row number).

    ``problems`` and the rejected rows' ``source_rows`` hold the first
    ``KEPT_REJECTED_ROWS`` rejected rows only; ``rejected_total`` and ``problem_total`` count
    them all, and ``spool`` holds them all.
    """

    mapping: ColumnMapping
    rows: list[ParsedRow] = field(default_factory=list)
    problems: dict[int, list[RowProblem]] = field(default_factory=dict)
    source_rows: dict[int, SheetRow] = field(default_factory=dict)  # good and kept rows
    spool: RejectedSpool = field(default_factory=RejectedSpool)
    rejected_total: int = 0
    problem_total: int = 0
    data_rows: int = 0  # every data row read (good and rejected)
    below_header: int = 0  # every non-blank row below the header, data or not
    kept_rejected: int = KEPT_REJECTED_ROWS

    def reject_row(self, row: SheetRow, problems: list[RowProblem]) -> None:
        """Reject ``row`` for ``problems``: counted, spooled, and kept if among the first."""
        self.rejected_total += 1
        self.problem_total += len(problems)
        self.spool.add(row, problems)
        if len(self.problems) < self.kept_rejected:
            self.problems[row.number] = list(problems)
            self.source_rows[row.number] = row

    @property
    def dropped_rows(self) -> int:
        """Rejected rows not kept in memory (they are in the spool)."""
        return self.rejected_total - len(self.problems)

    @property
    def dropped_problems(self) -> int:
        """Problems of the rejected rows not kept in memory."""
        return self.problem_total - sum(len(p) for p in self.problems.values())


Progress = Callable[[int, int], None]


def parse_rows(
    sheet: Sheet | Iterable[SheetRow],
    mapping: ColumnMapping,
    today: date,
    progress: Progress | None = None,
    *,
    expected_rows: int = 0,
    kept_rejected: int | None = None,
) -> ParseResult:
    """Parse every data row below the header row, one at a time.

    ``sheet`` is a whole Sheet or the rows streaming from the reader; ``expected_rows`` is
    how many rows a stream probably has (for ``progress`` only). ``kept_rejected`` rejected
    rows are kept with their problems (default ``KEPT_REJECTED_ROWS``).
    """
    kept = KEPT_REJECTED_ROWS if kept_rejected is None else kept_rejected
    result = ParseResult(mapping, kept_rejected=kept)
    header_texts = {
        key: header_key(mapping.headers[col])
        for key, col in mapping.columns.items()
        if col < len(mapping.headers)
    }
    source = sheet.rows if isinstance(sheet, Sheet) else sheet
    total = len(source) if isinstance(source, list) else expected_rows
    columns = list(mapping.columns.items())
    cache: dict[tuple[str, object], Any] = {}
    index = 0
    for row in source:
        if row.number <= mapping.header_row:
            continue
        if progress is not None and index % 500 == 0:
            progress(index, max(total, index))
        index += 1
        cells = {key: row.cell(col) for key, col in columns}
        if all(is_blank(v) for v in cells.values()):
            continue  # nothing in the mapped columns (e.g. a note beside the table)
        if _repeats_header(cells, header_texts):
            continue  # the header printed again on a later page
        result.data_rows += 1
        parsed = _parse_row(row.number, cells, mapping, today, cache)
        if isinstance(parsed, ParsedRow):
            result.source_rows[row.number] = row
            result.rows.append(parsed)
        else:
            result.reject_row(row, parsed)
    result.below_header = index
    if progress is not None:
        progress(index, index)
    return result


def _repeats_header(cells: dict[str, Cell], header_texts: dict[str, str]) -> bool:
    same = 0
    for key, value in cells.items():
        wanted = header_texts.get(key)
        if wanted is None or not isinstance(value, str):
            continue
        # A cheap first test: the header as compared starts with its first letter folded
        # (folding every cell of every row was a quarter of the time of a list of junk).
        first = value.lstrip()[:1]
        if wanted and first and not unicodedata.combining(first):
            folded = _FIRST_FOLDED.get(first)
            if folded is None:
                folded = _FIRST_FOLDED[first] = fold(first)[:1]
            if folded and folded != wanted[0]:
                continue
        if header_key(value) == wanted:
            same += 1
            if same >= 3:
                return True
    return False


# First character → its first folded character; bounded by the characters that exist.
_FIRST_FOLDED: dict[str, str] = {}


_MISSING: Final = object()
_CACHE_LIMIT: Final = 20_000


def _cached(
    cache: dict[tuple[str, object], Any], kind: str, cell: Cell, read: Callable[[Cell], Any]
) -> Any:
    # Hamlet names, sexes, ethnicities repeat thousands of times: read each text once.
    if not isinstance(cell, str):
        return read(cell)
    key = (kind, cell)
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        try:
            found = read(cell)
        except CellProblem as exc:
            found = exc.with_traceback(None)  # keep the message, not the frames
        if len(cache) < _CACHE_LIMIT:  # a list of unique junk must not grow it forever
            cache[key] = found
    if isinstance(found, CellProblem):
        raise found
    return found


def _parse_row(
    number: int,
    cells: dict[str, Cell],
    mapping: ColumnMapping,
    today: date,
    cache: dict[tuple[str, object], Any],
) -> ParsedRow | list[RowProblem]:
    problems: list[RowProblem] = []
    remarks: list[str] = []
    got: dict[str, Any] = {}

    def read(key: str, reader: Callable[[Cell], Any], cached: bool = False) -> None:
        if key not in mapping.columns:
            return
        cell = cells.get(key)
        try:
            got[key] = _cached(cache, key, cell, reader) if cached else reader(cell)
        except CellProblem as exc:
            problems.append(RowProblem(number, mapping.header_of(key), exc.message, exc.hint))
            return
        if got[key] is None and FIELDS_BY_KEY[key].required:
            problems.append(
                RowProblem(
                    number,
                    mapping.header_of(key),
                    "chưa ghi.",
                    f"Cột này bắt buộc: {FIELDS_BY_KEY[key].allowed}",
                )
            )

    read("hamlet", values.text, cached=True)
    read("household_number", values.household_number)
    read("head_name", values.name)
    read("address", values.text)
    read("poverty", values.poverty, cached=True)
    read("phone", values.phone)
    read("full_name", values.name)
    if "birth_date" in mapping.columns:
        try:
            born = values.birth_date(cells.get("birth_date"), today)
        except CellProblem as exc:
            problems.append(
                RowProblem(number, mapping.header_of("birth_date"), exc.message, exc.hint)
            )
        else:
            got["birth_date"] = born
            if born.note:
                remarks.append(born.note)
    read("sex", values.sex, cached=True)
    read("ethnicity", values.ethnicity, cached=True)
    if "id_number" in mapping.columns:
        try:
            found_id = values.id_number(cells.get("id_number"))
        except CellProblem as exc:
            problems.append(
                RowProblem(number, mapping.header_of("id_number"), exc.message, exc.hint)
            )
        else:
            got["id_number"] = found_id.value if found_id else None
            if found_id and found_id.note:
                remarks.append(found_id.note)
    read("birth_registered", lambda c: values.yes_no(c, "Có", "Chưa"), cached=True)
    read("insurance", lambda c: values.yes_no(c, "Có", "Không"), cached=True)
    read("schooling", values.schooling, cached=True)
    read("special", values.special_groups, cached=True)
    read("father", values.name)
    read("mother", values.name)
    read("carer", values.name)
    read("notes", values.text)
    read("relation", values.relation, cached=True)
    if problems:
        return problems

    born_value: values.BirthDate = got["birth_date"]
    is_child = is_child_on(born_value.value, today)
    groups: tuple[int, ...] = got.get("special") or ()
    if groups and not is_child:
        return [
            RowProblem(
                number,
                mapping.header_of("special"),
                "người này đã đủ 16 tuổi (theo ngày sinh) nên không thuộc nhóm hoàn cảnh "
                "đặc biệt của trẻ em.",
                "Hãy kiểm tra lại ngày sinh, hoặc xóa ô hoàn cảnh đặc biệt.",
            )
        ]
    household = HouseholdData(
        hamlet=got["hamlet"],
        number=got["household_number"],
        head_name=got["head_name"],
        address=got.get("address"),
        poverty_code=got.get("poverty"),
        phone=got.get("phone"),
    )
    relation = got.get("relation")
    if relation is None and fold(got["full_name"]) == fold(household.head_name):
        relation = "QH01"  # the head's own row
    person = PersonData(
        full_name=got["full_name"],
        birth_date=born_value.value,
        birth_date_estimated=born_value.estimated,
        sex=got["sex"],
        ethnicity_code=got.get("ethnicity"),
        id_number=got.get("id_number"),
        birth_registered=got.get("birth_registered"),
        insurance_card=got.get("insurance"),
        schooling_code=got.get("schooling"),
        special_groups=groups,
        father=got.get("father"),
        mother=got.get("mother"),
        carer=got.get("carer"),
        notes=got.get("notes"),
        relation_code=relation,
    )
    return ParsedRow(number, household, person, is_child, tuple(remarks))
