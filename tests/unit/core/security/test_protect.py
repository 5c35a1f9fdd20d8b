"""Password-protected exports: the PDF and the workbook open only with the password."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import msoffcrypto
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from desktop.core.reports.protect import ExportProtection, export_password_problems
from desktop.core.services.audit import AuditFilter, AuditService
from desktop.core.services.book import Book
from desktop.core.services.reports import ReportService


def test_password_rules_and_no_password_in_repr() -> None:
    assert export_password_problems("ngan") == ["Mật khẩu của tệp phải có ít nhất 8 ký tự."]
    assert export_password_problems("du-dai-roi", "khac-roi") == [
        "Hai lần nhập mật khẩu của tệp không giống nhau."
    ]
    protection = ExportProtection("bi-mat-123")
    assert "bi-mat" not in repr(protection) and protection.enabled
    assert not ExportProtection(None).enabled and not ExportProtection("").enabled


def test_protected_pdf_opens_only_with_the_password(book: Book, tmp_path: Path) -> None:
    tmp_path = tmp_path / "xuat"
    tmp_path.mkdir()
    path = tmp_path / "dan-so.pdf"
    ReportService(book).write_population(
        date(2026, 6, 30), path, "pdf", protection=ExportProtection("mat-khau-tep-1")
    )
    reader = PdfReader(path)
    assert reader.is_encrypted
    assert reader.decrypt("sai-mat-khau") == 0
    reader = PdfReader(path)
    assert reader.decrypt("mat-khau-tep-1") != 0
    assert "BÁO CÁO" in reader.pages[0].extract_text()
    assert "/AESV3" in str(reader.trailer["/Encrypt"])  # AES-256
    assert [p.name for p in tmp_path.iterdir()] == ["dan-so.pdf"]  # no readable temporary copy


def test_protected_workbook_opens_only_with_the_password(book: Book, tmp_path: Path) -> None:
    path = tmp_path / "dan-so.xlsx"
    ReportService(book).write_population(
        date(2026, 6, 30), path, "xlsx", protection=ExportProtection("mat-khau-tep-1")
    )
    with path.open("rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        assert office.is_encrypted()
        office.load_key(password="sai-mat-khau")
        with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
            office.decrypt(io.BytesIO())
    with path.open("rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        office.load_key(password="mat-khau-tep-1")
        plain = io.BytesIO()
        office.decrypt(plain)
    sheet = load_workbook(plain).active
    assert sheet is not None
    assert any("trẻ em" in str(c.value).lower() for row in sheet.iter_rows() for c in row)


def test_unprotected_export_still_plain_and_exports_are_audited(book: Book, tmp_path: Path) -> None:
    path = tmp_path / "dan-so.pdf"
    ReportService(book).write_population(date(2026, 6, 30), path, "pdf")
    assert not PdfReader(path).is_encrypted
    ReportService(book).write_population(
        date(2026, 6, 30), tmp_path / "b.xlsx", "xlsx", protection=ExportProtection("12345678")
    )
    exports = AuditService(book).page(AuditFilter(action="export")).rows
    assert len(exports) == 2
    latest = {c.field: c.after for c in exports[0].changes}
    assert latest["password_protected"] == "có" and latest["personal_data"] == "không"
    assert latest["file"].endswith("b.xlsx")
