"""Serif font family for printed reports, and the NFC rule for every string drawn with it."""

from __future__ import annotations

import threading
import unicodedata

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from resources import resource_path

FAMILY = "SoTreEmSerif"
REGULAR = FAMILY
BOLD = f"{FAMILY}-Bold"
ITALIC = f"{FAMILY}-Italic"
BOLD_ITALIC = f"{FAMILY}-BoldItalic"

# Liberation Serif is metric-compatible with Times New Roman (the font NĐ 30/2020 expects),
# covers Vietnamese and may be bundled under the SIL OFL; Times New Roman may not.
_FACES: dict[str, str] = {
    REGULAR: "LiberationSerif-Regular.ttf",
    BOLD: "LiberationSerif-Bold.ttf",
    ITALIC: "LiberationSerif-Italic.ttf",
    BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}

# Reports may be rendered from a background thread while another one is starting.
_lock = threading.Lock()
_registered = False


def register_fonts() -> str:
    """Register the report font family with reportlab once and return its family name."""
    global _registered  # noqa: PLW0603 - a process-wide "done once" flag is the point
    with _lock:
        if _registered:
            return FAMILY
        for name, file_name in _FACES.items():
            pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file_name))))
        pdfmetrics.registerFontFamily(
            FAMILY, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC
        )
        _registered = True
        return FAMILY


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC, the only form the report fonts are drawn from."""
    # Decomposed input ("a" + combining marks) would be drawn mark by mark from separate
    # glyphs and extracted as different text; the precomposed Vietnamese letters are in the font.
    return unicodedata.normalize("NFC", text)


def upper_nfc(text: str) -> str:
    """Return ``text`` uppercased in NFC (e.g. "xã Hoàng Kim" → "XÃ HOÀNG KIM")."""
    return nfc(nfc(text).upper())
