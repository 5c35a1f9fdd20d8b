"""Read one cell as a field's value; a problem says what is wrong and what to do.

Every function takes the raw cell (as the reader gives it: text, number, date, bool, error
marker or None) and returns the value, or None for an empty cell. Problems are raised as
CellProblem with a message (what is wrong) and a hint (what to do), both Vietnamese.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from desktop.core.domain.dates import (
    EARLIEST_BIRTH_YEAR,
    age_on,
    format_vn_date,
    parse_vn_date,
)
from desktop.core.domain.errors import ValidationError
from desktop.core.domain.text import clean_text, fold
from desktop.core.importer.reader import NO_CACHED_VALUE, Cell, CellError, is_blank

MAX_AGE = 120  # an older birth date is a typing error (1902 for 2002)
MAX_NAME_LENGTH = 200
MAX_HOUSEHOLD_NUMBER_LENGTH = 20
SPECIAL_GROUPS = range(1, 15)  # Luật Trẻ em 2016, Điều 10 khoản 1: 14 groups

_DATE_HINT = "Hãy ghi ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2019."


class CellProblem(Exception):
    """What is wrong with one cell (``message``) and what to do (``hint``)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _check_marker(cell: Cell) -> None:
    if cell is NO_CACHED_VALUE:
        raise CellProblem(
            "ô chứa công thức nhưng tệp không lưu kết quả tính.",
            "Hãy mở tệp bằng Excel, bấm Lưu rồi nhập lại (hoặc chép ô và “Dán giá trị”).",
        )
    if isinstance(cell, CellError):
        raise CellProblem(
            f"ô báo lỗi {cell.code} của Excel.", "Hãy sửa công thức hoặc gõ giá trị vào ô."
        )


def text(cell: Cell) -> str | None:
    """The cell as cleaned text (NFC, single spaces); None if empty."""
    _check_marker(cell)
    if is_blank(cell):
        return None
    if isinstance(cell, bool):
        return "Có" if cell else "Không"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return format_vn_date(cell.date())
    if isinstance(cell, date):
        return format_vn_date(cell)
    return clean_text(str(cell)) or None


def name(cell: Cell) -> str | None:
    """A person's full name: letters and spaces (also ' and -), NFC, single spaces."""
    value = text(cell)
    if value is None:
        return None
    if any(ch.isdigit() for ch in value):
        raise CellProblem(f"họ tên “{value}” có chữ số.", "Hãy kiểm tra lại ô, có thể nhầm cột.")
    if not any(ch.isalpha() for ch in value):
        raise CellProblem(f"“{value}” không phải họ tên.", "Hãy ghi họ và tên đầy đủ.")
    if len(value) > MAX_NAME_LENGTH:
        raise CellProblem(
            f"họ tên dài {len(value)} ký tự, quá {MAX_NAME_LENGTH} ký tự.",
            "Hãy kiểm tra lại ô, có thể nhiều ô bị dán chung.",
        )
    if value in (value.upper(), value.lower()):
        # Lists are often typed in capitals: "NGUYỄN VĂN AN" is written "Nguyễn Văn An".
        return _capitalised(value)
    return value


def _capitalised(name: str) -> str:
    out = []
    for index, char in enumerate(name):
        start = index == 0 or name[index - 1] in " -'’"
        out.append(char.upper() if start else char.lower())
    return "".join(out)


def household_number(cell: Cell) -> str | None:
    """A household number as written in the paper book ("12", "12A")."""
    value = text(cell)
    if value is None:
        return None
    if len(value) > MAX_HOUSEHOLD_NUMBER_LENGTH:
        raise CellProblem(
            f"số hộ “{value}” dài quá {MAX_HOUSEHOLD_NUMBER_LENGTH} ký tự.",
            "Hãy ghi số thứ tự của hộ như trong sổ giấy, ví dụ 12 hoặc 12A.",
        )
    return value


@dataclass(frozen=True)
class BirthDate:
    """A birth date read from a cell; ``estimated`` when only the year (or month) was known."""

    value: date
    estimated: bool = False
    note: str = ""  # how an incomplete date was completed, for the preview


_ISO = re.compile(r"^\s*([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T]00:00(?::00)?)?\s*$")
_YEAR = re.compile(r"^\s*([0-9]{4})\s*$")
_MONTH_YEAR = re.compile(r"^\s*([0-9]{1,2})\s*[/.\-]\s*([0-9]{4})\s*$")
_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = 2_958_465  # 31/12/9999


