"""The one error type services raise, with a Vietnamese message and a machine code."""

from __future__ import annotations

import enum


class ErrorKind(enum.Enum):
    """What went wrong, independent of HTTP (the API layer maps it to a status)."""

    INVALID = "invalid"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"


class ServiceError(Exception):
    """A refusal a person can understand: ``detail`` is Vietnamese, ``code`` is stable."""

    def __init__(self, kind: ErrorKind, code: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.code = code
        self.detail = detail
