"""Find the header row (it may sit below title rows) and map the file's columns to fields."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.domain.text import clean_text
from desktop.core.importer.fields import (
    ALL_FIELDS,
    FIELDS_BY_KEY,
    REQUIRED_KEYS,
    TEMPLATE_FIELDS,
    field_for_header,
    header_key,
    template_field_for,
)
from desktop.core.importer.reader import ImportFileError, Sheet, SheetRow, is_blank

HEADER_SCAN_ROWS = 30
_COLUMN_LETTERS = re.compile(r"^[A-Za-z]{1,3}$")


@dataclass(frozen=True)
class ColumnMapping:
    """Which column of the file holds each field; ``header_row`` is as the spreadsheet shows."""

    header_row: int
    columns: dict[str, int]  # field key → 0-based column index
    headers: tuple[str, ...]  # the texts of the header row, one per column
    is_template: bool

    def header_of(self, key: str) -> str:
        """The file's own header of the column holding ``key``."""
        column = self.columns[key]
        text = self.headers[column] if column < len(self.headers) else ""
        return text or column_label(column)

    def missing_required(self) -> list[str]:
        """Template headers of the required fields no column is mapped to."""
        return [FIELDS_BY_KEY[k].header for k in REQUIRED_KEYS if k not in self.columns]


@dataclass(frozen=True)
class HeaderGuess:
    """What was found in the first rows: a template header row, or a best guess to map."""

    header_row: int | None
    headers: tuple[str, ...]
    suggested: dict[str, int]  # field key → column, from the template headers and aliases
    is_template: bool
    problems: list[str] = field(default_factory=list)  # e.g. a column present twice

    def mapping(self) -> ColumnMapping:
        """The suggestion as a mapping (the header row must have been found)."""
        if self.header_row is None:
            raise ImportFileError(
                "Không tìm thấy dòng tiêu đề cột trong tệp. Dòng tiêu đề phải có các cột như "
                "“Thôn/Tổ dân phố”, “Số hộ”, “Họ tên trẻ”, “Ngày sinh”, “Giới tính”."
            )
        return ColumnMapping(self.header_row, dict(self.suggested), self.headers, self.is_template)


def column_label(column: int) -> str:
    """0 → "A", 27 → "AB" (the letters Excel shows above a column)."""
    number, letters = column + 1, ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """ "A" → 0, "AB" → 27."""
    number = 0
    for char in letters.upper():
        number = number * 26 + (ord(char) - ord("A") + 1)
    return number - 1


def _texts(row: SheetRow) -> tuple[str, ...]:
    return tuple("" if is_blank(v) else clean_text(str(v)) for v in row.cells)


def detect_header(sheet: Sheet) -> HeaderGuess:
    """The header row among the first rows: the template's if all required headers are there."""
    best_template: tuple[int, SheetRow] | None = None
    best_alias: tuple[int, SheetRow] | None = None
    for row in sheet.rows[:HEADER_SCAN_ROWS]:
        texts = _texts(row)
        template_hits = len({template_field_for(t) for t in texts if template_field_for(t)})
        alias_hits = len({field_for_header(t) for t in texts if field_for_header(t)})
        if template_hits and (best_template is None or template_hits > best_template[0]):
            best_template = (template_hits, row)
        if alias_hits and (best_alias is None or alias_hits > best_alias[0]):
            best_alias = (alias_hits, row)
    if best_template is not None:
        row = best_template[1]
        columns, problems = _match(row, template_only=True)
        if all(k in columns for k in REQUIRED_KEYS) and not problems:
            # Columns beyond the template (e.g. "Quan hệ với chủ hộ") are picked up too.
            extra, _ = _match(row, template_only=False)
            for key, column in extra.items():
                if key not in columns and column not in columns.values():
                    columns[key] = column
            return HeaderGuess(row.number, _texts(row), columns, True, [])
    if best_alias is not None and best_alias[0] >= 2:
        row = best_alias[1]
        columns, problems = _match(row, template_only=False)
        return HeaderGuess(row.number, _texts(row), columns, False, problems)
    # Nothing recognised: offer the first row with several texts as the header to map.
    for row in sheet.rows[:HEADER_SCAN_ROWS]:
        texts = _texts(row)
        if sum(1 for t in texts if t and not _is_number(t)) >= 3:
            return HeaderGuess(row.number, texts, {}, False, [])
    return HeaderGuess(None, (), {}, False, [])


def guess_for_row(sheet: Sheet, number: int) -> HeaderGuess:
    """The header row a person chose (``number``), with the fields its texts suggest."""
    row = next((r for r in sheet.rows if r.number == number), None)
    if row is None:
        return HeaderGuess(None, (), {}, False, [])
    columns, problems = _match(row, template_only=False)
    template, _ = _match(row, template_only=True)
    is_template = all(k in template for k in REQUIRED_KEYS) and not problems
    return HeaderGuess(row.number, _texts(row), columns, is_template, problems)


def _is_number(text: str) -> bool:
    return text.replace(".", "").replace(",", "").replace("/", "").isdigit()


