"""Indicator definitions, targets, responsible units and the reporting calendar, loaded as data.

The files live in ``resources/indicators/`` and are validated when loaded: a wrong file stops
with a Vietnamese message naming the file, the indicator and the field.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from resources import resource_path

__all__ = [
    "DIMENSIONS",
    "UNITS",
    "CalendarEntry",
    "DefinitionError",
    "IndicatorDef",
    "ResponsibleUnit",
    "TargetDef",
    "calendar_defaults",
    "indicator",
    "indicators",
    "parse_target",
    "responsible_units",
    "target_problem",
    "targets",
]

Unit = Literal["count", "percent", "permille", "per_10000", "per_100000", "ratio_100", "yes_no"]
Method = Literal["computed", "typed", "mixed"]

UNITS: dict[str, tuple[str, float | None]] = {
    # unit → (shown as, factor applied to numerator ÷ denominator; None = a plain count)
    "count": ("số lượng", None),
    "percent": ("%", 100.0),
    "permille": ("‰", 1000.0),
    "per_10000": ("/10.000", 10_000.0),
    "per_100000": ("/100.000", 100_000.0),
    "ratio_100": ("/100", 100.0),
    "yes_no": ("có/không", None),
}

DIMENSIONS: dict[str, str] = {
    "sex": "Giới tính",
    "age_group": "Nhóm tuổi",
    "ethnicity": "Dân tộc",
    "hamlet": "Thôn, tổ dân phố",
    "special_group": "Nhóm hoàn cảnh đặc biệt",
    "support_type": "Hình thức trợ giúp",
    "abuse_form": "Hình thức xâm hại",
    "injury_cause": "Nguyên nhân tai nạn thương tích",
}


class DefinitionError(ValueError):
    """A definition file is wrong; the message (Vietnamese) names the file, entry and field."""


class IndicatorDef(BaseModel):
    """One indicator: what it is, how it is obtained, who answers for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[0-9]+)?[a-z]?$", max_length=16)
    family: Literal["CT", "TT13"]
    objective: int | None = None
    group: str | None = None
    label_vi: str = Field(min_length=1)
    name_vi: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    unit: Unit
    method: Method
    measure: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    disaggregations: tuple[str, ...] = ()
    responsible_units: tuple[str, ...] = Field(min_length=1)
    better_when: Literal["higher", "lower", ""] = ""
    definition_vi: str = ""
    source: str = ""
    note: str = ""
    # For a typed indicator the book can estimate (CT03 mortality, CT17b drop-outs): shown beside.
    book_estimate: dict[str, Any] | None = None
    plausible_min: float | None = None
    plausible_max: float | None = None

    @field_validator("disaggregations")
    @classmethod
    def _known_dimensions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [d for d in value if d not in DIMENSIONS]
        if unknown:
            raise ValueError(f"phân tổ không có: {', '.join(unknown)}")
        return value

    @property
    def computed(self) -> bool:
        """True if the book gives the whole value (method computed)."""
        return self.method == "computed"

    @property
    def unit_label(self) -> str:
        """The unit as printed (%, ‰, /10.000 …)."""
        return UNITS[self.unit][0]

    @property
    def factor(self) -> float | None:
        """Multiplier of numerator ÷ denominator, or None for counts."""
        return UNITS[self.unit][1]

    @property
    def bounds(self) -> tuple[float, float | None]:
        """Plausible range of a typed value: explicit, else 0–100 for % and 0–∞ otherwise."""
        low = self.plausible_min if self.plausible_min is not None else 0.0
        if self.plausible_max is not None:
            return low, self.plausible_max
        if self.unit == "percent":
            return low, 100.0
        if self.unit == "yes_no":
            return low, 1.0
        return low, None


@dataclass(frozen=True)
class TargetDef:
    """A target of one indicator at one level for one year, as written and as parsed."""

    code: str
    level: str  # national | provincial | commune
    year: int
    text: str
    op: str | None  # "<", "<=", ">", ">=", "=" or None when the text has no number
    value: float | None
    source: str = ""


