"""The Qt binding installed keeps Python's reference counts (pyproject.toml excludes one that
does not)."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal


class _Sender(QObject):
    said = Signal(str)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="True is immortal from Python 3.12 on")
def test_an_emit_keeps_the_reference_count_of_true() -> None:
    """PySide6 6.12.0 drops a reference to True on every emit() from Python; on Python 3.11 the
    app then aborts after some thousands of emits ("bool_dealloc: deallocating True")."""
    sender = _Sender()
    before = sys.getrefcount(True)
    for _ in range(100):
        sender.said.emit("x")
    assert sys.getrefcount(True) - before > -50, "this PySide6 loses references to True"
