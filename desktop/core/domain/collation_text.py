"""Vietnamese name order as plain text, so a database can sort by it byte by byte.

``name_sort_text(a) < name_sort_text(b)`` exactly when ``name_sort_key(a) < name_sort_key(b)``
(collation.py): each collation weight becomes one character whose code point keeps the
weight's order, and the parts are joined by a separator lower than any weight. SQLite
compares TEXT with memcmp on UTF-8, which is code-point order, so ``ORDER BY`` on a stored
column gives the Vietnamese dictionary order, given name first.
"""

from __future__ import annotations

from desktop.core.domain.collation import vn_sort_key

_SEPARATOR = "\x20"  # below every encoded weight (weights start at 1 → U+0022)
_WEIGHT_BASE = 0x21
_TONE_BASE = 0x30
_SURROGATES = range(0xD800, 0xE000)  # not encodable in UTF-8: skipped
_MAX_CODE_POINT = 0x10FFFF


def _weight_char(weight: int) -> str:
    point = _WEIGHT_BASE + weight
    if point >= _SURROGATES.start:
        point += len(_SURROGATES)
    return chr(min(point, _MAX_CODE_POINT))


def _encode(text: str) -> str:
    primary, tones, raw = vn_sort_key(text)
    return _SEPARATOR.join(
        (
            "".join(_weight_char(w) for w in primary),
            "".join(chr(_TONE_BASE + t) for t in tones),
            raw,
        )
    )


def name_sort_text(full_name: str | None) -> str:
    """The stored sort key of a person's name: given name first, then the whole name.

    The key ends with the name itself, so a stale key (the name changed, the key did not)
    is recognised with ``sort_text_is_for(key, name)``.
    """
    value = (full_name or "").strip()
    given = value.rsplit(" ", 1)[-1] if value else ""
    return _SEPARATOR.join((_encode(given), _encode(value)))


def sort_text_is_for(key: str | None, full_name: str | None) -> bool:
    """True if ``key`` was made from ``full_name`` (cheap: no collation is computed)."""
    value = (full_name or "").strip()
    if not key or not value:
        return key == name_sort_text(value)
    tail = _SEPARATOR + value
    if not key.endswith(tail):
        return False
    # The name is preceded by its tone marks (digits 0-5): a key of "Nguyễn Văn An" also
    # ends with " An", but there a letter comes before it.
    before = key[: -len(tail)]
    return bool(before) and _TONE_BASE <= ord(before[-1]) <= _TONE_BASE + 5
