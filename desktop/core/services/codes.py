"""Code lists bundled with the app (ethnic groups, poverty status, relations …)."""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from desktop.core.domain.collation import vn_sort_key
from desktop.core.domain.text import fold
from resources import resource_path


@dataclass(frozen=True)
class Code:
    """One entry of a code list."""

    code: str
    name: str


@cache
def _load(file_name: str, code_column: str = "code") -> tuple[Code, ...]:
    with resource_path("codes", file_name).open(encoding="utf-8", newline="") as handle:
        return tuple(Code(row[code_column], row["name_vi"]) for row in csv.DictReader(handle))


def ethnic_groups() -> tuple[Code, ...]:
    """The 54 ethnic groups and the foreigner code (1979 order), Kinh first then A–Z."""
    codes = _load("ethnic_groups.csv")
    return (codes[0], *sorted(codes[1:], key=lambda c: vn_sort_key(c.name)))


def poverty_statuses() -> tuple[Code, ...]:
    """HN01 nghèo, HN02 cận nghèo, HN03 không."""
    return _load("poverty_status.csv")


def household_relations() -> tuple[Code, ...]:
    """Relationship to the head of household, in the book's kinship order."""
    return _load("household_relations.csv")


def name_of(codes: tuple[Code, ...], code: str | None) -> str:
    """The Vietnamese name of ``code`` in ``codes`` (the code itself if unknown)."""
    for item in codes:
        if item.code == code:
            return item.name
    return code or ""


def residence_statuses() -> tuple[Code, ...]:
    """CU01 thường trú, CU02 tạm trú, CU03 tạm vắng, CU04 nơi ở hiện tại."""
    return _load("residence_status.csv")


def schooling_levels() -> tuple[Code, ...]:
    """HT01 chưa đi học … HT08 bỏ học, HT09 đã tốt nghiệp."""
    return _load("schooling_levels.csv")


def disability_types() -> tuple[Code, ...]:
    """The six types of disability (Luật Người khuyết tật 2010, Điều 3 khoản 1)."""
    return _load("disability_types.csv")


def disability_severities() -> tuple[Code, ...]:
    """Đặc biệt nặng, nặng, nhẹ (same law, Điều 3 khoản 2)."""
    return _load("disability_severity.csv")


def change_event_types() -> tuple[Code, ...]:
    """BD01 sinh … BD09 thay đổi thông tin."""
    return _load("change_event_types.csv")


@cache
def change_event_effects() -> dict[str, str]:
    """Event code → "open", "close" or "update" (what the event does to the record)."""
    with resource_path("codes", "change_event_types.csv").open(encoding="utf-8", newline="") as f:
        return {row["code"]: row["effect"] for row in csv.DictReader(f)}


