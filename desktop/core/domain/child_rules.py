"""Rules of the child record (DOMAIN §6): birth registration, BHYT, schooling, IDs, age 16.

Pure functions of plain values: the services apply them when saving, the lists use them as
filters, and the screens show their messages. Severities follow DOMAIN §6: *problems* block
a save, *warnings* are shown and may be confirmed (R07 with a reason), *flags* are alerts.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, timedelta

from desktop.core.domain.dates import age_on, birthday_in, format_vn_date, sixteenth_birthday
from desktop.core.domain.errors import FieldProblem
from desktop.core.domain.identity import id_number_warnings

BIRTH_REGISTRATION_DAYS = 60  # Luật Hộ tịch 2014, Điều 15 (R09)
FREE_INSURANCE_AGE = 6  # Luật BHYT: children under 6 get a free card (R10)
MAX_AGE = 120  # an older birth date is a typing error (e.g. 1902 for 2002)

SCHOOLING_NOT_YET, SCHOOLING_DROPPED_OUT, SCHOOLING_FINISHED = "HT01", "HT08", "HT09"
RELATION_HEAD = "QH01"
CHILD_RELATIONS = frozenset({"QH03", "QH04", "QH05", "QH07", "QH11"})

# GuardianLink.role and GuardianLink.parent_status values, with their Vietnamese names.
GUARDIAN_ROLES: dict[str, str] = {
    "father": "Cha",
    "mother": "Mẹ",
    "guardian": "Người giám hộ",
    "carer": "Người chăm sóc",
    "adoptive_parent": "Cha/mẹ nuôi",
}
PARENT_STATUSES: dict[str, str] = {
    "alive": "Còn sống",
    "deceased": "Đã mất",
    "missing": "Mất tích",
    "in_prison": "Đang chấp hành án phạt tù",
    "in_facility": "Đang ở cơ sở trợ giúp xã hội",
    "unknown": "Chưa rõ",
}
# Person.status values (kept in step with the change events).
STATUS_ACTIVE, STATUS_MOVED_OUT, STATUS_DEAD, STATUS_MERGED = (
    "active", "moved_out", "dead", "merged",
)  # fmt: skip
STATUS_LABELS: dict[str, str] = {
    STATUS_ACTIVE: "Đang ở địa phương",
    STATUS_MOVED_OUT: "Đã chuyển đi",
    STATUS_DEAD: "Đã mất",
    STATUS_MERGED: "Đã gộp vào hồ sơ khác",
}

# Usual ages (completed years, on the day) for each schooling level; outside → a warning.
_SCHOOL_AGES: dict[str, tuple[int, int]] = {
    "HT02": (0, 3),  # nhà trẻ: 3–36 months
    "HT03": (2, 6),  # mẫu giáo
    "HT04": (5, 14),  # tiểu học (a year early or a few late happen)
    "HT05": (10, 17),  # THCS
    "HT06": (13, 20),  # THPT
    "HT07": (13, 99),  # giáo dục nghề nghiệp
    SCHOOLING_DROPPED_OUT: (5, 99),
}
_INSURANCE_NUMBER = re.compile(r"^(?:[0-9]{10}|[A-Z]{2}[0-9]{13})$")


class Flag(enum.StrEnum):
    """Alerts shown in the lists and usable as filters."""

    BIRTH_UNREGISTERED = "birth_unregistered"  # recorded as "chưa đăng ký khai sinh"
    BIRTH_OVERDUE = "birth_overdue"  # R09: not registered, older than 60 days
    NO_INSURANCE = "no_insurance"  # no card valid on the day
    UNDER6_NO_INSURANCE = "under6_no_insurance"  # R10
    DROPPED_OUT = "dropped_out"
    DISABILITY = "disability"
    ID_MISSING = "id_missing"
    ID_TO_CHECK = "id_to_check"  # R07 mismatch the officer has not explained


FLAG_LABELS: dict[Flag, str] = {
    Flag.BIRTH_UNREGISTERED: "Chưa đăng ký khai sinh",
    Flag.BIRTH_OVERDUE: "Quá 60 ngày chưa đăng ký khai sinh",
    Flag.NO_INSURANCE: "Chưa có thẻ BHYT",
    Flag.UNDER6_NO_INSURANCE: "Dưới 6 tuổi chưa có thẻ BHYT còn hạn",
    Flag.DROPPED_OUT: "Bỏ học",
    Flag.DISABILITY: "Khuyết tật",
    Flag.ID_MISSING: "Chưa có số định danh",
    Flag.ID_TO_CHECK: "Số định danh cần kiểm tra",
}


@dataclass(frozen=True)
class ChildFacts:
    """The fields the rules look at, as stored."""

    birth_date: date
    sex: int
    id_number: str | None = None
    id_check_override: str = ""
    birth_registered: bool | None = None
    insurance_number: str = ""
    insurance_valid_until: date | None = None
    schooling_code: str | None = None
    disability_code: str | None = None


def birth_registration_overdue(birth: date, registered: bool | None, on: date) -> bool:
    """R09: recorded as not registered and more than 60 days old on ``on``.

    "Not known yet" (None) is not flagged: an alert must never be wrong.
    """
    return registered is False and (on - birth).days > BIRTH_REGISTRATION_DAYS


def has_valid_insurance(number: str, valid_until: date | None, on: date) -> bool:
    """A card valid on ``on``: its end date is on or after the day (a card with no end date
    recorded counts as valid, so the alert is never raised on a guess)."""
    if valid_until is not None:
        return valid_until >= on
    return bool(number.strip())


def under6_without_insurance(birth: date, number: str, valid_until: date | None, on: date) -> bool:
    """R10: under 6 on ``on`` and no card valid on that day."""
    return 0 <= age_on(birth, on) < FREE_INSURANCE_AGE and not has_valid_insurance(
        number, valid_until, on
    )


def free_card_end(birth: date) -> date:
    """The day before the 6th birthday: when the free under-6 card is believed to end."""
    return birthday_in(birth, birth.year + FREE_INSURANCE_AGE) - timedelta(days=1)


def id_problems_to_check(facts: ChildFacts) -> list[str]:
    """R07: how the ID disagrees with the date of birth and sex (empty if it agrees)."""
    if not facts.id_number:
        return []
    return id_number_warnings(facts.id_number, facts.birth_date, facts.sex)


def flags_for(facts: ChildFacts, on: date) -> frozenset[Flag]:
    """Every alert that applies to a child on ``on``."""
    flags: set[Flag] = set()
    if facts.birth_registered is False:
        flags.add(Flag.BIRTH_UNREGISTERED)
    if birth_registration_overdue(facts.birth_date, facts.birth_registered, on):
        flags.add(Flag.BIRTH_OVERDUE)
    if not has_valid_insurance(facts.insurance_number, facts.insurance_valid_until, on):
        flags.add(Flag.NO_INSURANCE)
        if 0 <= age_on(facts.birth_date, on) < FREE_INSURANCE_AGE:
            flags.add(Flag.UNDER6_NO_INSURANCE)
    if facts.schooling_code == SCHOOLING_DROPPED_OUT:
        flags.add(Flag.DROPPED_OUT)
    if facts.disability_code:
        flags.add(Flag.DISABILITY)
    if not facts.id_number:
        flags.add(Flag.ID_MISSING)
    elif not facts.id_check_override and id_problems_to_check(facts):
        flags.add(Flag.ID_TO_CHECK)
    return frozenset(flags)


def schooling_warnings(schooling_code: str | None, birth: date, on: date, label: str) -> list[str]:
    """Warnings when the schooling level is unusual for the age (never blocking)."""
    if not schooling_code or schooling_code not in _SCHOOL_AGES:
        return []
    low, high = _SCHOOL_AGES[schooling_code]
    age = age_on(birth, on)
    if low <= age <= high:
        return []
    return [f"{label}: {age} tuổi mà học tập ghi là cấp này — hãy kiểm tra lại."]


def normalise_insurance_number(value: str | None) -> str:
    """Upper case, spaces and dashes removed (cards are copied with spaces between groups)."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def check_details(
    facts: ChildFacts,
    *,
    birth_registration_date: date | None,
    disability_severity_code: str | None,
    on: date,
    label: str,
    row: int | None = None,
) -> list[FieldProblem]:
    """Blocking problems of the child record beyond identity (names the field and the row)."""
    problems: list[FieldProblem] = []
    birth = facts.birth_date

    def add(field: str, message: str) -> None:
        problems.append(FieldProblem(field, f"{label}: {message}", row))

    if birth_registration_date is not None:
        if facts.birth_registered is False:
            add(
                "birth_registration_date",
                "đã ghi “chưa đăng ký khai sinh” nhưng lại có ngày đăng ký — hãy bỏ một trong hai.",
            )
        if birth_registration_date < birth:
            add(
                "birth_registration_date",
                f"ngày đăng ký khai sinh {format_vn_date(birth_registration_date)} ở trước "
                f"ngày sinh {format_vn_date(birth)}.",
            )
        elif birth_registration_date > on:
            add(
                "birth_registration_date",
                f"ngày đăng ký khai sinh {format_vn_date(birth_registration_date)} ở sau ngày "
                f"hôm nay ({format_vn_date(on)}).",
            )
    number = normalise_insurance_number(facts.insurance_number)
    if number and not _INSURANCE_NUMBER.match(number):
        add(
            "insurance_number",
            f"số thẻ BHYT “{facts.insurance_number.strip()}” không đúng dạng: 10 chữ số (mã số "
            "BHXH) hoặc 2 chữ cái và 13 chữ số như in trên thẻ cũ (ví dụ TE1383812345678).",
        )
    if facts.insurance_valid_until is not None and facts.insurance_valid_until < birth:
        add(
            "insurance_valid_until",
            f"hạn thẻ BHYT {format_vn_date(facts.insurance_valid_until)} ở trước ngày sinh.",
        )
    if disability_severity_code and not facts.disability_code:
        add("disability_code", "đã chọn mức độ khuyết tật nhưng chưa chọn dạng khuyết tật.")
    if age_on(birth, on) > MAX_AGE:
        add(
            "birth_date",
            f"ngày sinh {format_vn_date(birth)} cho tuổi {age_on(birth, on)} — không hợp lý, "
            "hãy kiểm tra lại năm sinh.",
        )
    return problems


def turned_sixteen_between(birth: date, after: date, until: date) -> date | None:
    """The 16th birthday if it falls in (``after``, ``until``], else None (R02)."""
    day = sixteenth_birthday(birth)
    return day if after < day <= until else None
