"""Code lists bundled with the app (ethnic groups, poverty status, relations …)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from desktop.core.domain.collation import vn_sort_key
from resources import resource_path


@dataclass(frozen=True)
class Code:
    """One entry of a code list."""

    code: str
    name: str


@cache
def _load(file_name: str, code_column: str = "code") -> tuple[Code, ...]:
    with resource_path("codes", file_name).open(encoding="utf-8", newline="") as handle:
        return tuple(Code(row[code_column], row["name_vi"]) for row in csv.DictReader(handle))


def ethnic_groups() -> tuple[Code, ...]:
    """The 54 ethnic groups and the foreigner code (1979 order), Kinh first then A–Z."""
    codes = _load("ethnic_groups.csv")
    return (codes[0], *sorted(codes[1:], key=lambda c: vn_sort_key(c.name)))


def poverty_statuses() -> tuple[Code, ...]:
    """HN01 nghèo, HN02 cận nghèo, HN03 không."""
    return _load("poverty_status.csv")


def household_relations() -> tuple[Code, ...]:
    """Relationship to the head of household, in the book's kinship order."""
    return _load("household_relations.csv")


def name_of(codes: tuple[Code, ...], code: str | None) -> str:
    """The Vietnamese name of ``code`` in ``codes`` (the code itself if unknown)."""
    for item in codes:
        if item.code == code:
            return item.name
    return code or ""
