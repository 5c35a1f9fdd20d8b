"""Helpers for the household book's tests: a small book typed through the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from desktop.core.services.book import Book
from desktop.core.services.children import ChildForm
from desktop.core.services.households import HouseholdForm, HouseholdService

TODAY = date(2026, 11, 22)


def child(name: str, born: date, sex: int = 1, **fields: Any) -> ChildForm:
    """A ChildForm with the given fields."""
    return ChildForm(full_name=name, birth_date=born, sex=sex, **fields)


def save_household(
    book: Book, hamlet_id: str, number: str, head: str, *children: ChildForm, **fields: Any
) -> str:
    """Save a household (warnings accepted) and return its id."""
    form = HouseholdForm(
        hamlet_id=hamlet_id, number=number, head_name=head, children=list(children), **fields
    )
    return HouseholdService(book).save_household(form, today=TODAY, accept_warnings=True)


def ids_of(book: Book, household_id: str) -> dict[str, str]:
    """Member name → person id."""
    form = HouseholdService(book).get_household(household_id)
    return {c.full_name: c.id or "" for c in form.children}
