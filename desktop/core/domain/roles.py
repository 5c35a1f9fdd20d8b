"""Who may do what in the commune app."""

from __future__ import annotations

import enum
import re

from desktop.core.domain.errors import FieldProblem, ValidationError


class Role(enum.StrEnum):
    """The four roles of the commune app (enforcement grows with the security issue)."""

    ADMIN = "admin"
    OFFICER = "officer"
    COLLABORATOR = "collaborator"
    VIEWER = "viewer"


ROLE_LABELS = {
    Role.ADMIN: "Quản trị viên",
    Role.OFFICER: "Cán bộ phụ trách trẻ em",
    Role.COLLABORATOR: "Cộng tác viên",
    Role.VIEWER: "Chỉ xem",
}

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")


def check_username(text: str, field: str = "username") -> str:
    """3–32 characters: lower-case letters without accents, digits, dot, dash, underscore."""
    value = (text or "").strip().lower()
    if not _USERNAME.match(value):
        raise ValidationError(
            FieldProblem(
                field,
                f"Tên đăng nhập “{value}” chỉ được gồm 3–32 chữ cái không dấu, số, "
                "dấu chấm, gạch ngang hoặc gạch dưới, ví dụ: canbo.tre.em",
            )
        )
    return value