def birth_date(cell: Cell, today: date) -> BirthDate:
    """A birth date: a date cell, an Excel serial number, or text dd/mm/yyyy, yyyy-mm-dd …

    Only a year (or month/year) gives an estimated date in the middle of the unknown span
    (DOMAIN R04). Future dates, dates before 1900 and ages over 120 are refused.
    """
    _check_marker(cell)
    if is_blank(cell):
        raise CellProblem("chưa ghi ngày sinh.", _DATE_HINT)
    found = _date_of(cell, today)
    value = found.value
    if value > today:
        raise CellProblem(
            f"ngày sinh {format_vn_date(value)} ở sau ngày của danh sách (số liệu tính đến "
            f"ngày {format_vn_date(today)}).",
            "Hãy kiểm tra lại năm sinh, hoặc ngày “Số liệu tính đến ngày”.",
        )
    if value.year < EARLIEST_BIRTH_YEAR or age_on(value, today) > MAX_AGE:
        raise CellProblem(
            f"ngày sinh {format_vn_date(value)} cho tuổi {age_on(value, today)}, không thể có.",
            "Hãy kiểm tra lại năm sinh (năm phải đủ 4 chữ số).",
        )
    return found


def _date_of(cell: Cell, today: date) -> BirthDate:
    if isinstance(cell, datetime):
        return BirthDate(cell.date())
    if isinstance(cell, date):
        return BirthDate(cell)
    if isinstance(cell, time):
        raise CellProblem("ô đang chứa giờ, không phải ngày.", _DATE_HINT)
    if isinstance(cell, bool):
        raise CellProblem(f"“{text(cell)}” không phải ngày.", _DATE_HINT)
    if isinstance(cell, int | float):
        number = float(cell)
        if number.is_integer() and EARLIEST_BIRTH_YEAR <= number <= today.year:
            return _year_only(int(number), today)
        if number.is_integer() and 1 <= number <= _MAX_SERIAL:
            # A date typed into a cell formatted as a number: Excel's day count.
            return BirthDate(_EXCEL_EPOCH + timedelta(days=int(number)))
        raise CellProblem(f"“{text(cell)}” không phải ngày.", _DATE_HINT)
    raw = clean_text(str(cell))
    iso = _ISO.match(raw)
    if iso is not None:
        year, month, day = (int(g) for g in iso.groups())
        return BirthDate(_checked_date(raw, day, month, year))
    year_only = _YEAR.match(raw)
    if year_only is not None:
        return _year_only(int(year_only.group(1)), today)
    month_year = _MONTH_YEAR.match(raw)
    if month_year is not None:
        month, year = int(month_year.group(1)), int(month_year.group(2))
        if not 1 <= month <= 12:
            raise CellProblem(f"“{raw}”: tháng {month} không tồn tại.", _DATE_HINT)
        middle = _middle(date(year, month, 1), date(year, month, 15), today)
        return BirthDate(
            middle,
            estimated=True,
            note=f"chỉ có tháng/năm “{raw}”: ghi ngày {format_vn_date(middle)}, đánh dấu ước tính",
        )
    try:
        return BirthDate(parse_vn_date(raw, "birth_date", "Ngày sinh"))
    except ValidationError as exc:
        message = exc.problems[0].message
        # parse_vn_date's messages start with the label; the column is named already.
        message = message.removeprefix("Ngày sinh: ")
        raise CellProblem(message, _DATE_HINT) from None


