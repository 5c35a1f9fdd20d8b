"""Report font family: registration, bold/italic mapping, Vietnamese coverage, NFC."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph, SimpleDocTemplate

from desktop.core.reports import fonts

from .conftest import page_fonts

# Every Vietnamese vowel with every tone, plus đ, in both cases.
_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
VIETNAMESE = (
    "".join(unicodedata.normalize("NFC", vowel + tone) for vowel in _VOWELS for tone in _TONES)
    + "đ"
)
VIETNAMESE += VIETNAMESE.upper()


def test_register_fonts_is_idempotent_and_registers_four_faces() -> None:
    assert fonts.register_fonts() == fonts.FAMILY
    assert fonts.register_fonts() == fonts.FAMILY
    registered = pdfmetrics.getRegisteredFontNames()
    for face in (fonts.REGULAR, fonts.BOLD, fonts.ITALIC, fonts.BOLD_ITALIC):
        assert face in registered


def test_family_maps_bold_and_italic_to_their_faces() -> None:
    fonts.register_fonts()
    assert tt2ps(fonts.FAMILY, 0, 0) == fonts.REGULAR
    assert tt2ps(fonts.FAMILY, 1, 0) == fonts.BOLD
    assert tt2ps(fonts.FAMILY, 0, 1) == fonts.ITALIC
    assert tt2ps(fonts.FAMILY, 1, 1) == fonts.BOLD_ITALIC
    assert ps2tt(fonts.BOLD) == (fonts.FAMILY.lower(), 1, 0)


def test_every_face_has_every_vietnamese_letter() -> None:
    fonts.register_fonts()
    assert len(VIETNAMESE) == 2 * (len(_VOWELS) * len(_TONES) + 1)
    for face in (fonts.REGULAR, fonts.BOLD, fonts.ITALIC, fonts.BOLD_ITALIC):
        cmap = pdfmetrics.getFont(face).face.charToGlyph
        missing = [ch for ch in VIETNAMESE if ord(ch) not in cmap]
        assert missing == [], f"{face} lacks {missing}"


def test_bold_and_italic_markup_use_the_bold_and_italic_faces(tmp_path: Path) -> None:
    fonts.register_fonts()
    path = tmp_path / "markup.pdf"
    style = ParagraphStyle("t", fontName=fonts.REGULAR, fontSize=12)
    SimpleDocTemplate(str(path), initialFontName=fonts.REGULAR).build(
        [Paragraph("Thường <b>Đậm</b> <i>Nghiêng</i> <b><i>Đậm nghiêng</i></b>", style)]
    )
    assert set(page_fonts(path)) == {
        "LiberationSerif",
        "LiberationSerif-Bold",
        "LiberationSerif-Italic",
        "LiberationSerif-BoldItalic",
    }


def test_upper_nfc_uppercases_vietnamese_letters() -> None:
    assert fonts.upper_nfc("xã đắk mơ hưng mỹ") == "XÃ ĐẮK MƠ HƯNG MỸ"
    assert fonts.upper_nfc(unicodedata.normalize("NFD", "Ủy ban")) == "ỦY BAN"
