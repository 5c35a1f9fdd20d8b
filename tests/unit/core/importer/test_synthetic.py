"""A synthetic commune rendered as the import template imports back exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.importer.synthetic import write_commune
from desktop.core.services.book import Book
from desktop.core.services.imports import ImportService
from desktop.core.services.reports import ReportService
from desktop.core.synthetic import generate_commune
from tests.unit.core.importer.conftest import TODAY

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_synthetic_commune_round_trips_through_the_template(
    book: Book, tmp_path: Path, suffix: str
) -> None:
    commune = generate_commune(60, seed=7, today=TODAY, profile="mountain")
    path = tmp_path / f"xa{suffix}"
    assert write_commune(commune, path) == 60
    service = ImportService(book)
    result = service.run(service.preview(path, today=TODAY))
    assert (result.summary.created, result.summary.rejected) == (60, 0)
    assert result.counts.households_created == len(commune.households)
    assert result.counts.hamlets_created == len(commune.hamlets)
    assert ReportService(book).population(TODAY).total == 60
