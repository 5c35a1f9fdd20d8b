"""Validation errors that name the field and say, in Vietnamese, what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field: ``field`` is the form's field name, ``message`` Vietnamese."""

    field: str
    message: str
    row: int | None = None  # the 1-based row of a list or file, when there is one


class ValidationError(Exception):
    """One or more problems that stop a save; nothing is written when this is raised."""

    def __init__(self, problems: list[FieldProblem] | FieldProblem) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(p.message for p in self.problems))

    @property
    def message_vi(self) -> str:
        """All the problems, one per line, for a message box."""
        return "\n".join(p.message for p in self.problems)
