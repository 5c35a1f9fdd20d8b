"""The indicator definitions load, validate and cover the programme and TT 13/2021 sets."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from desktop.core.indicators import definitions as defs
from resources import resource_path


def test_every_definition_loads_and_validates() -> None:
    items = defs.indicators()
    codes = [d.code for d in items]
    assert len(codes) == len(set(codes))
    programme = resource_path("codes", "programme_indicators.csv")
    with programme.open(encoding="utf-8") as fh:
        expected = [r["code"] for r in csv.DictReader(fh)]
    assert [c for c in codes if c.startswith("CT")] == expected  # CT01 … CT24 with parts
    for d in items:
        assert d.name_vi and d.name_en and d.unit_label and d.responsible_units
        if d.method != "typed":
            assert d.definition_vi
    assert defs.indicator("CT03a").label_vi == "Chỉ tiêu 3 (a)"
    assert defs.indicator("CT14").computed
    assert defs.indicator("CT22").method == "mixed"
    assert {d.code for d in items if d.family == "TT13"} >= {"TK0101", "TK0301", "TK2-0101"}


def test_targets_default_to_seed_003() -> None:
    by = {(t.code, t.level, t.year): t for t in defs.targets()}
    ct03a = by[("CT03a", "commune", 2025)]
    assert (ct03a.text, ct03a.op, ct03a.value) == ("dưới 0,4 ‰", "<", 0.4)
    assert by[("CT22", "commune", 2030)].op == ">="
    assert by[("CT11a", "national", 2025)].value == 550
    assert by[("CT09", "commune", 2025)].value == 0


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("100%", ("=", 100.0)),
        ("trên 95%", (">", 95.0)),
        ("từ 80% trở lên", (">=", 80.0)),
        ("không có", ("=", 0.0)),
        ("1,0/10.000", ("=", 1.0)),
        ("giảm 2–3% mỗi năm (giai đoạn 2025–2030)", (None, None)),
        ("", (None, None)),
    ],
)
def test_parse_target(text: str, parsed: tuple[str | None, float | None]) -> None:
    assert defs.parse_target(text) == parsed


def test_calendar_defaults() -> None:
    cal = {e.report_type: e for e in defs.calendar_defaults()}
    assert cal["H1"].due_date == (10, 5)
    assert cal["9M"].due_date == (15, 9)
    assert cal["Y"].due_date == (10, 11)


def _write(tmp_path: Path, items: list[dict[str, object]]) -> Path:
    file = tmp_path / "indicators.json"
    file.write_text(json.dumps({"version": 1, "indicators": items}), encoding="utf-8")
    return file


def test_a_wrong_file_names_the_indicator_and_field(tmp_path: Path) -> None:
    good = json.loads(resource_path("indicators", "indicators.json").read_text("utf-8"))
    first = dict(good["indicators"][0])
    bad_unit = {**first, "unit": "lít"}
    with pytest.raises(defs.DefinitionError, match=r"CT01.*unit"):
        defs.indicators.__wrapped__(_write(tmp_path, [bad_unit]))
    unknown_measure = {**first, "method": "computed", "measure": "nope", "definition_vi": "x"}
    with pytest.raises(defs.DefinitionError, match=r"phép tính «nope»"):
        defs.indicators.__wrapped__(_write(tmp_path, [unknown_measure]))
    with pytest.raises(defs.DefinitionError, match="trùng"):
        defs.indicators.__wrapped__(_write(tmp_path, [first, first]))


def test_a_new_computable_indicator_is_a_data_change(tmp_path: Path) -> None:
    extra = {
        "code": "TK9901",
        "family": "TT13",
        "label_vi": "Trẻ 11–15 tuổi",
        "name_vi": "Số trẻ em từ 11 đến 15 tuổi",
        "name_en": "Children aged 11–15",
        "unit": "count",
        "method": "computed",
        "measure": "children",
        "params": {"age_min": 11},
        "disaggregations": ["sex"],
        "responsible_units": ["OFFICER"],
        "definition_vi": "Số trẻ em từ 11 tuổi đến dưới 16 tuổi tại ngày chốt số liệu.",
    }
    (loaded,) = defs.indicators.__wrapped__(_write(tmp_path, [extra]))
    assert loaded.measure == "children" and loaded.params == {"age_min": 11}
