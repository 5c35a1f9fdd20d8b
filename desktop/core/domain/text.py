"""Text rules: names are stored NFC with single spaces; search uses a folded key."""

from __future__ import annotations

import re
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


def fold(text: str | None) -> str:
    """Accent-insensitive search key: NFD, marks dropped, đ→d, casefolded, spaces folded.

    "Nguyễn Văn Đức" → "nguyen van duc".
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


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