@dataclass(frozen=True)
class ResponsibleUnit:
    """A unit that holds figures the book does not (health station, schools …)."""

    code: str
    name_vi: str
    name_en: str


@dataclass(frozen=True)
class CalendarEntry:
    """One report type's period, reference date and due date (day/month; a year when fixed)."""

    report_type: str  # H1 | 9M | Y
    name_vi: str
    year: int | None
    period_start: tuple[int, int]  # (day, month)
    period_end: tuple[int, int]
    reference_date: tuple[int, int]
    due_date: tuple[int, int]
    recipient: str
    note: str


_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)")
MAX_TARGET_TEXT = 200  # the width of indicator_targets.text
TARGET_EXAMPLES = "«từ 95% trở lên», «dưới 0,4‰», «100%» hoặc «không có»"


def _vn_number(text: str) -> float:
    """``"0,4"`` → 0.4, ``"1.000"`` → 1000 (Vietnamese decimal comma, dot for thousands)."""
    if "," in text:
        return float(text.replace(".", "").replace(",", "."))
    if "." in text and len(text.rsplit(".", 1)[1]) == 3:
        return float(text.replace(".", ""))
    return float(text)


def parse_target(text: str) -> tuple[str | None, float | None]:
    """``"dưới 0,4 ‰"`` → ("<", 0.4); ``"từ 95% trở lên"`` → (">=", 95); "không có" → ("=", 0)."""
    t = " ".join(text.lower().split())
    if not t:
        return None, None
    if t.startswith(("không có", "duy trì không có")) or t == "duy trì 0%":
        return "=", 0.0
    if _yearly_change(t):
        return None, None  # a yearly change, not a level: shown as text
    match = _NUMBER.search(t)
    if match is None:
        return None, None
    value = _vn_number(match.group(1))
    if "dưới" in t:
        op = "<"
    elif "trở lên" in t:
        op = ">="
    elif t.startswith("trên"):
        op = ">"
    else:
        op = "="
    return op, value


def _yearly_change(lowered: str) -> bool:
    """A change per year ("giảm 2–3% mỗi năm"), kept as text: no level to compare with."""
    return "giảm" in lowered and "%" in lowered and "mỗi năm" in lowered


def target_problem(text: str, unit: str) -> str:
    """Why ``text`` cannot be the target of an indicator measured in ``unit``, in Vietnamese;
    "" when it can. Empty text is fine (no target at that level and year). A target must have a
    number the report can compare with (or be "không có", or a yearly change), fit the column,
    and a percentage cannot exceed 100 %."""
    t = " ".join(text.split())
    if not t:
        return ""
    if len(t) > MAX_TARGET_TEXT:
        return f"Mục tiêu dài quá {MAX_TARGET_TEXT} ký tự (đang có {len(t)} ký tự)."
    op, value = parse_target(t)
    if op is None:
        if _yearly_change(t.lower()):
            return ""
        return f"Không đọc được mục tiêu «{t}»: hãy ghi một con số, ví dụ {TARGET_EXAMPLES}."
    if unit == "percent" and value is not None and value > 100:
        return f"Mục tiêu «{t}» lớn hơn 100 %: tỷ lệ phần trăm không vượt quá 100."
    return ""


def _files_dir() -> Path:
    return resource_path("indicators")