@cache
def special_circumstance_groups() -> tuple[Code, ...]:
    """The 14 HCĐB groups (Luật Trẻ em 2016, Điều 10 khoản 1), code = the group number."""
    seen: dict[str, Code] = {}
    path = resource_path("codes", "special_circumstances.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["subgroup_no"] and row["group_no"] not in seen:
                seen[row["group_no"]] = Code(row["group_no"], row["name_vi"])
    return tuple(seen.values())


# -- ethnic groups typed as free text (imports, the police list) ---------------------------

_ALIAS_DROP = re.compile(r"[\s\-‐‑–—'’ʼ`´.,()\[\]]")


def _alias_key(text: str | None) -> str:
    """Folded, without spaces, hyphens, apostrophes and brackets: "H'Mông" → "hmong"."""
    return _ALIAS_DROP.sub("", fold(text))


@cache
def _ethnic_keys() -> dict[str, Code]:
    by_code = {c.code: c for c in _load("ethnic_groups.csv")}
    keys: dict[str, Code] = {}
    with resource_path("codes", "ethnic_groups.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for text in (row["name_vi"], row["name_en_or_latin"]):
                keys.setdefault(_alias_key(text), by_code[row["code"]])
    with resource_path("codes", "ethnic_aliases.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            keys.setdefault(_alias_key(row["alias"]), by_code[row["code"]])
    keys.pop("", None)
    return keys


def match_ethnicity(text: str | None) -> Code | None:
    """The ethnic group ``text`` names, whatever the spelling ("Khmer", "Khơ-me", "H'Mông",
    "Mèo", "Jrai", "Ê Đê" …), or None if it is not a known name or alias."""
    return _ethnic_keys().get(_alias_key(text))


_LONGEST_GUESS = 30


@cache
def _alias_matchers() -> list[tuple[str, Code, difflib.SequenceMatcher[str]]]:
    # SequenceMatcher indexes its second sequence; each name is indexed once, not per call.
    matchers = []
    for alias, code in _ethnic_keys().items():
        matcher: difflib.SequenceMatcher[str] = difflib.SequenceMatcher(None)
        matcher.set_seq2(alias)
        matchers.append((alias, code, matcher))
    return matchers


def closest_ethnicities(text: str | None, n: int = 3) -> list[Code]:
    """Up to ``n`` ethnic groups whose names or aliases are closest to ``text``, best first."""
    key = _alias_key(text)
    if not key or n <= 0 or len(key) > _LONGEST_GUESS or not key.isalpha():
        # No ethnic group's name has digits or signs or is this long: this is not a
        # misspelt name but something else (a list of junk must not cost 190 comparisons
        # a row), so no guess.
        return []
    best: dict[str, tuple[float, Code]] = {}
    for alias, code, matcher in _alias_matchers():
        # 0.25 for "hmon" typed for "hmong", "khmerkrom" for "khmer".
        bonus = 0.25 if alias.startswith(key) or key.startswith(alias) else 0.0
        matcher.set_seq1(key)
        # The cheap upper bounds first: a list of junk (every cell unknown) must not cost
        # a full comparison with each of the ~190 names for every row.
        if matcher.real_quick_ratio() + bonus < 0.4 or matcher.quick_ratio() + bonus < 0.4:
            continue
        score = matcher.ratio() + bonus
        if score > best.get(code.code, (-1.0, code))[0]:
            best[code.code] = (score, code)
    ranked = sorted(best.values(), key=lambda item: (-item[0], item[1].code))
    return [code for score, code in ranked[:n] if score >= 0.4]


# -- child protection ----------------------------------------------------------------------


@dataclass(frozen=True)
class TreeCode:
    """An entry of a two-level code list (``parent_code`` empty for a top-level entry)."""

    code: str
    name: str
    parent_code: str = ""


@cache
def _tree(file_name: str) -> tuple[TreeCode, ...]:
    with resource_path("codes", file_name).open(encoding="utf-8", newline="") as handle:
        return tuple(
            TreeCode(row["code"], row["name_vi"], row.get("parent_code") or "")
            for row in csv.DictReader(handle)
        )


def support_types() -> tuple[TreeCode, ...]:
    """TG01 trợ cấp xã hội hằng tháng … TG11 học bổng (support_types.csv)."""
    return _tree("support_types.csv")


def abuse_forms() -> tuple[TreeCode, ...]:
    """XH01 bạo lực … XH06 (abuse_forms.csv); XH03.x are the sexual-abuse sub-types."""
    return _tree("abuse_forms.csv")


def abuse_settings() -> tuple[TreeCode, ...]:
    """MT01 gia đình … MT99 khác."""
    return _tree("abuse_settings.csv")


def case_channels() -> tuple[TreeCode, ...]:
    """NT01 Tổng đài 111, NT02 trực tiếp, NT03 điện thoại …"""
    return _tree("case_channels.csv")


def injury_causes() -> tuple[TreeCode, ...]:
    """TN01 giao thông … TN05 đuối nước … TN11 điện giật."""
    return _tree("injury_causes.csv")


def injury_outcomes() -> tuple[TreeCode, ...]:
    """KQ01 tử vong, KQ02 tàn phế, KQ03 không tàn phế, KQ04 chưa xác định."""
    return _tree("injury_outcomes.csv")


def treatment_levels() -> tuple[TreeCode, ...]:
    """XT01 tự chữa … XT08 khác."""
    return _tree("treatment_levels.csv")


def tree_name(codes: tuple[TreeCode, ...], code: str | None) -> str:
    """The Vietnamese name of ``code`` (the code itself if unknown)."""
    for item in codes:
        if item.code == code:
            return item.name
    return code or ""


def tree_codes(codes: tuple[TreeCode, ...]) -> frozenset[str]:
    """All codes of a list."""
    return frozenset(item.code for item in codes)


@dataclass(frozen=True)
class SpecialGroupRow:
    """A row of special_circumstances.csv: a group (``subgroup_no`` None) or a sub-group."""

    group_no: int
    law_point: str
    name: str
    subgroup_no: int | None
    subgroup_name: str


@cache
def special_circumstance_rows() -> tuple[SpecialGroupRow, ...]:
    """Every group and sub-group of special_circumstances.csv, in file order."""
    path = resource_path("codes", "special_circumstances.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            SpecialGroupRow(
                int(row["group_no"]),
                row["law_point"],
                row["name_vi"],
                int(row["subgroup_no"]) if row["subgroup_no"] else None,
                row["subgroup_vi"],
            )
            for row in csv.DictReader(handle)
        )


@dataclass(frozen=True)
class HolidayEntry:
    """A shipped day off (resources/codes/holidays.csv)."""

    day: date
    name: str
    kind: str  # "solar" | "lunar" | "bridge"


@cache
def shipped_holidays() -> tuple[HolidayEntry, ...]:
    """The shipped days off, 2024–2035 (lunar dates looked up, not computed)."""
    with resource_path("codes", "holidays.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(
            HolidayEntry(date.fromisoformat(row["date"]), row["name_vi"], row["kind"])
            for row in csv.DictReader(handle)
        )


@cache
def risk_categories() -> tuple[Code, ...]:
    """The shipped at-risk categories (resources/codes/risk_categories.csv)."""
    return _load("risk_categories.csv")
