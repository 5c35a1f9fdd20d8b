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


def _single_spaced(text: str) -> str:
    """``text`` trimmed, inner runs of white space folded to one space."""
    # A printable text's only white space is the plain space (tabs, line breaks, NBSP and
    # the other separators are not printable): with no two in a row there is nothing to fold.
    if text.isprintable() and "  " not in text:
        return text.strip(" ")
    return _SPACES.sub(" ", text).strip()


def clean_text(text: str | None) -> str:
    """NFC, trimmed, inner runs of white space folded to one space."""
    if text is None:
        return ""
    return _single_spaced(nfc(text))


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
    if text.isascii():  # no marks and no đ: only case and spaces to fold
        return _single_spaced(text.lower())
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = decomposed.translate(_combining_marks())
    return _single_spaced(stripped.casefold())


def format_size(size: int) -> str:
    """A byte count as an officer reads it: "512 B", "3,4 KB", "1,1 MB", "2,0 GB".

    Decimal units (1 MB = 1.000.000 byte, as the backup limit is set in MB), one decimal
    with the Vietnamese decimal comma. The one size formatter for the CLI and every screen.
    """
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            break
    return f"{value:.1f} {unit}".replace(".", ",")
