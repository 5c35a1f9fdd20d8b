"""Computes every indicator of a period: value, numerator, denominator, cells, drill-down ids."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from desktop.core.domain.collation import vn_sort_key
from desktop.core.indicators.definitions import DIMENSIONS, IndicatorDef, TargetDef
from desktop.core.indicators.measures import (
    CHILD_DIMENSIONS,
    MEASURES,
    BookData,
    MeasureResult,
    age_group_key,
)

__all__ = [
    "Cell",
    "IndicatorResult",
    "Labels",
    "TypedFigure",
    "compute_all",
    "rate",
]

STATUS_COMPUTED, STATUS_TYPED, STATUS_MISSING = "computed", "typed", "missing"
SEX_LABELS = {"1": "Nam", "2": "Nữ", "3": "Chưa xác định"}


@dataclass(frozen=True)
class Labels:
    """Names of the keys of each dimension (hamlets, ethnic groups, HCĐB groups …)."""

    hamlets: Mapping[str, str] = field(default_factory=dict)
    ethnicities: Mapping[str, str] = field(default_factory=dict)
    special_groups: Mapping[str, str] = field(default_factory=dict)
    # top-level codes of support_types, abuse_forms and injury_causes → their names
    codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def label(self, dimension: str, key: str) -> str:
        """The printed name of ``key`` on ``dimension``."""
        if dimension == "sex":
            return SEX_LABELS.get(key, key)
        if dimension == "hamlet":
            return self.hamlets.get(key, "Chưa rõ thôn") if key else "Chưa rõ thôn"
        if dimension == "ethnicity":
            return self.ethnicities.get(key, key) if key else "Chưa rõ dân tộc"
        if dimension == "age_group" and not key:
            return "Chưa rõ tuổi"
        if dimension == "special_group":
            return f"Nhóm {key}: {self.special_groups.get(key, '')}".rstrip(": ")
        return self.codes.get(dimension, {}).get(key, key)


@dataclass(frozen=True)
class TypedFigure:
    """A figure typed in (or imported) for one indicator and period."""

    code: str
    numerator: float | None
    denominator: float | None
    value: float | None
    unit_code: str
    entered_by: str
    entered_at: str  # dd/mm/yyyy hh:mm, Vietnam time
    note: str = ""


@dataclass(frozen=True)
class Cell:
    """One cell of a disaggregation: its key, label and numbers."""

    dimension: str
    key: str
    label: str
    numerator: int
    denominator: int | None
    value: float | None


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator of one period, as shown, exported and frozen in a snapshot."""

    code: str
    label_vi: str
    name_vi: str
    name_en: str
    unit: str
    unit_label: str
    method: str
    status: str  # computed | typed | missing
    value: float | None
    numerator: float | None
    denominator: float | None
    definition_vi: str
    responsible_units: tuple[str, ...]
    targets: tuple[TargetDef, ...] = ()
    cells: tuple[Cell, ...] = ()
    missing_reason: str = ""
    book_estimate: float | None = None
    typed: TypedFigure | None = None
    notes: tuple[str, ...] = ()

    def target(self, level: str, year: int) -> TargetDef | None:
        """The target at ``level`` for ``year`` (the nearest later year: 2025, then 2030)."""
        candidates = sorted(
            (t for t in self.targets if t.level == level and t.year >= year), key=lambda t: t.year
        )
        return candidates[0] if candidates else None

    def as_json(self) -> dict[str, object]:
        """Plain form for the CLI's JSON and the snapshot."""
        return {
            "code": self.code,
            "label": self.label_vi,
            "name_vi": self.name_vi,
            "name_en": self.name_en,
            "unit": self.unit,
            "unit_label": self.unit_label,
            "method": self.method,
            "status": self.status,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "definition_vi": self.definition_vi,
            "missing_reason": self.missing_reason,
            "book_estimate": self.book_estimate,
            "responsible_units": list(self.responsible_units),
            "targets": [
                {"level": t.level, "year": t.year, "text": t.text, "op": t.op, "value": t.value}
                for t in self.targets
            ],
            "disaggregations": [
                {
                    "dimension": c.dimension,
                    "key": c.key,
                    "label": c.label,
                    "numerator": c.numerator,
                    "denominator": c.denominator,
                    "value": c.value,
                }
                for c in self.cells
            ],
            "notes": list(self.notes),
        }


