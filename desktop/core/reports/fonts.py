"""Serif font family for printed reports (Liberation Serif, registered once with reportlab)."""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from desktop.core.domain.text import nfc
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


def font_files() -> tuple[Path, ...]:
    """The four faces' files (the screen registers them to show the charts' SVG in the
    PDF's font: their family is "Liberation Serif")."""
    return tuple(resource_path("fonts", name) for name in _FACES.values())


def upper_nfc(text: str) -> str:
    """Return ``text`` uppercased in NFC (e.g. "xã Hoàng Kim" → "XÃ HOÀNG KIM")."""
    # Every string is drawn in NFC: decomposed input ("a" + combining marks) would be drawn
    # mark by mark and extracted as different text; the precomposed letters are in the font.
    return nfc(nfc(text).upper())