@functools.cache
def indicators(path: Path | None = None) -> tuple[IndicatorDef, ...]:
    """Every indicator in file order, validated; raise DefinitionError on a wrong file."""
    from desktop.core.indicators.measures import MEASURES

    file = path or _files_dir() / "indicators.json"
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DefinitionError(f"Không đọc được tệp chỉ tiêu {file.name}: {exc}") from exc
    items = raw.get("indicators") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise DefinitionError(f"Tệp {file.name}: thiếu danh sách «indicators».")
    units = {u.code for u in responsible_units()}
    out: list[IndicatorDef] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        code = item.get("code", f"#{n}") if isinstance(item, dict) else f"#{n}"
        try:
            d = IndicatorDef.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise DefinitionError(
                f"Tệp {file.name}, chỉ tiêu {code}, trường «{where}»: {first['msg']}"
            ) from exc
        problems = []
        if d.code in seen:
            problems.append("mã bị trùng")
        if d.method in ("computed", "mixed") and d.measure not in MEASURES:
            problems.append(f"phép tính «{d.measure}» không có trong chương trình")
        if d.method == "typed" and d.measure is not None:
            problems.append("chỉ tiêu nhập tay không được có phép tính")
        if d.method != "typed" and not d.definition_vi.strip():
            problems.append("chỉ tiêu tính từ sổ phải có định nghĩa bằng lời (definition_vi)")
        if d.book_estimate is not None and d.book_estimate.get("measure") not in MEASURES:
            problems.append("ước tính từ sổ dùng phép tính không có")
        bad_units = [u for u in d.responsible_units if u not in units]
        if bad_units:
            problems.append(f"đơn vị chịu trách nhiệm không có: {', '.join(bad_units)}")
        if problems:
            raise DefinitionError(f"Tệp {file.name}, chỉ tiêu {d.code}: {'; '.join(problems)}.")
        seen.add(d.code)
        out.append(d)
    return tuple(out)


def indicator(code: str) -> IndicatorDef:
    """One indicator by its code; KeyError with a Vietnamese message if unknown."""
    for d in indicators():
        if d.code == code:
            return d
    raise KeyError(f"Không có chỉ tiêu mã {code}.")


def _csv_rows(name: str) -> list[dict[str, str]]:
    file = _files_dir() / name
    with file.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@functools.cache
def responsible_units() -> tuple[ResponsibleUnit, ...]:
    """The responsible units (units.csv)."""
    return tuple(
        ResponsibleUnit(r["code"], r["name_vi"], r["name_en"]) for r in _csv_rows("units.csv")
    )


@functools.cache
def targets() -> tuple[TargetDef, ...]:
    """The default targets (targets.csv), parsed; DefinitionError on a wrong row."""
    codes = {d.code for d in indicators()}
    out = []
    for n, r in enumerate(_csv_rows("targets.csv"), start=2):
        if r["code"] not in codes:
            raise DefinitionError(f"Tệp targets.csv, dòng {n}: không có chỉ tiêu mã {r['code']}.")
        if r["level"] not in ("national", "provincial", "commune"):
            raise DefinitionError(f"Tệp targets.csv, dòng {n}: cấp «{r['level']}» không hợp lệ.")
        try:
            year = int(r["year"])
        except ValueError as exc:
            raise DefinitionError(f"Tệp targets.csv, dòng {n}: năm «{r['year']}» sai.") from exc
        op, value = parse_target(r["text"])
        out.append(TargetDef(r["code"], r["level"], year, r["text"], op, value, r["source"]))
    return tuple(out)


def _day_month(text: str, file: str, n: int, column: str) -> tuple[int, int]:
    try:
        day, month = (int(x) for x in text.split("/"))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            raise ValueError
    except ValueError as exc:
        raise DefinitionError(
            f"Tệp {file}, dòng {n}, cột «{column}»: «{text}» không phải ngày/tháng (dd/mm)."
        ) from exc
    return day, month


@functools.cache
def calendar_defaults() -> tuple[CalendarEntry, ...]:
    """The default reporting calendar (calendar.csv)."""
    out = []
    for n, r in enumerate(_csv_rows("calendar.csv"), start=2):
        if r["report_type"] not in ("H1", "9M", "Y"):
            raise DefinitionError(f"Tệp calendar.csv, dòng {n}: loại báo cáo sai.")
        out.append(
            CalendarEntry(
                report_type=r["report_type"],
                name_vi=r["name_vi"],
                year=int(r["year"]) if r["year"].strip() else None,
                period_start=_day_month(r["period_start"], "calendar.csv", n, "period_start"),
                period_end=_day_month(r["period_end"], "calendar.csv", n, "period_end"),
                reference_date=_day_month(r["reference_date"], "calendar.csv", n, "reference_date"),
                due_date=_day_month(r["due_date"], "calendar.csv", n, "due_date"),
                recipient=r["recipient"],
                note=r["note"],
            )
        )
    return tuple(out)
