"""Child-friendly commune self-assessment (Quyết định 06/QĐ-TTg, 03/01/2019).

The 13 criteria come from ``resources/codes/cfc_criteria.csv`` and the thresholds by commune
type from ``cfc_thresholds.csv``. The book gives a *rate* beside the criteria it can measure
(``BOOK_SOURCES``: 2, 3, 4, 5, 6 and 10); the *points* are always typed by the officer with
their evidence, because DOMAIN.md has no official scoring table for most criteria — the
program never invents points. Recognition needs all 13 criteria scored, none at
zero, and the total at or above the threshold of the commune's type.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.services.book import Book
from desktop.core.services.indicators import IndicatorService
from desktop.core.storage.models import CfcAssessment, CfcScore
from resources import resource_path

__all__ = [
    "BOOK_SOURCES",
    "BookFigure",
    "CfcCriterion",
    "CfcLine",
    "CfcResult",
    "CfcScoreEntry",
    "CfcService",
    "check_entries",
    "criteria",
    "evaluate",
    "format_points",
    "parse_points",
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
class BookFigure:
    """The book's figure beside one criterion: the rate, what it counts, its counts."""

    rate: float | None
    source: str  # what the rate means
    status: str  # computed | missing | typed (as the indicator's)
    unit: str = "percent"  # as in indicators.json
    unit_label: str = "%"
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class CfcLine:
    """One criterion as shown: the book's figure (if any), the typed points and evidence."""

    criterion: CfcCriterion
    book: BookFigure | None  # None: the book cannot measure this criterion
    points: float | None
    evidence: str

    @property
    def book_rate(self) -> float | None:
        """The book's rate, if it has one."""
        return self.book.rate if self.book is not None else None

    @property
    def book_source(self) -> str:
        """What the book's rate means ("" without one)."""
        return self.book.source if self.book is not None else ""

    @property
    def book_status(self) -> str:
        """computed | missing | typed; "" when the book cannot measure the criterion."""
        return self.book.status if self.book is not None else ""


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
    def unscored(self) -> tuple[int, ...]:
        """The criteria without points."""
        return _unscored(self.lines)

    @property
    def zero(self) -> tuple[int, ...]:
        """The criteria scored 0 (none may be: the commune is then not recognised)."""
        return _zero(self.lines)

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


def parse_points(text: str, no: int) -> float | None:
    """Points typed for criterion ``no`` ("70", "72,5"); None when left empty.

    ValidationError (in Vietnamese) when the text is not a number.
    """
    clean = text.strip().replace(" ", "")
    if not clean:
        return None
    try:
        value = float(clean.replace(",", "."))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValidationError(
            FieldProblem(
                "points",
                f"Tiêu chí {no}: điểm phải là một số (ví dụ 70 hoặc 72,5), "
                f"đã nhập «{text.strip()}».",
            )
        )
    return value


def format_points(points: float | None) -> str:
    """Points as typed back: "70", "72,5"; "" when not scored."""
    return "" if points is None else f"{points:g}".replace(".", ",")


def check_entries(entries: Sequence[CfcScoreEntry]) -> list[FieldProblem]:
    """Why ``entries`` cannot be saved (``row`` is the 1-based position in ``entries``):
    an unknown criterion, negative points, points above a known maximum, points without
    their evidence. Empty when they can."""
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
    return problems


def evaluate(base: CfcResult, commune_type: str, entries: Sequence[CfcScoreEntry]) -> CfcResult:
    """The assessment ``base`` with ``entries`` typed over it, not saved: the same book
    figures, the points and evidence of ``entries`` in place of the saved ones (criteria not
    in ``entries`` keep theirs), total, threshold and verdict as :meth:`CfcService.save`
    would give them. It does not check the entries: :func:`check_entries` says what
    ``save`` would refuse."""
    figures = {line.criterion.no: line.book for line in base.lines if line.book is not None}
    scores = {line.criterion.no: (line.points, line.evidence) for line in base.lines}
    scores.update({e.no: (e.points, e.evidence.strip()) for e in entries})
    return _result(base.year, commune_type, figures, scores)


