"""Text rules: names are stored NFC with single spaces; search uses a folded key."""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC (composed) form."""
    return unicodedata.normalize("NFC", text)


def clean_text(text: str | None) -> str:
    """NFC, trimmed, inner runs of white space folded to one space."""
    if text is None:
        return ""
    return _SPACES.sub(" ", nfc(text)).strip()


@functools.cache
def _combining_marks() -> dict[int, None]:
    """Every combining mark, for ``str.translate`` to drop (one C pass instead of a loop)."""
    return {c: None for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))}


def fold(text: str | None) -> str:
    """Accent-insensitive search key: NFD, marks dropped, đ→d, casefolded, spaces folded.

    "Nguyễn Văn Đức" → "nguyen van duc".
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = decomposed.translate(_combining_marks())
    return _SPACES.sub(" ", stripped.casefold()).strip()
