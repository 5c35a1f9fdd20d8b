"""The protection lists as data for ``sotreem protection list`` and as .xlsx files, with the
sensitive fields left out for roles without VIEW_SENSITIVE and the informant never included."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.services.book import Book


class ListKind(enum.StrEnum):
    """Which list."""

    SPECIAL = "special"
    RISK = "risk"
    CASES = "cases"
    INJURIES = "injuries"
    SUPPORTS = "supports"
    LABOUR = "labour"
    MARRIAGE = "marriage"


@dataclass(frozen=True)
class ProtectionTable:
    """A list as columns (Vietnamese headers) and rows of plain values (JSON-able)."""

    kind: ListKind
    title: str
    keys: tuple[str, ...]  # stable JSON keys
    headers: tuple[str, ...]  # Vietnamese column titles
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""  # e.g. what was hidden for the role


class ProtectionExportService:
    """Lists of child protection for the command line and Excel."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def table(self, kind: ListKind) -> ProtectionTable:
        """The list as the current role may see it (audited as a view when it has names)."""
        raise NotImplementedError

    def to_json(self, kind: ListKind) -> str:
        """The list as a JSON document: {"kind", "title", "rows": [{key: value}]}."""
        raise NotImplementedError

    def export_xlsx(self, kind: ListKind, path: Path, password: str | None = None) -> Path:
        """Write the list to ``path`` (EXPORT permission; audited; optional password)."""
        raise NotImplementedError
