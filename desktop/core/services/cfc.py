"""Child-friendly commune self-assessment (Quyết định 06/QĐ-TTg, 03/01/2019).

The 13 criteria come from ``resources/codes/cfc_criteria.csv`` and the thresholds by commune
type from ``cfc_thresholds.csv``. The book gives a *rate* beside the criteria it can measure
(2, 4, 10 today; 3, 5 and 6 once the protection data exist); the *points* are always typed by
the officer with their evidence, because DOMAIN.md has no official scoring table for most
criteria — the program never invents points. Recognition needs all 13 criteria scored, none at
zero, and the total at or above the threshold of the commune's type.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.services.book import Book
from desktop.core.services.indicators import IndicatorService
from desktop.core.storage.models import CfcAssessment, CfcScore
from resources import resource_path

__all__ = [
    "BOOK_SOURCES",
    "CfcCriterion",
    "CfcResult",
    "CfcScoreEntry",
    "CfcService",
    "criteria",
    "thresholds",
]

# Criterion → the indicator whose rate the book gives beside it.
BOOK_SOURCES: dict[int, str] = {
    2: "TK0104",  # registered within 60 days
    3: "CT09",  # abused children (protection data)
    4: "CFC04",  # HCĐB groups 6 and 7 (computed here)
    5: "CT11a",  # injuries (protection data)
    6: "CT08b",  # HCĐB children supported (protection data)
    10: "TK0402",  # 3–5-year-olds in kindergarten
}


@dataclass(frozen=True)
class CfcCriterion:
    """One criterion of QĐ 06/QĐ-TTg."""

    no: int
    name_vi: str
    max_points: float | None  # known only for criteria 6 (125) and 7 (50)
    computable: str  # no | partly
    note: str


@dataclass(frozen=True)
class CfcScoreEntry:
    """Points typed for one criterion, with the evidence they rest on."""

    no: int
    points: float | None
    evidence: str = ""


@dataclass(frozen=True)
class CfcLine:
    """One criterion as shown: the book's rate (if any), the typed points and evidence."""

    criterion: CfcCriterion
    book_rate: float | None
    book_source: str
    book_status: str  # computed | missing | ""
    points: float | None
    evidence: str


@dataclass(frozen=True)
class CfcResult:
    """The year's assessment: lines, total, threshold and verdict."""

    year: int
    commune_type: str
    commune_type_vi: str
    lines: tuple[CfcLine, ...]
    total: float
    threshold: int
    recognised: bool
    reasons: tuple[str, ...]

    @property
    def verdict_vi(self) -> str:
        """ "Đạt" or "Chưa đạt: …"."""
        if self.recognised:
            return "Đạt tiêu chuẩn xã, phường, thị trấn phù hợp với trẻ em."
        return "Chưa đạt: " + "; ".join(self.reasons) + "."


@functools.cache
def criteria() -> tuple[CfcCriterion, ...]:
    """The 13 criteria."""
    with resource_path("codes", "cfc_criteria.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(
            CfcCriterion(
                int(r["no"]),
                r["name_vi"],
                float(r["max_points_known"]) if r["max_points_known"] else None,
                r["computable_from_book"],
                r["note"],
            )
            for r in csv.DictReader(fh)
        )


@functools.cache
def thresholds() -> dict[str, tuple[str, int]]:
    """Commune type → (name, minimum total)."""
    with resource_path("codes", "cfc_thresholds.csv").open(encoding="utf-8", newline="") as fh:
        return {r["commune_type"]: (r["name_vi"], int(r["min_total"])) for r in csv.DictReader(fh)}