def rate(numerator: float | None, denominator: float | None, factor: float | None) -> float | None:
    """numerator ÷ denominator × factor; the count when factor is None; None on a zero base."""
    if numerator is None:
        return None
    if factor is None:
        return float(numerator)
    if not denominator:
        return None
    return numerator / denominator * factor


@dataclass
class Computed:
    """The engine's full answer: results for display plus the ids behind every number."""

    results: list[IndicatorResult]
    # (code, "", "", "numerator"|"denominator") → ids of the totals
    members: dict[tuple[str, str, str, str], frozenset[str]]
    kinds: dict[str, str]
    measure_results: dict[str, MeasureResult] = field(default_factory=dict)
    child_keys: dict[str, dict[str, str]] = field(default_factory=dict)
    data: BookData | None = None

    def keys_on(self, dimension: str) -> dict[str, str]:
        """Each person's key on a child dimension (sex, age group …), read once when asked."""
        if dimension not in self.child_keys and self.data is not None:
            self.child_keys[dimension] = _child_keys(self.data, dimension)
        return self.child_keys.get(dimension, {})

    def cell_members(self, code: str, dimension: str, key: str, part: str) -> frozenset[str]:
        """The ids behind one number: a total (dimension "") or one cell of a disaggregation."""
        total = self.members.get((code, "", "", part), frozenset())
        if not dimension:
            return total
        result = self.measure_results.get(code)
        if result is None:
            return frozenset()
        if dimension in CHILD_DIMENSIONS:
            keys = self.keys_on(dimension)
            return frozenset(i for i in total if keys.get(i) == key)
        if part == "denominator" and dimension not in result.split_denominator:
            return total
        extra = result.extra_keys.get(dimension, {})
        return frozenset(i for i in total if key in extra.get(i, ()))


def _child_keys(data: BookData, dimension: str) -> dict[str, str]:
    """Every loaded person's key on a child dimension (births and deaths may be outside C(t);
    their age group is then ""), and each visiting child's as typed with the injury (its age
    on the day; its hamlet the one where it happened; ethnicity not asked)."""
    people, visitors = data.persons, data.visitor_injuries
    if dimension == "sex":
        keys = {c.id: str(c.sex if c.sex in (1, 2) else 3) for c in people}
        keys.update((v.id, str(v.sex if v.sex in (1, 2) else 3)) for v in visitors)
    elif dimension == "age_group":
        ages = {c.id: age_group_key(data.age(c.id)) for c in data.children}
        keys = {c.id: ages.get(c.id, "") for c in people}
        keys.update((v.id, "" if v.age is None else age_group_key(v.age)) for v in visitors)
    elif dimension == "ethnicity":
        keys = {c.id: c.ethnicity_code for c in people}
        keys.update((v.id, "") for v in visitors)
    elif dimension == "hamlet":
        keys = {c.id: c.hamlet_id or "" for c in people}
        keys.update((v.id, v.hamlet_id or "") for v in visitors)
    else:
        raise KeyError(dimension)
    return keys


_ORDER = {"sex": ["1", "2", "3"], "age_group": ["0–2 tuổi", "3–5 tuổi", "6–10 tuổi", "11–15 tuổi"]}


def cell_sort_key(dimension: str, key: str, label: str) -> tuple[object, ...]:
    """The order of a dimension's cells: fixed for sex and age, by name for hamlets (Vietnamese
    order), by number for groups — the same in the engine and in a snapshot read back."""
    fixed = _ORDER.get(dimension)
    if fixed is not None:
        return (fixed.index(key) if key in fixed else 99, key)
    if dimension == "hamlet":
        return (0, vn_sort_key(label))
    return (int(key) if key.isdigit() else 999, key)


