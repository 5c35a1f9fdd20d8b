"""When two person records are probably the same child (DOMAIN R08; import and entry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.core.domain.text import fold


@dataclass(frozen=True)
class MatchKeys:
    """The keys under which a person is looked up to find likely duplicates."""

    id_number: str | None  # same 12-digit ID → the same person (strongest)
    name_birth: str  # same folded name and date of birth, anywhere in the commune
    household_name: str | None  # same folded name in the same household


def match_keys(
    full_name: str, birth_date: date | None, id_number: str | None, household_id: str | None
) -> MatchKeys:
    """The duplicate-detection keys of one person."""
    name = fold(full_name)
    born = birth_date.isoformat() if birth_date else "?"
    return MatchKeys(
        id_number=(id_number or "").strip() or None,
        name_birth=f"{name}|{born}",
        household_name=f"{household_id}|{name}" if household_id else None,
    )


DUPLICATE_REASONS = {
    "id_number": "trùng số định danh",
    "name_birth": "trùng họ tên và ngày sinh",
    "household_name": "trùng họ tên trong cùng hộ",
}
