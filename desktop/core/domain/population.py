"""Age groups used by the population report (0–2, 3–5, 6–10, 11–15)."""

from __future__ import annotations

from datetime import date

from desktop.core.domain.dates import age_on, is_child_on

AGE_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("0–2 tuổi", 0, 2),
    ("3–5 tuổi", 3, 5),
    ("6–10 tuổi", 6, 10),
    ("11–15 tuổi", 11, 15),
)

SEX_MALE, SEX_FEMALE, SEX_UNKNOWN = 1, 2, 3
SEX_LABELS = {SEX_MALE: "Nam", SEX_FEMALE: "Nữ", SEX_UNKNOWN: "Chưa xác định"}


def age_group(birth: date, on: date) -> str | None:
    """The label of the age group a person is in on ``on``, or None if not a child then."""
    if not is_child_on(birth, on):
        return None
    age = age_on(birth, on)
    for label, low, high in AGE_GROUPS:
        if low <= age <= high:
            return label
    return None
