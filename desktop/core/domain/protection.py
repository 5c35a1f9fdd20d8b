"""Rules of child protection records (DOMAIN §3, R11–R16), as pure functions of their facts.

Every function takes the dates it judges by; none reads the clock. Problems are
``FieldProblem`` s naming the form field, in Vietnamese: ``episode_problems`` returns the ones
that stop a save (R14), ``group_warnings`` the ones the officer may confirm (R11–R13).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from desktop.core.domain.dates import age_on, format_vn_date, sixteenth_birthday
from desktop.core.domain.errors import FieldProblem

POOR_CODES = frozenset({"HN01", "HN02"})  # nghèo, cận nghèo (poverty_status.csv)
# Schooling that shows leaving before finishing THCS: dropped out (HT08) or never went (HT01).
LEFT_SCHOOL_CODES = frozenset({"HT08", "HT01"})
GROUP_HIV = 5
GROUP_DISABILITY = 4
GROUP_DROPOUT = 8
GROUP_SEXUAL_ABUSE = 11
GROUP_POOR_ILLNESS = 13
# Groups whose membership, or whose sub-group, is sensitive (HIV status; sexual-abuse sub-type).
SENSITIVE_GROUPS = frozenset({GROUP_HIV})
SENSITIVE_SUBGROUP_GROUPS = frozenset({GROUP_SEXUAL_ABUSE})
SEXUAL_ABUSE_FORM = "XH03"  # abuse_forms.csv: XH03 and its sub-types XH03.1 …
LABOUR_AGES = (5, 17)  # R15: child labour is measured for ages 5–17
MARRIAGE_AGE = {1: 20, 2: 18}  # R16: a man under 20 or a woman under 18
CONSENT_AGE = 7  # Luật 91/2025, Điều 24: from 7 the child consents too

END_REASONS = {
    "ended": "Không còn thuộc nhóm",
    "turned16": "Đủ 16 tuổi",
    "moved_out": "Chuyển đi",
    "died": "Tử vong",
    "error": "Ghi nhầm",
    "other": "Lý do khác",
}
AUTO_END_REASON = "turned16"


@dataclass(frozen=True)
class EpisodeDates:
    """An existing episode of the same child and kind (for the overlap check)."""

    id: str
    key: tuple[object, ...]  # e.g. (group_no, subgroup_no) or (category_code,)
    start: date
    end: date | None


def episode_problems(
    *,
    start: date | None,
    end: date | None,
    birth: date,
    today: date,
    key: tuple[object, ...],
    others: Sequence[EpisodeDates],
    own_id: str | None,
    left_on: date | None,
    label: str,
) -> list[FieldProblem]:
    """R14 and R02 for a dated episode: start given, not before birth, not in the future,
    start ≤ end, no overlap with another episode of the same ``key``, nothing after the child
    left the book (``left_on``: moved out or died), nothing on or after the 16th birthday.
    """
    problems: list[FieldProblem] = []
    if start is None:
        return [FieldProblem("start_date", f"{label}: chưa nhập ngày bắt đầu (dd/mm/yyyy).")]
    if start < birth:
        problems.append(
            FieldProblem(
                "start_date",
                f"Ngày bắt đầu {format_vn_date(start)} trước ngày sinh {format_vn_date(birth)}.",
            )
        )
    if start > today:
        problems.append(
            FieldProblem(
                "start_date", f"Ngày bắt đầu {format_vn_date(start)} là ngày trong tương lai."
            )
        )
    if end is not None and end < start:
        problems.append(
            FieldProblem(
                "end_date",
                f"Ngày kết thúc {format_vn_date(end)} trước ngày bắt đầu {format_vn_date(start)}.",
            )
        )
    last_child_day = sixteenth_birthday(birth) - timedelta(days=1)
    if start > last_child_day:
        problems.append(
            FieldProblem(
                "start_date",
                f"Ngày bắt đầu {format_vn_date(start)}: trẻ đã đủ 16 tuổi từ "
                f"{format_vn_date(last_child_day + timedelta(days=1))}, không còn là trẻ em.",
            )
        )
    elif end is not None and end > last_child_day:
        problems.append(
            FieldProblem(
                "end_date",
                f"Ngày kết thúc {format_vn_date(end)} sau ngày trẻ đủ 16 tuổi; "
                f"giai đoạn chỉ kéo dài đến {format_vn_date(last_child_day)}.",
            )
        )
    if left_on is not None and start > left_on:
        problems.append(
            FieldProblem(
                "start_date",
                f"Ngày bắt đầu {format_vn_date(start)} sau ngày trẻ rời sổ "
                f"({format_vn_date(left_on)}).",
            )
        )
    effective_end = end if end is not None else date.max
    for other in others:
        if other.id == own_id or other.key != key:
            continue
        other_end = other.end if other.end is not None else date.max
        if start <= other_end and other.start <= effective_end:
            until = format_vn_date(other.end) if other.end is not None else "nay"
            problems.append(
                FieldProblem(
                    "start_date",
                    f"{label}: trùng thời gian với giai đoạn đã có từ "
                    f"{format_vn_date(other.start)} đến {until}.",
                )
            )
            break
    return problems


@dataclass(frozen=True)
class GroupFacts:
    """What the book knows about a child that groups 4, 8 and 13 depend on."""

    poverty_code: str | None  # of the household on the start date (HN01/HN02/HN03)
    schooling_code: str | None  # HT01 … HT09
    disability_code: str | None


def group_warnings(group_no: int, facts: GroupFacts) -> list[FieldProblem]:
    """R11–R13: what the book does not show for the group; saved only once confirmed."""
    if group_no == GROUP_POOR_ILLNESS and facts.poverty_code not in POOR_CODES:
        return [
            FieldProblem(
                "group_no",
                "Nhóm 13 (mắc bệnh hiểm nghèo, điều trị dài ngày) chỉ áp dụng cho trẻ thuộc hộ "
                "nghèo hoặc cận nghèo vào ngày bắt đầu; hộ của trẻ chưa được ghi là hộ nghèo "
                "hoặc cận nghèo.",
            )
        ]
    if group_no == GROUP_DROPOUT and facts.schooling_code not in LEFT_SCHOOL_CODES:
        return [
            FieldProblem(
                "group_no",
                "Nhóm 8 chỉ áp dụng cho trẻ phải bỏ học kiếm sống khi chưa hoàn thành phổ cập "
                "giáo dục trung học cơ sở; sổ chưa ghi trẻ đã bỏ học.",
            )
        ]
    if group_no == GROUP_DISABILITY and not facts.disability_code:
        return [
            FieldProblem(
                "group_no",
                "Nhóm 4 (trẻ em khuyết tật) cần thông tin khuyết tật của trẻ; hãy ghi dạng "
                "khuyết tật trong hồ sơ trẻ trước.",
            )
        ]
    return []


def automatic_end(birth: date) -> date:
    """R02: the day an open episode closes by itself — the day before the 16th birthday."""
    return sixteenth_birthday(birth) - timedelta(days=1)


def labour_age_problem(birth: date, on: date, field: str = "start_date") -> FieldProblem | None:
    """R15: a labour record is for ages 5–17 on its date (a warning outside)."""
    age = age_on(birth, on)
    low, high = LABOUR_AGES
    if low <= age <= high:
        return None
    return FieldProblem(
        field,
        f"Trẻ {age} tuổi vào ngày {format_vn_date(on)}: lao động trẻ em chỉ theo dõi từ "
        f"{low} đến {high} tuổi.",
    )


def under_marriage_age(birth: date | None, sex: int, on: date) -> bool:
    """R16: a man under 20 or a woman under 18 on ``on`` (unknown sex: under 20)."""
    if birth is None:
        return False
    return age_on(birth, on) < MARRIAGE_AGE.get(sex, 20)


def consent_problems(
    *,
    birth: date | None,
    on: date | None,
    child_consented: bool,
    representative_name: str,
    representative_consented: bool,
    not_needed_reason: str,
) -> list[FieldProblem]:
    """Luật 91/2025, Điều 24: disclosure needs the representative and, from 7, the child —
    or a recorded reason why no consent is needed."""
    if on is None:
        return [FieldProblem("given_on", "Chưa nhập ngày đồng ý (dd/mm/yyyy).")]
    if not_needed_reason.strip():
        return []
    problems = []
    if not representative_consented or not representative_name.strip():
        problems.append(
            FieldProblem(
                "representative_name",
                "Cần ghi tên cha, mẹ hoặc người đại diện đã đồng ý, hoặc ghi lý do không cần "
                "sự đồng ý.",
            )
        )
    if birth is not None and age_on(birth, on) >= CONSENT_AGE and not child_consented:
        problems.append(
            FieldProblem(
                "child_consented",
                f"Trẻ từ {CONSENT_AGE} tuổi trở lên: cần sự đồng ý của chính trẻ, hoặc ghi lý "
                "do không cần sự đồng ý.",
            )
        )
    return problems


def is_sensitive_form(code: str) -> bool:
    """Sexual-abuse forms and their sub-types (XH03, XH03.x) are sensitive."""
    return code == SEXUAL_ABUSE_FORM or code.startswith(SEXUAL_ABUSE_FORM + ".")


def overlaps(start: date, end: date | None, period_start: date, period_end: date) -> bool:
    """True if [start, end] meets [period_start, period_end] (end None = still open)."""
    return start <= period_end and (end is None or end >= period_start)


def codes_of(values: Iterable[str]) -> tuple[str, ...]:
    """Unique, stripped, in order."""
    seen: dict[str, None] = {}
    for value in values:
        text = value.strip()
        if text:
            seen.setdefault(text, None)
    return tuple(seen)
