"""One signal that tells every screen what changed in the book.

A background operation that writes says what it changed (``run_op(..., changes=...)``, or
``announce()`` when a dialog learns it later); every screen that shows that kind of data
listens with ``on_change()`` and refreshes itself. No screen refreshes another by hand, so a
save in "Trẻ em" updates the household list and the "Chờ đồng bộ" count as well.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Signal


class Change(enum.StrEnum):
    """What kind of data an operation changed."""

    BOOK = "book"  # hamlets, households, persons, guardians, events, episodes: the register
    SYNC = "sync"  # rows sent or received, conflicts, enrolment
    USERS = "users"  # accounts and roles
    SETTINGS = "settings"  # the commune's details and the app's settings
    BACKUPS = "backups"  # a backup made, restored or removed


class _Hub(QObject):
    changed = Signal(object)  # frozenset[Change]


_hub: _Hub | None = None


def hub() -> QObject:
    """The application-wide hub (created on first use, on the GUI thread)."""
    global _hub  # noqa: PLW0603 - one hub per application, like QApplication itself
    if _hub is None:
        _hub = _Hub()
    return _hub


def announce(*what: Change) -> None:
    """Tell every screen that ``what`` changed (call on the GUI thread)."""
    if what:
        hub_ = hub()
        assert isinstance(hub_, _Hub)
        hub_.changed.emit(frozenset(what))


class _Listener(QObject):
    """Calls ``slot`` when one of ``kinds`` changed; lives and dies with its owner widget."""

    def __init__(self, owner: QObject, kinds: frozenset[Change], slot: Callable[[], object]):
        super().__init__(owner)
        self._kinds = kinds
        self._slot = slot

    def receive(self, what: object) -> None:
        if isinstance(what, frozenset) and what & self._kinds:
            self._slot()


def on_change(owner: QObject, kinds: Iterable[Change], slot: Callable[[], object]) -> QObject:
    """Call ``slot`` whenever one of ``kinds`` changes, until ``owner`` is destroyed."""
    listener = _Listener(owner, frozenset(kinds), slot)
    hub_ = hub()
    assert isinstance(hub_, _Hub)
    # A bound method of a QObject: Qt drops the connection when the listener is destroyed.
    hub_.changed.connect(listener.receive)
    return listener
