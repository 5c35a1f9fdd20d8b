"""Commune codes and personal ID numbers (Luật Căn cước 2023; DOMAIN R05–R07)."""

from __future__ import annotations

import re
from datetime import date

from desktop.core.domain.errors import FieldProblem, ValidationError

_FIVE_DIGITS = re.compile(r"^[0-9]{5}$")
_TWELVE_DIGITS = re.compile(r"^[0-9]{12}$")


def check_commune_code(code: str, field: str = "commune_code") -> str:
    """A commune code is exactly 5 digits (QĐ 124/2004, QĐ 19/2025); returns it trimmed."""
    value = (code or "").strip()
    if not _FIVE_DIGITS.match(value):
        raise ValidationError(
            FieldProblem(field, f"Mã xã “{value}” phải gồm đúng 5 chữ số, ví dụ 12345.")
        )
    return value


def check_id_number(value: str | None, field: str = "id_number") -> str | None:
    """A personal ID is exactly 12 digits stored as text, or empty (“chưa có”)."""
    text = (value or "").strip().replace(" ", "")
    if not text:
        return None
    if not _TWELVE_DIGITS.match(text):
        raise ValidationError(
            FieldProblem(
                field,
                f"Số định danh “{text}” phải gồm đúng 12 chữ số (đang có {len(text)} ký tự).",
            )
        )
    return text


def id_number_warnings(id_number: str, birth: date | None, sex: int | None) -> list[str]:
    """Warnings when the ID's century/sex digit or birth year disagree with the record (R07)."""
    warnings: list[str] = []
    province = int(id_number[:3])
    if not 1 <= province <= 96:
        warnings.append(f"Ba số đầu “{id_number[:3]}” không phải mã tỉnh nơi đăng ký khai sinh.")
    century_sex = int(id_number[3])
    if birth is not None:
        century = 1900 + 100 * (century_sex // 2)
        if not century <= birth.year < century + 100:
            warnings.append(
                f"Chữ số thứ 4 ({century_sex}) không khớp với thế kỷ của năm sinh {birth.year}."
            )
        if int(id_number[4:6]) != birth.year % 100:
            warnings.append(
                f"Chữ số thứ 5–6 ({id_number[4:6]}) không khớp với năm sinh {birth.year}."
            )
    if sex in (1, 2) and century_sex % 2 != (0 if sex == 1 else 1):
        warnings.append(f"Chữ số thứ 4 ({century_sex}) không khớp với giới tính đã nhập.")
    return warnings
