"""Code lists bundled with the app (ethnic groups, poverty status, relations …)."""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
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