def _match(row: SheetRow, *, template_only: bool) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    problems: list[str] = []
    for column, text in enumerate(_texts(row)):
        key = template_field_for(text) if template_only else field_for_header(text)
        if key is None:
            continue
        if key in columns:
            first = column_label(columns[key])
            problems.append(
                f"Cột “{FIELDS_BY_KEY[key].header}” có hai lần (cột {first} và "
                f"{column_label(column)}, dòng {row.number}). Hãy xóa hoặc đổi tên một cột."
            )
            continue
        columns[key] = column
    return columns, problems


# -- explicit mappings (the mapping step, or ``--mapping`` for the command line) ------------


@dataclass(frozen=True)
class MappingSpec:
    """A mapping written by a person: header row, and for each field a header or a column."""

    columns: dict[str, str]  # field key → the file's header text, or a column letter
    header_row: int | None = None
    sheet: str | None = None

    def to_json(self) -> str:
        """The mapping as the JSON a ``--mapping`` file holds (field headers as keys)."""
        data: dict[str, Any] = {}
        if self.sheet:
            data["sheet"] = self.sheet
        if self.header_row is not None:
            data["header_row"] = self.header_row
        data["columns"] = {FIELDS_BY_KEY[k].header: v for k, v in self.columns.items()}
        return json.dumps(data, ensure_ascii=False, indent=2)


def load_mapping_file(path: Path) -> MappingSpec:
    """Read a ``--mapping`` JSON file; ImportFileError naming what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ImportFileError(f"Không tìm thấy tệp ánh xạ cột “{path.name}”.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(
            f"Tệp ánh xạ cột “{path.name}” không đúng dạng JSON ({exc}). Xem ví dụ trong "
            "docs/import-template.md."
        ) from None
    return parse_mapping(data, path.name)


def parse_mapping(data: object, source: str = "ánh xạ") -> MappingSpec:
    """A MappingSpec from decoded JSON: {"header_row": 3, "columns": {"Số hộ": "C", …}}."""
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise ImportFileError(
            f"Tệp {source} phải có mục “columns” ghi cột của từng trường, ví dụ "
            '{"columns": {"Số hộ": "B", "Họ tên trẻ": "Họ và tên"}}.'
        )
    by_name = {header_key(f.header): f.key for f in ALL_FIELDS}
    by_name.update({f.key: f.key for f in ALL_FIELDS})
    columns: dict[str, str] = {}
    for name, value in data["columns"].items():
        key = by_name.get(header_key(name)) or by_name.get(str(name))
        if key is None:
            known = ", ".join(f"“{f.header}”" for f in ALL_FIELDS)
            raise ImportFileError(
                f"Tệp {source}: trường “{name}” không có. Các trường được nhận: {known}."
            )
        if value is None or str(value).strip() == "":
            continue
        columns[key] = str(value).strip()
    header_row = data.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise ImportFileError(f"Tệp {source}: “header_row” phải là số dòng (từ 1).")
    sheet = data.get("sheet")
    return MappingSpec(columns, header_row, str(sheet) if sheet else None)


def apply_mapping(sheet: Sheet, spec: MappingSpec, guess: HeaderGuess) -> ColumnMapping:
    """Resolve a MappingSpec against the file: header texts or letters → column indexes."""
    header_row = spec.header_row or guess.header_row
    row = next((r for r in sheet.rows if r.number == header_row), None)
    if header_row is None or row is None:
        raise ImportFileError(
            f"Dòng tiêu đề {header_row or '?'} không có trong tệp hoặc là dòng trống. Hãy ghi "
            "đúng số dòng tiêu đề (như Excel hiển thị)."
        )
    texts = _texts(row)
    by_header: dict[str, int] = {}
    for column, text in enumerate(texts):
        if text:
            by_header.setdefault(header_key(text), column)
    columns: dict[str, int] = {}
    for key, wanted in spec.columns.items():
        found = by_header.get(header_key(wanted))
        if found is None and _COLUMN_LETTERS.match(wanted):
            found = column_index(wanted)
        if found is None:
            available = ", ".join(f"“{t}”" for t in texts if t)
            raise ImportFileError(
                f"Trường “{FIELDS_BY_KEY[key].header}” được gán cho cột “{wanted}”, nhưng dòng "
                f"tiêu đề {header_row} không có cột đó. Các cột có: {available}."
            )
        columns[key] = found
    used: dict[int, str] = {}
    for key, column in columns.items():
        if column in used:
            first = FIELDS_BY_KEY[used[column]].header
            raise ImportFileError(
                f"Cột {column_label(column)} được gán cho cả “{first}” và "
                f"“{FIELDS_BY_KEY[key].header}”. Mỗi cột chỉ gán cho một trường."
            )
        used[column] = key
    mapping = ColumnMapping(header_row, columns, texts, is_template=False)
    missing = mapping.missing_required()
    if missing:
        raise ImportFileError(
            "Chưa gán cột cho các trường bắt buộc: " + ", ".join(f"“{m}”" for m in missing) + "."
        )
    return mapping


def template_headers_text() -> str:
    """The template's headers, quoted, for messages."""
    return ", ".join(f"“{f.header}”" for f in TEMPLATE_FIELDS)
