"""Fixtures of the household book's tests."""

from __future__ import annotations

import pytest

from desktop.core.services.book import Book
from desktop.core.services.households import HouseholdService


@pytest.fixture
def second_hamlet(book: Book) -> str:
    """Another hamlet ("Xóm Bắc")."""
    return HouseholdService(book).add_hamlet("Xóm Bắc").id