class CfcService:
    """Reads and saves the self-assessment of a year."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def _book_rates(self, year: int) -> dict[int, tuple[float | None, str, str]]:
        report = IndicatorService(self._book).compute(str(year))
        by_code = {r.code: r for r in report.results}
        out: dict[int, tuple[float | None, str, str]] = {}
        for no, code in BOOK_SOURCES.items():
            if code == "CFC04":
                out[no] = (self._criterion_4(year), "nhóm HCĐB 6, 7 / tổng số trẻ em", "computed")
                continue
            r = by_code.get(code)
            if r is None:
                continue
            out[no] = (r.value, f"{r.label_vi}: {r.name_vi}", r.status)
        return out

    def _criterion_4(self, year: int) -> float | None:
        """Children in conflict with the law or drug-addicted (HCĐB 6, 7) per 100 children."""
        from desktop.core.indicators.engine import rate
        from desktop.core.indicators.measures import special_circumstances
        from desktop.core.storage.repositories.indicators import load_book_data

        period = IndicatorService(self._book).period(str(year))
        with self._book.read() as session:
            data = load_book_data(session, period)
        m = special_circumstances(data, {"when": "period", "groups": [6, 7]})
        return rate(len(m.numerator), len(m.denominator or ()), 100.0)

    def assessment(self, year: int) -> CfcResult:
        """The year's assessment as saved (points typed), with the book's rates beside."""
        self._book.user.require(Action.REPORT)
        rates = self._book_rates(year)
        with self._book.read() as session:
            row = session.scalars(
                select(CfcAssessment).where(
                    CfcAssessment.year == year, CfcAssessment.deleted.is_(False)
                )
            ).first()
            commune_type = row.commune_type if row is not None else "CON_LAI"
            scores = (
                {
                    s.criterion_no: (s.points, s.evidence)
                    for s in session.scalars(
                        select(CfcScore).where(
                            CfcScore.assessment_id == row.id, CfcScore.deleted.is_(False)
                        )
                    )
                }
                if row is not None
                else {}
            )
        return _result(year, commune_type, rates, scores)

    def save(self, year: int, commune_type: str, entries: Sequence[CfcScoreEntry]) -> CfcResult:
        """Check and save the typed points; every scored criterion needs its evidence."""
        self._book.user.require(Action.EDIT_BOOK)
        if commune_type not in thresholds():
            raise ValidationError(
                FieldProblem("commune_type", f"Loại xã «{commune_type}» không có trong danh mục.")
            )
        known = {c.no: c for c in criteria()}
        problems = []
        for n, e in enumerate(entries, start=1):
            c = known.get(e.no)
            if c is None:
                problems.append(FieldProblem("no", f"Không có tiêu chí số {e.no}.", n))
                continue
            if e.points is None:
                continue
            if e.points < 0:
                problems.append(FieldProblem("points", f"Tiêu chí {e.no}: điểm không được âm.", n))
            if c.max_points is not None and e.points > c.max_points:
                problems.append(
                    FieldProblem(
                        "points",
                        f"Tiêu chí {e.no}: tối đa {c.max_points:g} điểm, đã nhập {e.points:g}.",
                        n,
                    )
                )
            if not e.evidence.strip():
                problems.append(
                    FieldProblem(
                        "evidence",
                        f"Tiêu chí {e.no}: hãy ghi căn cứ chấm điểm (văn bản, biên bản, số liệu).",
                        n,
                    )
                )
        if problems:
            raise ValidationError(problems)
        rates = self._book_rates(year)
        with self._book.transaction() as session:
            row = session.scalars(
                select(CfcAssessment).where(
                    CfcAssessment.year == year, CfcAssessment.deleted.is_(False)
                )
            ).first()
            if row is None:
                row = CfcAssessment(year=year, commune_type=commune_type)
                session.add(row)
                session.flush()
            row.commune_type = commune_type
            row.updated_by = self._book.user.username
            existing = {
                s.criterion_no: s
                for s in session.scalars(
                    select(CfcScore).where(
                        CfcScore.assessment_id == row.id, CfcScore.deleted.is_(False)
                    )
                )
            }
            for e in entries:
                s = existing.get(e.no)
                if s is None:
                    s = CfcScore(assessment_id=row.id, criterion_no=e.no)
                    session.add(s)
                s.points, s.evidence = e.points, e.evidence.strip()
                s.book_rate = rates.get(e.no, (None, "", ""))[0]
                s.updated_by = self._book.user.username
        return self.assessment(year)


def _result(
    year: int,
    commune_type: str,
    rates: dict[int, tuple[float | None, str, str]],
    scores: dict[int, tuple[float | None, str]],
) -> CfcResult:
    name, threshold = thresholds()[commune_type]
    lines = []
    reasons = []
    for c in criteria():
        rate_, source, status = rates.get(c.no, (None, "", ""))
        points, evidence = scores.get(c.no, (None, ""))
        lines.append(CfcLine(c, rate_, source, status, points, evidence))
    unscored = [str(line.criterion.no) for line in lines if line.points is None]
    zero = [str(line.criterion.no) for line in lines if line.points == 0]
    total = sum(line.points or 0 for line in lines)
    if unscored:
        reasons.append(f"chưa chấm tiêu chí {', '.join(unscored)}")
    if zero:
        reasons.append(f"tiêu chí {', '.join(zero)} bị 0 điểm (không tiêu chí nào được 0 điểm)")
    if total < threshold:
        reasons.append(f"tổng {total:g} điểm dưới mức {threshold} điểm của loại xã này")
    return CfcResult(
        year, commune_type, name, tuple(lines), total, threshold, not reasons, tuple(reasons)
    )
