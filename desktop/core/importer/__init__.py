"""Import lists of households and children from .xlsx and .csv files.

The steps, each a module: ``reader`` (file → rows of cells), ``headers`` (find the header
row, map columns to ``fields``), ``rows`` (cells → plain row dataclasses or problems),
``plan`` (match against the book: what is created, updated, unchanged, rejected), ``apply``
(write the plan inside the caller's transaction), ``rejected`` (the rejected rows as .xlsx).
``services/imports.py`` runs them with permissions, a backup and one transaction.
"""

from __future__ import annotations

from desktop.core.importer.fields import ALL_FIELDS, TEMPLATE_FIELDS, TEMPLATE_HEADERS, FieldSpec
from desktop.core.importer.headers import (
    ColumnMapping,
    HeaderGuess,
    MappingSpec,
    apply_mapping,
    detect_header,
    load_mapping_file,
    parse_mapping,
)
from desktop.core.importer.plan import ImportPlan, RowPlan
from desktop.core.importer.reader import MAX_FILE_MB, MAX_ROWS, ImportFileError, Sheet, read_sheet
from desktop.core.importer.rows import ParsedRow, ParseResult, RowProblem, parse_rows

__all__ = [
    "ALL_FIELDS",
    "MAX_FILE_MB",
    "MAX_ROWS",
    "TEMPLATE_FIELDS",
    "TEMPLATE_HEADERS",
    "ColumnMapping",
    "FieldSpec",
    "HeaderGuess",
    "ImportFileError",
    "ImportPlan",
    "MappingSpec",
    "ParseResult",
    "ParsedRow",
    "RowPlan",
    "RowProblem",
    "Sheet",
    "apply_mapping",
    "detect_header",
    "load_mapping_file",
    "parse_mapping",
    "parse_rows",
    "read_sheet",
]