class CfcService:
    """Reads and saves the self-assessment of a year."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def _book_rates(self, year: int) -> dict[int, BookFigure]:
        report = IndicatorService(self._book).compute(str(year))
        by_code = {r.code: r for r in report.results}
        out: dict[int, BookFigure] = {}
        for no, code in BOOK_SOURCES.items():
            if code == "CFC04":
                out[no] = self._criterion_4(year)
                continue
            r = by_code.get(code)
            if r is None:
                continue
            out[no] = BookFigure(
                r.value,
                f"{r.label_vi}: {r.name_vi}",
                r.status,
                r.unit,
                r.unit_label,
                r.numerator,
                r.denominator,
            )
        return out

    def _criterion_4(self, year: int) -> BookFigure:
        """Children in conflict with the law or drug-addicted (HCĐB 6, 7) per 100 children."""
        from desktop.core.indicators.engine import rate
        from desktop.core.indicators.measures import special_circumstances
        from desktop.core.storage.repositories.indicators import load_book_data

        period = IndicatorService(self._book).period(str(year))
        with self._book.read() as session:
            data = load_book_data(session, period)
        m = special_circumstances(data, {"when": "period", "groups": [6, 7]})
        numerator, denominator = len(m.numerator), len(m.denominator or ())
        return BookFigure(
            rate(numerator, denominator, 100.0),
            "nhóm HCĐB 6, 7 / tổng số trẻ em",
            "computed",
            numerator=numerator,
            denominator=denominator,
        )

    def assessment(self, year: int) -> CfcResult:
        """The year's assessment as saved (points typed), with the book's rates beside."""
        self._book.user.require(Action.REPORT)
        return self._saved(year, self._book_rates(year))

    def _saved(self, year: int, rates: dict[int, BookFigure]) -> CfcResult:
        with self._book.read() as session:
            saved = _saved_scores(session, year)
        commune_type, scores = (saved[0], saved[1]) if saved is not None else ("CON_LAI", {})
        return _result(year, commune_type, rates, scores)

    def save(self, year: int, commune_type: str, entries: Sequence[CfcScoreEntry]) -> CfcResult:
        """Check and save the typed points; every scored criterion needs its evidence."""
        self._book.user.require(Action.EDIT_BOOK)
        self._book.user.require(Action.REPORT)  # the result shows the book's rates
        if commune_type not in thresholds():
            raise ValidationError(
                FieldProblem("commune_type", f"Loại xã «{commune_type}» không có trong danh mục.")
            )
        problems = check_entries(entries)
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
                figure = rates.get(e.no)
                s.book_rate = figure.rate if figure is not None else None
                s.updated_by = self._book.user.username
        # The figures just computed, not a second computation of every indicator.
        return self._saved(year, rates)


@dataclass(frozen=True)
class CfcVerdict:
    """The verdict of a year's saved self-assessment, every criterion scored (CT01)."""

    year: int
    recognised: bool
    total: float
    threshold: int
    verdict_vi: str
    updated_by: str
    updated_at: datetime


def _saved_scores(
    session: Session, year: int
) -> tuple[str, dict[int, tuple[float | None, str]], str, datetime] | None:
    """The saved assessment of ``year``: commune type, points and evidence by criterion, who
    saved it last and when; None when none was saved."""
    row = session.scalars(
        select(CfcAssessment).where(CfcAssessment.year == year, CfcAssessment.deleted.is_(False))
    ).first()
    if row is None:
        return None
    scores = list(
        session.scalars(
            select(CfcScore).where(CfcScore.assessment_id == row.id, CfcScore.deleted.is_(False))
        )
    )
    stamps = [(row.updated_at, row.updated_by), *((s.updated_at, s.updated_by) for s in scores)]
    at, by = max(stamps)
    points = {s.criterion_no: (s.points, s.evidence) for s in scores}
    return row.commune_type, points, by, at


def saved_verdict(session: Session, year: int) -> CfcVerdict | None:
    """The verdict of ``year``'s self-assessment when every criterion is scored (the points
    alone decide it); None while it is not saved or not complete."""
    saved = _saved_scores(session, year)
    if saved is None:
        return None
    commune_type, scores, by, at = saved
    result = _result(year, commune_type, {}, scores)
    if result.unscored:
        return None
    return CfcVerdict(
        year, result.recognised, result.total, result.threshold, result.verdict_vi, by, at
    )


def _unscored(lines: Sequence[CfcLine]) -> tuple[int, ...]:
    return tuple(line.criterion.no for line in lines if line.points is None)


def _zero(lines: Sequence[CfcLine]) -> tuple[int, ...]:
    return tuple(line.criterion.no for line in lines if line.points == 0)


def _result(
    year: int,
    commune_type: str,
    rates: dict[int, BookFigure],
    scores: dict[int, tuple[float | None, str]],
) -> CfcResult:
    name, threshold = thresholds()[commune_type]
    lines = [CfcLine(c, rates.get(c.no), *scores.get(c.no, (None, ""))) for c in criteria()]
    reasons = []
    unscored = [str(no) for no in _unscored(lines)]
    zero = [str(no) for no in _zero(lines)]
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
