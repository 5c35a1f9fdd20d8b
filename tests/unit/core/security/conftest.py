"""Fixtures for the security tests: people with other roles in the same book."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book, open_book
from desktop.core.services.users import NewUser, UserService

OTHER_PASSWORD = "mat-khau-rieng-77"


@pytest.fixture
def login_as(book: Book) -> Iterator[Callable[..., Book]]:
    """Add a person with ``role`` (and hamlets) and return the book opened as them."""
    opened: list[Book] = []

    def make(username: str, role: Role, hamlet_ids: tuple[str, ...] = ()) -> Book:
        UserService(book).add_user(
            NewUser(username, f"Người {username}", role, OTHER_PASSWORD, hamlet_ids)
        )
        other = open_book(username, OTHER_PASSWORD)
        opened.append(other)
        return other

    yield make
    for other in opened:
        other.close()
