"""Shared inputs and PDF inspection helpers for the report tests."""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from reportlab.pdfbase.pdfmetrics import stringWidth

from desktop.core.reports import fonts
from desktop.core.reports.document import DocumentHeader
from desktop.core.reports.population import PopulationRow, PopulationTable

# A commune name that exercises đ, ắ, ơ, ư and ỹ.
COMMUNE = "Xã Đắk Mơ Hưng Mỹ"


@pytest.fixture
def population() -> PopulationTable:
    """1.234 children: 640 boys, 594 girls, in the four standard age groups."""
    return PopulationTable(
        reference_date=datetime.date(2026, 6, 30),
        commune_name=COMMUNE,
        rows=[
            PopulationRow("0–2 tuổi", 120, 110, 0),
            PopulationRow("3–5 tuổi", 130, 121, 0),
            PopulationRow("6–10 tuổi", 210, 198, 0),
            PopulationRow("11–15 tuổi", 180, 165, 0),
        ],
        notes=["Số liệu lấy từ sổ theo dõi trẻ em trong hộ gia đình."],
    )


@pytest.fixture
def header() -> DocumentHeader:
    """A vice-chairman signing for the commune people's committee, number left blank."""
    return DocumentHeader(
        unit_name=COMMUNE,
        place="Đắk Mơ",
        issued_on=datetime.date(2026, 7, 3),
        signer_lines=["TM. Ủy ban nhân dân", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        signer_name="Nguyễn Thị Hương",
        recipients=["UBND tỉnh Đắk Lắk (để b/c);", "Lưu: VT, VHXH."],
    )


@dataclass(frozen=True)
class TextRun:
    """One piece of text drawn on a PDF page, with its baseline start and font."""

    text: str
    x: float
    y: float
    face: str
    size: float

    @property
    def width(self) -> float:
        """Natural width of the text in its font (without justification spacing)."""
        return float(stringWidth(self.text, self.face, self.size))

    @property
    def centre(self) -> float:
        """Horizontal centre of the text."""
        return self.x + self.width / 2


_FACES = {
    "LiberationSerif": fonts.REGULAR,
    "LiberationSerif-Bold": fonts.BOLD,
    "LiberationSerif-Italic": fonts.ITALIC,
    "LiberationSerif-BoldItalic": fonts.BOLD_ITALIC,
}


def text_runs(pdf: Path, page: int = 0) -> list[TextRun]:
    """Every non-blank text run on ``page`` with its position, in drawing order."""
    runs: list[TextRun] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text.strip() or not isinstance(font, dict):
            return
        base = str(font["/BaseFont"]).lstrip("/").split("+")[-1]
        runs.append(
            TextRun(
                unicodedata.normalize("NFC", text.strip()),
                cm[4] + tm[4],
                cm[5] + tm[5],
                _FACES[base],
                size,
            )
        )

    PdfReader(pdf).pages[page].extract_text(visitor_text=visit)
    return runs


def find_run(runs: list[TextRun], text: str) -> TextRun:
    """The single run whose text is ``text``."""
    matches = [run for run in runs if run.text == text]
    assert len(matches) == 1, f"{text!r} drawn {len(matches)} times: {[r.text for r in runs]}"
    return matches[0]


def page_text(pdf: Path, page: int = 0) -> str:
    """The NFC text of one page."""
    return unicodedata.normalize("NFC", PdfReader(pdf).pages[page].extract_text())


def page_fonts(pdf: Path, page: int = 0) -> dict[str, DictionaryObject]:
    """The font dictionaries a page uses, keyed by base font name without the subset tag."""
    resources = cast(DictionaryObject, PdfReader(pdf).pages[page]["/Resources"].get_object())
    fonts_used: dict[str, DictionaryObject] = {}
    for ref in cast(DictionaryObject, resources["/Font"].get_object()).values():
        font = cast(DictionaryObject, ref.get_object())
        fonts_used[str(font["/BaseFont"]).split("+")[-1]] = font
    return fonts_used