def _checked_date(raw: str, day: int, month: int, year: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellProblem(
            f"ngày {day:02d}/{month:02d}/{year} (“{raw}”) không tồn tại.", _DATE_HINT
        ) from None


def _middle(start: date, usual: date, today: date) -> date:
    """The middle of the unknown span (DOMAIN R04), which ends today for the current period."""
    if start <= today < usual:
        return start + (today - start) // 2
    return usual


def _year_only(year: int, today: date) -> BirthDate:
    middle = _middle(date(year, 1, 1), date(year, 7, 1), today)
    return BirthDate(
        middle,
        estimated=True,
        note=f"chỉ có năm sinh {year}: ghi ngày {format_vn_date(middle)}, đánh dấu ước tính",
    )


_SEXES = {
    "nam": 1, "trai": 1, "m": 1, "1": 1, "male": 1,
    "nu": 2, "gai": 2, "f": 2, "2": 2, "female": 2,
    "chua xac dinh": 3, "khong ro": 3, "khong biet": 3, "3": 3,
}  # fmt: skip


def sex(cell: Cell) -> int | None:
    """1 Nam, 2 Nữ, 3 chưa xác định."""
    value = text(cell)
    if value is None:
        return None
    found = _SEXES.get(fold(value))
    if found is None:
        raise CellProblem(f"“{value}” không phải giới tính.", "Hãy ghi Nam hoặc Nữ.")
    return found


_YES = {"co", "da", "x", "yes", "1", "da dang ky", "co the", "da co"}
_NO = {"chua", "khong", "no", "0", "chua dang ky", "chua co", "khong co"}


def yes_no(cell: Cell, yes_word: str, no_word: str) -> bool | None:
    """Có/Chưa (or Có/Không): True, False, or None for an empty cell."""
    _check_marker(cell)
    if isinstance(cell, bool):
        return cell
    value = text(cell)
    if value is None:
        return None
    key = fold(value)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise CellProblem(f"“{value}” không đúng.", f"Hãy ghi {yes_word} hoặc {no_word}.")


_POVERTY = {
    "ngheo": "HN01", "ho ngheo": "HN01",
    "can ngheo": "HN02", "ho can ngheo": "HN02",
    "khong": "HN03", "binh thuong": "HN03", "khong ngheo": "HN03",
    "khong thuoc ho ngheo, can ngheo": "HN03",
}  # fmt: skip


def poverty(cell: Cell) -> str | None:
    """HN01 nghèo, HN02 cận nghèo, HN03 không."""
    value = text(cell)
    if value is None:
        return None
    found = _POVERTY.get(fold(value))
    if found is None:
        raise CellProblem(
            f"“{value}” không phải hoàn cảnh hộ.", "Hãy ghi Nghèo, Cận nghèo hoặc Không."
        )
    return found


SCHOOLING_WORDS: dict[str, str] = {
    "chua di hoc": "HT01",
    "nha tre": "HT02",
    "mau giao": "HT03",
    "mam non": "HT03",
    "tieu hoc": "HT04",
    "thcs": "HT05",
    "trung hoc co so": "HT05",
    "thpt": "HT06",
    "trung hoc pho thong": "HT06",
    "giao duc nghe nghiep": "HT07",
    "hoc nghe": "HT07",
    "bo hoc": "HT08",
    "da tot nghiep": "HT09",
    "da tot nghiep, khong di hoc nua": "HT09",
}
SCHOOLING_LABELS: dict[str, str] = {
    "HT01": "Chưa đi học",
    "HT02": "Nhà trẻ",
    "HT03": "Mẫu giáo",
    "HT04": "Tiểu học",
    "HT05": "THCS",
    "HT06": "THPT",
    "HT07": "Giáo dục nghề nghiệp",
    "HT08": "Bỏ học",
    "HT09": "Đã tốt nghiệp",
}


def schooling(cell: Cell) -> str | None:
    """A schooling level code (HT01 … HT09)."""
    value = text(cell)
    if value is None:
        return None
    found = SCHOOLING_WORDS.get(fold(value).replace(".", ""))
    if found is None:
        raise CellProblem(
            f"“{value}” không phải tình trạng học tập.",
            "Hãy ghi một trong: Chưa đi học, Nhà trẻ, Mẫu giáo, Tiểu học, THCS, THPT, Bỏ học.",
        )
    return found


_GROUP_SPLIT = re.compile(r"[;,\s]+")
_GROUP_ITEM = re.compile(r"^(?:hcdb|nhom)?0*([0-9]{1,2})$")


def special_groups(cell: Cell) -> tuple[int, ...]:
    """The special-circumstance groups 1–14, in the order written, without repeats."""
    _check_marker(cell)
    if is_blank(cell):
        return ()
    if isinstance(cell, float) and not cell.is_integer():
        raise CellProblem(
            f"“{cell}” bị Excel đổi thành số thập phân.",
            "Hãy định dạng ô là Văn bản và ghi các nhóm cách nhau bằng dấu chấm phẩy, ví dụ 1; 4.",
        )
    value = text(cell) or ""
    groups: list[int] = []
    for item in _GROUP_SPLIT.split(fold(value)):
        if not item:
            continue
        match = _GROUP_ITEM.match(item)
        number = int(match.group(1)) if match else 0
        if number not in SPECIAL_GROUPS:
            raise CellProblem(
                f"“{item}” không phải nhóm hoàn cảnh đặc biệt.",
                "Hãy ghi số nhóm từ 1 đến 14, nhiều nhóm cách nhau bằng dấu chấm phẩy, ví dụ 1; 4.",
            )
        if number not in groups:
            groups.append(number)
    return tuple(groups)


@dataclass(frozen=True)
class IdNumber:
    """A personal ID read from a cell; ``note`` says how a number cell was restored."""

    value: str
    note: str = ""


def id_number(cell: Cell) -> IdNumber | None:
    """Exactly 12 digits (DOMAIN R05). A number cell that lost its leading zeros is restored.

    Every ID starts with a province code 001–096, so a number Excel stored without its
    leading zeros has exactly one 12-digit form.
    """
    _check_marker(cell)
    if is_blank(cell):
        return None
    if isinstance(cell, bool):
        raise CellProblem(f"“{text(cell)}” không phải số định danh.", "Hãy ghi đủ 12 chữ số.")
    if isinstance(cell, int | float):
        if isinstance(cell, float) and not cell.is_integer():
            raise CellProblem(f"“{cell}” không phải số định danh.", "Hãy ghi đủ 12 chữ số.")
        digits = str(int(cell))
        if 0 < len(digits) <= 12 and int(cell) > 0:
            restored = digits.zfill(12)
            note = (
                f"số định danh được lưu dạng số ({digits}); đã thêm số 0 ở đầu thành {restored}"
                if restored != digits
                else ""
            )
            return IdNumber(restored, note)
        raise CellProblem(
            f"số định danh “{digits}” có {len(digits)} chữ số, phải đủ 12 chữ số.",
            "Hãy định dạng ô là Văn bản và ghi lại đủ 12 chữ số.",
        )
    raw = clean_text(str(cell))
    compact = raw.replace(" ", "").replace(".", "").replace("-", "")
    if any(ch.isalpha() for ch in compact):
        raise CellProblem(
            f"số định danh “{raw}” có chữ cái.", "Số định danh chỉ gồm 12 chữ số, không có chữ."
        )
    if not compact.isdigit() or len(compact) != 12:
        count = sum(ch.isdigit() for ch in compact)
        hint = "Hãy ghi đủ 12 chữ số."
        if count == 11:
            hint = (
                "Nếu Excel đã làm mất số 0 ở đầu, hãy định dạng ô là Văn bản và thêm số 0; "
                "nếu không, hãy kiểm tra lại với giấy khai sinh hoặc công an xã."
            )
        raise CellProblem(
            f"số định danh “{raw}” có {count} chữ số, phải đủ 12 chữ số.",
            hint,
        )
    return IdNumber(compact)


def phone(cell: Cell) -> str | None:
    """A phone number: digits (a leading + allowed), spaces and dots removed."""
    _check_marker(cell)
    if is_blank(cell):
        return None
    if isinstance(cell, int | float) and not isinstance(cell, bool) and math.isfinite(cell):
        digits = str(int(cell))
        # Vietnamese numbers start with 0; Excel drops it from a number cell.
        return digits if digits.startswith("0") else "0" + digits
    # Anything else, an infinite number included, is judged as text (and refused).
    raw = clean_text(str(cell))
    compact = re.sub(r"[\s.\-()]", "", raw)
    if not re.fullmatch(r"\+?[0-9]{8,15}", compact):
        raise CellProblem(
            f"“{raw}” không phải số điện thoại.", "Hãy ghi số điện thoại, chỉ gồm chữ số."
        )
    return compact


_RELATION_WORDS = {
    "chu ho": "QH01", "vo": "QH02", "chong": "QH02", "vo/chong": "QH02",
    "con": "QH03", "con de": "QH03", "con ruot": "QH03", "con nuoi": "QH04",
    "con rieng": "QH05", "con dau": "QH06", "con re": "QH06", "con dau/con re": "QH06",
    "chau": "QH07", "anh": "QH08", "chi": "QH08", "em": "QH08", "anh/chi/em": "QH08",
    "bo": "QH09", "me": "QH09", "cha": "QH09", "bo/me": "QH09",
    "ong": "QH10", "ba": "QH10", "ong/ba": "QH10",
    "nguoi duoc giam ho": "QH11", "khac": "QH99",
}  # fmt: skip


def relation(cell: Cell) -> str | None:
    """A relationship to the head (household_relations.csv code)."""
    value = text(cell)
    if value is None:
        return None
    found = _RELATION_WORDS.get(fold(value).replace(" / ", "/"))
    if found is None:
        raise CellProblem(
            f"“{value}” không phải quan hệ với chủ hộ.",
            "Hãy ghi: Chủ hộ, Vợ/chồng, Con đẻ, Con nuôi, Con riêng, Cháu, Anh/chị/em, "
            "Bố/mẹ, Ông/bà, Người được giám hộ, Khác.",
        )
    return found


def ethnicity(cell: Cell) -> str | None:
    """An ethnic group's code (1979 order); common spellings and other names are recognised."""
    from desktop.core.services import codes

    value = text(cell)
    if value is None:
        return None
    found = codes.match_ethnicity(value)
    if found is not None:
        return found.code
    suggestions = [c.name for c in codes.closest_ethnicities(value, 3)]
    hint = "Hãy ghi đúng tên một trong 54 dân tộc (ví dụ Kinh, Tày, Mường, Khơ-me, H'Mông)."
    if suggestions:
        hint = "Có phải " + " hay ".join(f"“{s}”" for s in suggestions) + "? Hãy sửa lại ô."
    raise CellProblem(f"không nhận ra dân tộc “{value}”.", hint)
