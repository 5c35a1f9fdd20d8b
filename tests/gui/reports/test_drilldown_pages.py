"""A long drill-down list shows its first page in name order at once, then the rest."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update

from desktop.core.domain.collation import name_sort_key
from desktop.core.services.book import Book
from desktop.core.services.demo import populate_demo
from desktop.core.storage.models import Person
from desktop.ui.reports.drilldown import FIRST_PAGE, DrilldownDialog, load_first_page
from tests.gui.conftest import wait_for_ops

pytestmark = pytest.mark.today("2026-11-22")


def _all_ids(book: Book) -> list[str]:
    with book.read() as session:
        return list(session.scalars(select(Person.id).where(Person.deleted.is_(False))))


def test_the_first_page_is_the_head_of_the_name_order(book: Book) -> None:
    populate_demo(book, 300, seed=5)
    ids = _all_ids(book)
    assert len(ids) > FIRST_PAGE
    gone = ids[0]
    with book.transaction() as session:  # removed after a report counted it
        session.execute(update(Person).where(Person.id == gone).values(deleted=True))
    ordered, first = load_first_page(book, sorted(ids))
    assert sorted(ordered) == sorted(ids)
    assert ordered[-1] == gone  # no longer in the book: after the others
    assert len(first) == FIRST_PAGE
    assert [r.id for r in first] == ordered[:FIRST_PAGE]
    names = [r.full_name for r in first]
    assert names == sorted(names, key=name_sort_key)


def test_the_dialog_reads_the_rest_then_sorts(book: Book, qtbot: Any) -> None:
    populate_demo(book, 300, seed=5)
    ids = _all_ids(book)
    dialog = DrilldownDialog(book, "TK0101", ids)
    qtbot.addWidget(dialog)
    assert not dialog.table.isSortingEnabled()  # not before every row is read
    wait_for_ops(qtbot)
    assert not dialog.loading and dialog.table.isSortingEnabled()
    rows = [dialog.model.row_at(r) for r in range(dialog.model.rowCount())]
    assert len(rows) == len(ids) and {r.id for r in rows} == set(ids)
    names = [r.full_name for r in rows]
    assert names == sorted(names, key=name_sort_key)
    assert dialog.status.text() == "Bấm vào tiêu đề cột để sắp xếp."
    dialog.table.sortByColumn(1, dialog.table.horizontalHeader().sortIndicatorOrder())
    assert dialog.proxy.rowCount() == len(ids)


def test_a_visiting_child_is_listed_but_has_no_record_to_open(book: Book, qtbot: Any) -> None:
    from desktop.core.domain.indicator_data import VISITOR_PREFIX
    from desktop.core.services.protection import InjuryForm, InjuryService
    from desktop.core.storage.models import Hamlet
    from desktop.ui.periodic.dialogs import IndicatorDrilldownDialog

    populate_demo(book, 60, seed=5)
    with book.read() as session:
        hamlet = session.scalars(select(Hamlet.id)).first()
    injury = InjuryService(book).save(
        InjuryForm(
            date(2026, 8, 3),
            "TN05",
            "KQ03",
            visitor_name="Cháu Khách",
            visitor_age=7,
            visitor_sex=2,
            hamlet_id=hamlet,
        )
    )
    ids = [_all_ids(book)[0], VISITOR_PREFIX + injury]
    dialog = IndicatorDrilldownDialog(book, "TK0306", ids)
    qtbot.addWidget(dialog)
    wait_for_ops(qtbot)
    names = [dialog.model.row_at(r).full_name for r in range(dialog.model.rowCount())]
    assert "Cháu Khách (trẻ nơi khác)" in names and len(names) == 2
    row = next(
        r for r in range(dialog.proxy.rowCount()) if "Khách" in str(dialog.proxy.index(r, 0).data())
    )
    assert dialog.open_profile(dialog.proxy.index(row, 0)) is None
    assert "không có hồ sơ trong sổ" in dialog.status.text()
