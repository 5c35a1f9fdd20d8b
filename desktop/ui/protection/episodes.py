"""Forms for a child's dated episodes: a special-circumstance group, or a risk category."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QLineEdit, QWidget

from desktop.core.domain.errors import FieldProblem
from desktop.core.domain.protection import END_REASONS
from desktop.core.services.book import Book
from desktop.core.services.protection import (
    GroupChoice,
    RiskCategory,
    RiskEpisodeForm,
    RiskEpisodeView,
    RiskService,
    SpecialEpisodeForm,
    SpecialEpisodeView,
    SpecialService,
)
from desktop.ui.protection.form import FormDialog, text_edit
from desktop.ui.protection.picker import ChildPicker
from desktop.ui.widgets import DateLineEdit, FoldingComboBox


def _end_reasons(combo: FoldingComboBox, tr: Callable[[str], str]) -> None:
    combo.set_items(
        [(tr("— đang tiếp diễn —"), "")] + [(tr(label), key) for key, label in END_REASONS.items()]
    )


class _EpisodeDialog(FormDialog):
    """The child (chosen here for a new episode), the dates and who verified it."""

    def __init__(
        self,
        book: Book,
        title: str,
        person_id: str | None,
        person_text: str,
        parent: QWidget | None,
        *,
        editable: bool,
        reason: str,
    ) -> None:
        super().__init__(title, parent, editable=editable, read_only_reason=reason)
        self._book = book
        self.child = ChildPicker(book)
        if person_id is not None:
            self.child.set_child(person_id, person_text)
            self.child.change_button.hide()
        self.add_row(self.tr("Trẻ em *:"), "person_id", self.child)
        self.child.chosen.connect(self._child_chosen)

    def _child_chosen(self, _person_id: str) -> None:
        self.mark_dirty()
        self.clear_problem("person_id")

    def _child_problem(self) -> list[FieldProblem]:
        if self.child.person_id:
            return []
        return [FieldProblem("person_id", self.tr("Hãy chọn trẻ em (gõ tên để tìm)."))]

    def save(self) -> None:
        """The child must be chosen first."""
        problems = self._child_problem()
        if problems and self.editable:
            self.show_problems(problems + self.unreadable_dates())
            return
        super().save()


class SpecialEpisodeDialog(_EpisodeDialog):
    """A child's membership of one of the 14 groups (with its sub-group), dated and verified."""

    def __init__(
        self,
        book: Book,
        groups: Sequence[GroupChoice],
        *,
        person_id: str | None = None,
        person_text: str = "",
        episode: SpecialEpisodeView | None = None,
        editable: bool = True,
        reason: str = "",
        parent: QWidget | None = None,
    ) -> None:
        title = (
            self.tr("Ghi trẻ em có hoàn cảnh đặc biệt")
            if episode is None
            else self.tr("Hoàn cảnh đặc biệt: {g}").format(g=episode.group_name)
        )
        super().__init__(
            book, title, person_id, person_text, parent, editable=editable, reason=reason
        )
        self._episode = episode
        self._groups = {g.no: g for g in groups}
        self.group_no = FoldingComboBox()
        self.group_no.set_items(
            [(self.tr("— chọn nhóm —"), None)] + [(g.label, g.no) for g in groups]
        )
        self.subgroup_no = FoldingComboBox()
        self.start_date = DateLineEdit(label=self.tr("Ngày bắt đầu"))
        self.end_date = DateLineEdit(label=self.tr("Ngày kết thúc"))
        self.end_reason = FoldingComboBox()
        _end_reasons(self.end_reason, self.tr)
        self.evidence = QLineEdit()
        self.evidence.setPlaceholderText(
            self.tr("giấy tờ xác nhận, ví dụ: giấy chứng tử của cha mẹ")
        )
        self.verified_by = QLineEdit()
        self.verified_by.setPlaceholderText(self.tr("người xác minh"))
        self.verified_on = DateLineEdit(label=self.tr("Ngày xác minh"))
        self.note = text_edit()
        for field in (self.start_date, self.end_date, self.verified_on):
            field.setMaximumWidth(140)
        self.add_row(self.tr("Nhóm *:"), "group_no", self.group_no)
        self.add_row(self.tr("Nhóm nhỏ (NĐ 56):"), "subgroup_no", self.subgroup_no)
        self.add_row(self.tr("Từ ngày *:"), "start_date", self.start_date)
        self.add_row(
            self.tr("Đến ngày:"),
            "end_date",
            self.end_date,
            hint=self.tr(
                "Để trống nếu còn tiếp diễn. Tự kết thúc vào ngày trước sinh nhật 16 tuổi."
            ),
        )
        self.add_row(self.tr("Lý do kết thúc:"), "end_reason", self.end_reason)
        self.add_row(self.tr("Căn cứ xác định:"), "evidence", self.evidence)
        self.add_row(self.tr("Người xác minh:"), "verified_by", self.verified_by)
        self.add_row(self.tr("Ngày xác minh:"), "verified_on", self.verified_on)
        self.add_row(self.tr("Ghi chú:"), "note", self.note)
        self.group_no.currentIndexChanged.connect(self._group_changed)
        if episode is not None:
            self.group_no.set_current_data(episode.group_no)
            self._group_changed()
            self.subgroup_no.set_current_data(episode.subgroup_no)
            self.start_date.set_value(episode.start_date)
            self.end_date.set_value(episode.end_date)
            self.end_reason.set_current_data(episode.end_reason)
            self.evidence.setText(episode.evidence)
            self.verified_by.setText(episode.verified_by)
            self.verified_on.set_value(episode.verified_on)
            self.note.setPlainText(episode.note)
        else:
            self._group_changed()
        self._dirty = False

    def _group_changed(self, *_args: object) -> None:
        chosen = self.group_no.current_data()
        group = self._groups.get(chosen) if isinstance(chosen, int) else None
        subgroups = group.subgroups if group is not None else ()
        self.subgroup_no.set_items(
            [(self.tr("— không ghi —"), None)] + [(s.name, s.no) for s in subgroups]
        )
        self.subgroup_no.setEnabled(bool(subgroups) and self.editable)

    def collect(self) -> SpecialEpisodeForm:
        """The episode as typed."""
        group = self.group_no.current_data()
        subgroup = self.subgroup_no.current_data()
        return SpecialEpisodeForm(
            person_id=self.child.person_id or "",
            group_no=group if isinstance(group, int) else 0,
            start_date=self.start_date.value(),
            subgroup_no=subgroup if isinstance(subgroup, int) else None,
            end_date=self.end_date.value(),
            end_reason=str(self.end_reason.current_data() or ""),
            evidence=self.evidence.text(),
            verified_by=self.verified_by.text(),
            verified_on=self.verified_on.value(),
            note=self.note.toPlainText(),
            id=self._episode.id if self._episode is not None else None,
        )

    def save(self) -> None:
        """A group must be chosen."""
        if self.editable and not isinstance(self.group_no.current_data(), int):
            problems = [FieldProblem("group_no", self.tr("Hãy chọn một trong 14 nhóm."))]
            self.show_problems(self._child_problem() + problems + self.unreadable_dates())
            return
        super().save()

    def work(self, form: SpecialEpisodeForm, confirm: bool) -> Callable[[], object]:
        service = SpecialService(self._book)
        return lambda: service.save(form, confirm=confirm)


