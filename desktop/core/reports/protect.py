"""Password protection of exported files: PDF (AES-256) and Excel (Office AES-256 encryption).

A renderer writes into ``protected_output(path, protection, kind)``: without a password it gets
the usual temporary file beside ``path``; with one it gets an in-memory buffer, so the readable
document never touches the disk, and only the encrypted bytes are written (atomically).

PDF: pypdf's AES-256 (PDF 2.0 revision 6), which every current reader opens. Excel: Office's
"agile" encryption via msoffcrypto-tool — the file opens in Excel and LibreOffice after the
password is typed, exactly like a workbook protected from Excel's own "Encrypt with Password".
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from desktop.core.reports.atomic import ReportWriteError, atomic_output

MIN_PASSWORD_LENGTH = 8
Kind = Literal["pdf", "xlsx"]


@dataclass(frozen=True)
class ExportProtection:
    """The password to open an exported file; None (or "") exports without one."""

    password: str | None = None

    def __repr__(self) -> str:
        # Never print the password (in a traceback or a log line).
        return f"ExportProtection(enabled={self.enabled})"

    @property
    def enabled(self) -> bool:
        """True if the file gets a password."""
        return bool(self.password)


def export_password_problems(password: str, again: str | None = None) -> list[str]:
    """What is wrong with a password chosen for an exported file (empty when fine)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Mật khẩu của tệp phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    if again is not None and again != password:
        problems.append("Hai lần nhập mật khẩu của tệp không giống nhau.")
    return problems


def encrypt_pdf(data: bytes, password: str) -> bytes:
    """The PDF ``data`` encrypted with AES-256, opening only with ``password``."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypt_xlsx(data: bytes, password: str) -> bytes:
    """The workbook ``data`` encrypted the way Excel's "Encrypt with Password" does."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


@contextlib.contextmanager
def protected_output(
    path: Path, protection: ExportProtection | None, kind: Kind
) -> Iterator[str | IO[bytes]]:
    """Where a renderer writes ``path``: a temporary file, or a buffer to encrypt."""
    if protection is None or not protection.enabled:
        with atomic_output(path) as tmp:
            yield str(tmp)
        return
    buffer = io.BytesIO()
    yield buffer
    assert protection.password is not None
    plain = buffer.getvalue()
    sealed = (
        encrypt_pdf(plain, protection.password)
        if kind == "pdf"
        else encrypt_xlsx(plain, protection.password)
    )
    with atomic_output(path) as tmp:
        try:
            tmp.write_bytes(sealed)
        except OSError as exc:
            raise ReportWriteError(path, exc) from exc