def _cells(
    d: IndicatorDef,
    result: MeasureResult,
    data: BookData,
    labels: Labels,
    *,
    child_keys: dict[str, dict[str, str]],
    counts: dict[tuple[frozenset[str], str], Counter[str]],
) -> list[Cell]:
    """The cells of ``d``'s disaggregations, counted with Counters (the ids behind a cell are
    found on demand by ``Computed.cell_members``)."""
    cells: list[Cell] = []
    for dim in d.disaggregations:
        den_by: Counter[str] = Counter()
        if dim in CHILD_DIMENSIONS:
            if dim not in child_keys:
                child_keys[dim] = _child_keys(data, dim)
            keys = child_keys[dim]

            def count(
                ids: frozenset[str], keys: dict[str, str] = keys, dim: str = dim
            ) -> Counter[str]:
                # keyed by the set itself: measures that arrive at the same children (the
                # whole C(t), an age group) share one count (a frozenset keeps its hash)
                cache_key = (ids, dim)
                if cache_key not in counts:
                    # map() with the dict's own get: the count runs in C, not per Python line
                    by = Counter(map(keys.get, ids))
                    counted = Counter({k: n for k, n in by.items() if k is not None})
                    if None in by:  # an id without a key counts under ""
                        counted[""] += by[None]
                    counts[cache_key] = counted
                return counts[cache_key]

            if result.denominator is not None:
                den_by = count(result.denominator)
            num_ids, den_ids = result.numerator, result.denominator
            found = counts.get((num_ids, dim))
            if found is not None:
                num_by = found
            elif den_ids is not None and 2 * len(num_ids) > len(den_ids) and num_ids <= den_ids:
                # Most rates are near 100 % (registered, insured, vaccinated): count the few
                # not in the numerator and subtract (set difference runs in C on stored hashes).
                counted = den_by.copy()
                counted.subtract(count(den_ids - num_ids))
                num_by = Counter({k: n for k, n in counted.items() if n > 0})
                counts[(num_ids, dim)] = num_by
            else:
                num_by = count(num_ids)
        else:
            extra = result.extra_keys.get(dim)
            if extra is None:
                continue
            num_by = Counter(k for i in result.numerator for k in extra.get(i, ()))
            if dim in result.split_denominator and result.denominator is not None:
                den_by = Counter(k for i in result.denominator for k in extra.get(i, ()))
        split = dim in CHILD_DIMENSIONS or dim in result.split_denominator
        keys_shown = set(num_by)
        if dim in CHILD_DIMENSIONS or d.factor is not None:
            keys_shown |= set(den_by)  # a rate shows its groups with no one counted: 0 / n
        order = sorted(keys_shown, key=lambda k: cell_sort_key(dim, k, labels.label(dim, k)))
        for key in order:
            num = num_by.get(key, 0)
            if split and result.denominator is not None:
                den: int | None = den_by.get(key, 0)
            else:
                den = len(result.denominator) if result.denominator is not None else None
            if not num and not den:
                continue
            cells.append(
                Cell(
                    dimension=dim,
                    key=key,
                    label=labels.label(dim, key),
                    numerator=num,
                    denominator=None if d.factor is None or den is None else den,
                    value=rate(num, den, d.factor),
                )
            )
    return cells


