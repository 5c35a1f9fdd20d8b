"""The ids behind every number of a finalised report, frozen with it (issue 14).

A finalised report keeps its numbers (``report_snapshot_values``); this keeps what they were
counted from, so that its drill-down lists the children the report counted — not the book as it
is today, after later edits, moves and corrections. Only what ``Computed.cell_members`` reads
is frozen: the ids of each total, each measure's keys on its own dimensions (HCĐB groups, forms
of abuse …) and each counted child's sex, age group, ethnicity and hamlet on the reference date.
Thawed, the same ``cell_members`` answers for every cell, so a frozen list is made by the one
definition of a cell, never by a second one.

Compact: every id once (a sorted roster), each distinct set of ids once, as a bitmap over the
roster, the whole compressed — about 0.4 MB for a commune of 50,000 children. Ids are record
ids, never names; the blob stays on this PC (it is not synced).
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from desktop.core.indicators.engine import Computed
from desktop.core.indicators.measures import CHILD_DIMENSIONS, MeasureResult

__all__ = ["FORMAT", "FrozenMembers", "FrozenMembersError", "freeze_members", "thaw_members"]

FORMAT = 1


class FrozenMembers(NamedTuple):
    """The compressed ids of a report, and how many distinct ids it holds."""

    data: bytes
    ids: int


class FrozenMembersError(ValueError):
    """The frozen ids cannot be read (another format, or damaged)."""


def _bitmap(ids: Iterable[str], index: Mapping[str, int], size: int) -> str:
    bits = bytearray((size + 7) // 8)
    for i in ids:
        n = index[i]
        bits[n >> 3] |= 1 << (n & 7)
    return base64.b64encode(bytes(bits)).decode("ascii")


def _unbitmap(text: str, roster: list[str]) -> frozenset[str]:
    bits = base64.b64decode(text)
    out: list[str] = []
    for byte_no, byte in enumerate(bits):
        if byte:
            base = byte_no << 3
            out.extend(roster[base + b] for b in range(8) if byte >> b & 1)
    return frozenset(out)


def freeze_members(computed: Computed) -> FrozenMembers:
    """Everything ``computed.cell_members`` needs, compressed (see the module's text)."""
    sets: dict[frozenset[str], int] = {}

    def set_no(ids: frozenset[str]) -> int:
        return sets.setdefault(ids, len(sets))

    totals = [[code, part, set_no(ids)] for (code, _, _, part), ids in computed.members.items()]
    results = computed.measure_results
    numbers = {
        code: (set_no(r.numerator), None if r.denominator is None else set_no(r.denominator))
        for code, r in results.items()
    }
    roster = sorted(set().union(*sets) if sets else set())
    index = {pid: n for n, pid in enumerate(roster)}
    measures = {
        code: {
            "kind": r.kind,
            "numerator": numbers[code][0],
            "denominator": numbers[code][1],
            "split": sorted(r.split_denominator),
            # only the counted ids' keys: a cell is always a part of its total
            "extra": {
                dim: [[index[pid], list(keys)] for pid, keys in by_id.items() if pid in index]
                for dim, by_id in r.extra_keys.items()
            },
        }
        for code, r in results.items()
    }
    child_keys = {
        dimension: [computed.keys_on(dimension).get(pid) for pid in roster]
        for dimension in CHILD_DIMENSIONS
    }
    ordered = sorted(sets.items(), key=lambda item: item[1])
    body = {
        "format": FORMAT,
        "roster": roster,
        "sets": [_bitmap(ids, index, len(roster)) for ids, _ in ordered],
        "totals": totals,
        "kinds": computed.kinds,
        "measures": measures,
        "child_keys": child_keys,
    }
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return FrozenMembers(zlib.compress(text.encode(), 6), len(roster))


def thaw_members(blob: bytes) -> Computed:
    """A ``Computed`` without results whose ``cell_members`` answers as when it was frozen."""
    try:
        body = json.loads(zlib.decompress(blob))
    except (zlib.error, ValueError) as exc:
        raise FrozenMembersError("Danh sách trẻ lúc chốt bị hỏng, không đọc được.") from exc
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise FrozenMembersError("Danh sách trẻ lúc chốt được lưu theo cách khác, không đọc được.")
    roster: list[str] = body["roster"]
    sets = [_unbitmap(text, roster) for text in body["sets"]]
    members = {(code, "", "", part): sets[n] for code, part, n in body["totals"]}
    measure_results: dict[str, MeasureResult] = {}
    for code, entry in body["measures"].items():
        den = entry["denominator"]
        measure_results[code] = MeasureResult(
            numerator=sets[entry["numerator"]],
            denominator=None if den is None else sets[den],
            extra_keys={
                dim: {roster[n]: tuple(keys) for n, keys in pairs}
                for dim, pairs in entry["extra"].items()
            },
            split_denominator=frozenset(entry["split"]),
            kind=entry["kind"],
        )
    child_keys = {
        dim: dict(zip(roster, keys, strict=True)) for dim, keys in body["child_keys"].items()
    }
    return Computed([], members, dict(body["kinds"]), measure_results, child_keys, None)