class RiskEpisodeDialog(_EpisodeDialog):
    """A child at risk of falling into special circumstances, in one category, dated."""

    def __init__(
        self,
        book: Book,
        categories: Sequence[RiskCategory],
        *,
        person_id: str | None = None,
        person_text: str = "",
        episode: RiskEpisodeView | None = None,
        editable: bool = True,
        reason: str = "",
        parent: QWidget | None = None,
    ) -> None:
        title = (
            self.tr("Ghi trẻ em có nguy cơ rơi vào hoàn cảnh đặc biệt")
            if episode is None
            else self.tr("Nguy cơ: {c}").format(c=episode.category_name)
        )
        super().__init__(
            book, title, person_id, person_text, parent, editable=editable, reason=reason
        )
        self._episode = episode
        self.category_code = FoldingComboBox()
        self.category_code.set_items(
            [(self.tr("— chọn loại nguy cơ —"), None)]
            + [(c.name, c.code) for c in categories if c.active]
        )
        self.start_date = DateLineEdit(label=self.tr("Ngày bắt đầu"))
        self.end_date = DateLineEdit(label=self.tr("Ngày kết thúc"))
        self.end_reason = FoldingComboBox()
        _end_reasons(self.end_reason, self.tr)
        self.verified_by = QLineEdit()
        self.note = text_edit()
        for field in (self.start_date, self.end_date):
            field.setMaximumWidth(140)
        self.add_row(self.tr("Loại nguy cơ *:"), "category_code", self.category_code)
        self.add_row(self.tr("Từ ngày *:"), "start_date", self.start_date)
        self.add_row(self.tr("Đến ngày:"), "end_date", self.end_date)
        self.add_row(self.tr("Lý do kết thúc:"), "end_reason", self.end_reason)
        self.add_row(self.tr("Người xác minh:"), "verified_by", self.verified_by)
        self.add_row(self.tr("Ghi chú:"), "note", self.note)
        if episode is not None:
            if not self.category_code.set_current_data(episode.category_code):
                self.category_code.addItem(episode.category_name, episode.category_code)
                self.category_code.set_current_data(episode.category_code)
            self.start_date.set_value(episode.start_date)
            self.end_date.set_value(episode.end_date)
            self.end_reason.set_current_data(episode.end_reason)
            self.verified_by.setText(episode.verified_by)
            self.note.setPlainText(episode.note)
        self._dirty = False

    def collect(self) -> RiskEpisodeForm:
        """The episode as typed."""
        return RiskEpisodeForm(
            person_id=self.child.person_id or "",
            category_code=str(self.category_code.current_data() or ""),
            start_date=self.start_date.value(),
            end_date=self.end_date.value(),
            end_reason=str(self.end_reason.current_data() or ""),
            note=self.note.toPlainText(),
            verified_by=self.verified_by.text(),
            id=self._episode.id if self._episode is not None else None,
        )

    def work(self, form: RiskEpisodeForm, confirm: bool) -> Callable[[], object]:
        service = RiskService(self._book)
        return lambda: service.save(form)