def compute_all(
    defs: Sequence[IndicatorDef],
    data: BookData,
    labels: Labels,
    typed: Mapping[str, TypedFigure],
    targets: Mapping[str, tuple[TargetDef, ...]],
) -> Computed:
    """Every indicator of ``defs`` for ``data``'s period, in one pass over the loaded facts."""
    members: dict[tuple[str, str, str, str], frozenset[str]] = {}
    kinds: dict[str, str] = {}
    child_keys: dict[str, dict[str, str]] = {}
    counts: dict[tuple[frozenset[str], str], Counter[str]] = {}
    measure_results: dict[str, MeasureResult] = {}
    cache: dict[tuple[str, str], MeasureResult] = {}
    results: list[IndicatorResult] = []

    def run(name: str, params: Mapping[str, object]) -> MeasureResult:
        key = (name, repr(sorted(params.items())))
        if key not in cache:
            cache[key] = MEASURES[name](data, params)
        return cache[key]

    for d in defs:
        base = {
            "code": d.code,
            "label_vi": d.label_vi,
            "name_vi": d.name_vi,
            "name_en": d.name_en,
            "unit": d.unit,
            "unit_label": d.unit_label,
            "method": d.method,
            "definition_vi": d.definition_vi,
            "responsible_units": d.responsible_units,
            "targets": targets.get(d.code, ()),
        }
        figure = typed.get(d.code)
        estimate = None
        if d.book_estimate is not None:
            est = run(d.book_estimate["measure"], d.book_estimate.get("params", {}))
            if est.missing_reason is None:
                factor = d.factor
                estimate = rate(
                    len(est.numerator),
                    len(est.denominator) if est.denominator is not None else None,
                    factor,
                )
        if d.method == "typed":
            if figure is None:
                results.append(
                    IndicatorResult(
                        **base,  # type: ignore[arg-type]
                        status=STATUS_MISSING,
                        value=None,
                        numerator=None,
                        denominator=None,
                        missing_reason="chưa nhập số liệu",
                        book_estimate=estimate,
                    )
                )
            else:
                value = (
                    figure.value
                    if figure.value is not None
                    else rate(figure.numerator, figure.denominator, d.factor)
                )
                results.append(
                    IndicatorResult(
                        **base,  # type: ignore[arg-type]
                        status=STATUS_TYPED,
                        value=value,
                        numerator=figure.numerator,
                        denominator=figure.denominator,
                        book_estimate=estimate,
                        typed=figure,
                    )
                )
            continue
        assert d.measure is not None
        result = run(d.measure, d.params)
        kinds[d.code] = result.kind
        if result.missing_reason is not None:
            results.append(
                IndicatorResult(
                    **base,  # type: ignore[arg-type]
                    status=STATUS_MISSING,
                    value=None,
                    numerator=None,
                    denominator=None,
                    missing_reason=result.missing_reason,
                )
            )
            continue
        notes: list[str] = []
        if d.method == "mixed":
            den_n = len(result.denominator or ())
            members[(d.code, "", "", "denominator")] = result.denominator or frozenset()
            num_f = figure.numerator if figure is not None else None
            results.append(
                IndicatorResult(
                    **base,  # type: ignore[arg-type]
                    status=STATUS_TYPED if figure is not None else STATUS_MISSING,
                    value=rate(num_f, den_n, d.factor) if figure is not None else None,
                    numerator=num_f,
                    denominator=den_n,
                    missing_reason="" if figure is not None else "chưa nhập tử số",
                    typed=figure,
                )
            )
            continue
        members[(d.code, "", "", "numerator")] = result.numerator
        if result.denominator is not None:
            members[(d.code, "", "", "denominator")] = result.denominator
        num = len(result.numerator)
        den = len(result.denominator) if result.denominator is not None else None
        measure_results[d.code] = result
        cells = _cells(d, result, data, labels, child_keys=child_keys, counts=counts)
        if any(c.dimension not in CHILD_DIMENSIONS for c in cells):
            notes.append(
                "Một trẻ thuộc nhiều nhóm được đếm một lần ở tổng và một lần ở mỗi nhóm, "
                "nên cộng các nhóm có thể lớn hơn tổng."
            )
        results.append(
            IndicatorResult(
                **base,  # type: ignore[arg-type]
                status=STATUS_COMPUTED,
                value=rate(num, den, d.factor),
                numerator=num,
                denominator=den if d.factor is not None else None,
                cells=tuple(cells),
                notes=tuple(notes),
            )
        )
    return Computed(results, members, kinds, measure_results, child_keys, data)


def dimension_name(dimension: str) -> str:
    """The Vietnamese name of a dimension."""
    return DIMENSIONS.get(dimension, dimension)
