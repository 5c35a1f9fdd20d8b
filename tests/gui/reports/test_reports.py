"""The population report: computing, the table model, PDF/Excel export, drill-down."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from desktop import paths
from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.services.reports import ReportService
from desktop.ui.reports.drilldown import ChildListModel, ChildListRow, DrilldownDialog
from desktop.ui.reports.model import FEMALE, LABEL, MALE, TOTAL, Cell, PopulationTableModel
from desktop.ui.reports.view import ReportsView
from sync import clock
from tests.gui.conftest import answer, wait_for_message, wait_for_ops

ON = date(2026, 6, 30)


@pytest.fixture
def children(book: Book, hamlet_id: str) -> None:
    """Four children: two boys 0–2 and 6–10, two girls 3–5 and 11–15 (on ON)."""
    service = HouseholdService(book)
    service.save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Nguyễn Văn Hộ",
            children=[
                ChildForm("Nguyễn Văn An", date(2025, 1, 1), 1),
                ChildForm("Nguyễn Thị Bích", date(2022, 1, 1), 2),
            ],
        ),
        today=ON,
    )
    service.save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="2",
            head_name="Lê Văn Hai",
            children=[
                ChildForm("Lê Văn Cường", date(2018, 1, 1), 1),
                ChildForm("Lê Thị Dung", date(2012, 1, 1), 2),
            ],
        ),
        today=ON,
    )


@pytest.fixture
def view(book: Book, children: None, qtbot: Any) -> Iterator[ReportsView]:
    made = ReportsView(book)
    qtbot.addWidget(made)
    made.resize(1100, 650)
    with qtbot.waitSignal(made.computed, timeout=10_000):
        made.show()  # the first showing computes today's figures
    yield made


def compute(view: ReportsView, qtbot: Any, on: str = "30/06/2026") -> None:
    view.reference_date.setText(on)
    with qtbot.waitSignal(view.computed, timeout=10_000):
        view.compute_button.click()


def test_reference_date_defaults_to_today(view: ReportsView) -> None:
    assert view.reference_date.text() == clock.today().strftime("%d/%m/%Y")


def test_compute_shows_the_table_and_definition(view: ReportsView, qtbot: Any) -> None:
    compute(view, qtbot)
    model = view.model
    assert model.rowCount() == 5
    assert [model.index(r, LABEL).data() for r in range(5)] == [
        "0–2 tuổi",
        "3–5 tuổi",
        "6–10 tuổi",
        "11–15 tuổi",
        "Tổng cộng",
    ]
    assert [model.index(4, c).data() for c in range(5)] == ["Tổng cộng", "2", "2", "0", "4"]
    assert model.index(0, MALE).data() == "1"
    assert "4 trẻ em dưới 16 tuổi (2 nam, 2 nữ" in view.summary.text()
    assert "Luật Trẻ em 2016" in view.definition.text()


def test_wrong_date_is_explained_and_kept(view: ReportsView) -> None:
    view.reference_date.setText("31/13/2026")
    view.compute_button.click()
    assert "tháng 13 không tồn tại" in view.date_error.text()
    assert view.reference_date.text() == "31/13/2026"


def test_population_model_passes_qtmodeltester(
    book: Book, children: None, qtmodeltester: Any
) -> None:
    model = PopulationTableModel()
    qtmodeltester.check(model)
    model.set_report(ReportService(book).population(ON))
    qtmodeltester.check(model)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)]
    assert headers == ["Nhóm tuổi", "Nam", "Nữ", "Chưa xác định", "Tổng số"]
    assert model.cell(model.index(0, LABEL)) is None
    assert model.cell(model.index(0, MALE)) == Cell("0–2 tuổi", 1)
    assert model.cell(model.index(4, TOTAL)) == Cell(None, None)
    assert len(model.members(Cell(None, None))) == 4
    assert len(model.members(Cell(None, 2))) == 2
    assert len(model.members(Cell("0–2 tuổi", 2))) == 0


def test_child_list_model_passes_qtmodeltester(qtmodeltester: Any) -> None:
    model = ChildListModel()
    model.set_rows(
        [ChildListRow("1", "Lê Văn Cường", date(2018, 1, 1), 1, "Thôn Đông", "h", "2", "Lê Hai")]
    )
    qtmodeltester.check(model)
    assert model.index(0, 1).data() == "01/01/2018"
    assert model.index(0, 2).data() == "Nam"


def test_export_pdf_through_the_file_dialog(view: ReportsView, qtbot: Any) -> None:
    view.reference_date.setText("30/06/2026")
    dialog = view.choose_export_path("pdf")
    assert isinstance(dialog, QFileDialog)
    assert Path(dialog.directory().absolutePath()) == paths.exports_dir()
    assert dialog.selectedFiles()[0].endswith("so-tre-em-30-06-2026.pdf")
    target = paths.exports_dir() / "bao-cao-thu.pdf"
    with qtbot.waitSignal(view.exported, timeout=20_000) as exported:
        dialog.selectFile(str(target))
        dialog.accept()
    assert exported.args[0] == str(target)
    assert target.exists() and target.stat().st_size > 1000
    assert target.read_bytes().startswith(b"%PDF")
    box = wait_for_message(qtbot)
    assert "Đã lưu báo cáo" in box.text()
    answer(box, "Để sau")


def test_export_excel(view: ReportsView, qtbot: Any, tmp_path: Path) -> None:
    target = tmp_path / "bao-cao"
    with qtbot.waitSignal(view.exported, timeout=20_000):
        view.export_to(target, "xlsx", ON)
    written = tmp_path / "bao-cao.xlsx"
    assert written.exists() and written.stat().st_size > 0
    answer(wait_for_message(qtbot), "Để sau")


def test_drilldown_lists_the_children_behind_a_number(view: ReportsView, qtbot: Any) -> None:
    compute(view, qtbot)
    dialog = view.open_drilldown(view.model.index(4, FEMALE))
    assert isinstance(dialog, DrilldownDialog)
    assert dialog.heading.text() == "Nữ: 2 trẻ em"
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=10_000)
    wait_for_ops(qtbot)
    names = [dialog.model.index(r, 0).data() for r in range(2)]
    assert names == ["Nguyễn Thị Bích", "Lê Thị Dung"]  # Vietnamese order, given name first
    assert dialog.model.index(0, 3).data() == "Thôn Đông"
    assert view.open_drilldown(view.model.index(0, LABEL)) is None
    dialog.close()


def test_export_pdf_prints_the_signer_typed(view: ReportsView, qtbot: Any, tmp_path: Path) -> None:
    from pypdf import PdfReader

    view.signer_edit.setText("Phạm Thị Hoa")
    target = tmp_path / "ky.pdf"
    with qtbot.waitSignal(view.exported, timeout=20_000):
        view.export_to(target, "pdf", ON)
    text = "".join(page.extract_text() for page in PdfReader(target).pages)
    assert "Phạm Thị Hoa" in text
    answer(wait_for_message(qtbot), "Để sau")


def test_open_file_without_a_program_says_so_and_offers_the_folder(
    view: ReportsView, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QDesktopServices

    opened: list[str] = []

    def no_program(url: Any) -> bool:
        opened.append(url.toLocalFile())
        return len(opened) > 1  # no program for the file; the folder opens

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(no_program))
    target = tmp_path / "khong-mo.xlsx"
    with qtbot.waitSignal(view.exported, timeout=20_000):
        view.export_to(target, "xlsx", ON)
    saved = wait_for_message(qtbot)
    answer(saved, "Mở tệp")
    qtbot.waitUntil(lambda: wait_for_message(qtbot) is not saved, timeout=5_000)
    box = wait_for_message(qtbot)
    assert "không có chương trình nào mở được tệp" in box.text()
    assert str(target) in box.text()
    answer(box, "Mở thư mục")
    assert opened == [str(target), str(tmp_path)]
