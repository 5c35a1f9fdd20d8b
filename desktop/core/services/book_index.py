"""An in-memory index of the book's persons and households: instant lists and search.

Reading 50,000 persons for every keystroke is too slow through an encrypted file, so each
open book keeps one compact, column-wise index of what the lists filter, search and sort on
(folded names, birth dates, status, household; and, loaded on first need, ID numbers, sex,
ethnicity and the flags' fields), built once and brought up to date before every use. The
audit trail (storage/audit_hook.py) writes a line for every changed row, whoever changed it
— a form, an import, a sync pull, a merge — so the index reads only the rows changed since
the last line it saw.

Searching returns ids in order; the screens fetch the visible rows by id (ChildService.rows,
HouseholdService.household_rows), so a list holds ids and one page of rows, never more.
"""

from __future__ import annotations

import bisect
import calendar
import itertools
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from desktop.core.domain.child_rules import SCHOOLING_DROPPED_OUT, Flag
from desktop.core.domain.collation import vn_sort_key
from desktop.core.domain.collation_text import name_sort_text
from desktop.core.domain.identity import id_number_warnings
from desktop.core.domain.text import fold
from desktop.core.services.book import Book, CurrentUser
from desktop.core.storage.repositories import children as repo

FULL_RELOAD_AFTER = 3_000  # changed rows; beyond this a rebuild is cheaper than a patch
TURNED_SIXTEEN = "BD05"

# Age filters of the lists: key → (label, youngest, oldest) in completed years.
AGE_FILTERS: dict[str, tuple[str, int, int]] = {
    "u1": ("Dưới 1 tuổi", 0, 0),
    "u6": ("Dưới 6 tuổi", 0, 5),
    "0-2": ("0–2 tuổi", 0, 2),
    "3-5": ("3–5 tuổi", 3, 5),
    "6-10": ("6–10 tuổi", 6, 10),
    "11-15": ("11–15 tuổi", 11, 15),
}
# Which persons a list shows.
POPULATIONS: dict[str, str] = {
    "children": "Trẻ em đang theo dõi (dưới 16 tuổi)",
    "turned16": "Đã đủ 16 tuổi (lịch sử)",
    "moved_out": "Đã chuyển đi",
    "dead": "Đã mất",
    "members16": "Thành viên hộ từ 16 tuổi",
    "all": "Tất cả người trong sổ",
}
ORDERS = ("name", "birth", "household")


def latest_birth_for_age(on: date, years: int) -> date:
    """The latest birth date of a person at least ``years`` old (completed) on ``on``.

    Matches ``dates.age_on``: a 29/02 birthday falls on 28/02 in other years (R03).
    """
    year = on.year - years
    if on.month == 2 and on.day == 28 and not calendar.isleap(on.year) and calendar.isleap(year):
        return date(year, 2, 29)
    try:
        return date(year, on.month, on.day)
    except ValueError:  # 29/02 of a leap year, ``year`` not leap
        return date(year, 2, 28)


def age_window(on: date, youngest: int, oldest: int) -> tuple[str, str]:
    """(exclusive, inclusive) ISO birth-date bounds of ages ``youngest``..``oldest`` on ``on``."""
    return (
        latest_birth_for_age(on, oldest + 1).isoformat(),
        latest_birth_for_age(on, youngest).isoformat(),
    )


def _tokens(text: str) -> list[str]:
    return fold(text).split()


def _needs_ids(tokens: Sequence[str]) -> bool:
    # Names hold no digits: only a token with digits can be (part of) an ID number.
    return any(ch.isdigit() for token in tokens for ch in token)


@dataclass(frozen=True)
class ChildQuery:
    """What the children list asks for: free text and filters (all optional)."""

    text: str = ""
    hamlet_id: str | None = None
    age_group: str | None = None  # a key of AGE_FILTERS
    sex: int | None = None
    ethnicity_code: str | None = None
    poverty_code: str | None = None
    flags: frozenset[Flag] = frozenset()
    population: str = "children"  # a key of POPULATIONS
    order: str = "name"  # one of ORDERS
    descending: bool = False

    def needs_details(self) -> bool:
        """True if the index's detail columns (sex, flags, IDs …) are needed."""
        return bool(self.sex or self.ethnicity_code or self.flags) or _needs_ids(_tokens(self.text))


@dataclass(frozen=True)
class HouseholdQuery:
    """What the households list asks for. Child filters keep households having such a child."""

    text: str = ""
    hamlet_id: str | None = None
    poverty_code: str | None = None
    age_group: str | None = None
    sex: int | None = None
    ethnicity_code: str | None = None
    flags: frozenset[Flag] = frozenset()

    def child_query(self) -> ChildQuery | None:
        """The children a household must have, if any child filter is set."""
        if not (self.age_group or self.sex or self.ethnicity_code or self.flags):
            return None
        return ChildQuery(
            age_group=self.age_group,
            sex=self.sex,
            ethnicity_code=self.ethnicity_code,
            flags=self.flags,
        )

    def needs_details(self) -> bool:
        """True if the index's detail columns are needed."""
        child = self.child_query()
        return (child is not None and child.needs_details()) or _needs_ids(_tokens(self.text))


# A household in the index: (hamlet id, number, folded number, " folded head", poverty code).
_Household = tuple[str, str, str, str, str]
_NO_HOUSEHOLD: _Household = ("", "", "", "", "")
H_HAMLET, H_NUMBER, H_NUMBER_KEY, H_HEAD, H_POVERTY = range(5)
PATCH_AT_MOST = 300  # changed persons; beyond this the persons are reloaded at once


@dataclass
class _Derived:
    """Per-person columns taken from the household, rebuilt after changes."""

    version: int
    hamlet: list[str]
    head: list[str]
    hamlet_key: list[str]
    poverty: list[str]


@dataclass
class _LastSearch:
    key: tuple[object, ...]
    text: str
    found: list[int]


def _number_key(number: str) -> tuple[int, str]:
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 10**9, number)


class BookIndex:
    """Persons and households of one open book, column-wise, kept up to date.

    The person columns are kept in name order (the stored sort key): position ``i`` of every
    column is the same person, and the positions run in the list's default order, so the
    filters walk the columns side by side and never sort.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._built = False
        self._seq = 0
        self.version = 0
        self.ids: list[str] = []
        self.sort: list[str] = []
        self.name: list[str] = []  # " folded name": a word starts after a space
        self.birth: list[str] = []
        self.household: list[str] = []
        self.status: list[str] = []
        self.details: dict[str, list[str]] | None = None
        self.households: dict[str, _Household] = {}
        self.hamlets: dict[str, tuple[str, str]] = {}  # id → (name, " folded name")
        self.turned16: set[str] = set()
        self._pos: dict[str, int] | None = None
        self._household_order: list[str] | None = None
        self._derived: _Derived | None = None
        self._members: tuple[int, dict[str, list[int]]] | None = None
        self._id_checks: dict[str, bool] = {}
        self._last: _LastSearch | None = None

    # -- loading --------------------------------------------------------------------------

    def ensure_current(self, session: Session, details: bool = False) -> None:
        """Build the index, or reload what changed since it was last brought up to date."""
        with self._lock:
            seq = repo.last_change_seq(session)
            if not self._built:
                self._build(session, seq)
            elif seq != self._seq:
                changes = repo.changed_since(session, self._seq)
                if len(changes) > FULL_RELOAD_AFTER or any(t == "hamlets" for t, _ in changes):
                    self._build(session, seq)
                else:
                    self._patch(session, changes)
                    self._seq = seq
            if details and self.details is None:
                self._load_details(session)

    def _build(self, session: Session, seq: int) -> None:
        self.hamlets = {h[0]: (h[1], " " + h[2]) for h in repo.index_hamlets(session)}
        self.households = {}
        self._put_households(repo.household_columns(session))
        self._load_persons(session)
        self.turned16 = repo.persons_with_event(session, TURNED_SIXTEEN)
        self._household_order = None
        self._seq = seq
        self._built = True

    def _load_persons(self, session: Session) -> None:
        columns = repo.person_columns(session, repo.PERSON_BASE_COLUMNS)
        stale = [i for i, key in enumerate(columns["sort"]) if not key]
        if stale:
            # Written around the ORM (which keeps the key): sort those rows correctly anyway.
            names = repo.full_names(session, [columns["id"][i] for i in stale])
            for i in stale:
                columns["sort"][i] = name_sort_text(names.get(columns["id"][i], ""))
        keys = columns["sort"]
        if any(a > b for a, b in itertools.pairwise(keys)):
            order = sorted(range(len(keys)), key=keys.__getitem__)
            columns = {name: [values[i] for i in order] for name, values in columns.items()}
        self.ids, self.sort, self.name = columns["id"], columns["sort"], columns["name"]
        self.birth, self.household = columns["birth"], columns["household"]
        self.status = columns["status"]
        self.details = None
        self._changed()

    def _changed(self) -> None:
        self._pos = None
        self._id_checks = {}
        self.version += 1

    def positions(self) -> dict[str, int]:
        """Person id → position in the columns."""
        if self._pos is None:
            self._pos = {pid: i for i, pid in enumerate(self.ids)}
        return self._pos

    def in_order(self, ids: Sequence[str]) -> tuple[list[str], list[str]]:
        """``ids`` the index holds, in its order (the list's name order), without sorting a
        name; and the others (records no longer in the book), as given."""
        with self._lock:
            pos = self.positions()
            held = sorted(pos[i] for i in ids if i in pos)
            return [self.ids[n] for n in held], [i for i in ids if i not in pos]

    def _load_details(self, session: Session) -> None:
        columns = repo.person_columns(session, repo.PERSON_DETAIL_COLUMNS)
        if columns["id"] == self.ids:
            self.details = columns
            return
        pos = self.positions()
        size = len(self.ids)
        details = {name: [""] * size for name in repo.PERSON_DETAIL_COLUMNS}
        for j, pid in enumerate(columns["id"]):
            i = pos.get(pid)
            if i is not None:
                for name, values in columns.items():
                    details[name][i] = values[j]
        self.details = details

    def _put_households(self, columns: dict[str, list[str]]) -> None:
        self.households.update(
            zip(
                columns["id"],
                zip(
                    columns["hamlet"],
                    columns["number"],
                    [n.strip().casefold() for n in columns["number"]],
                    columns["head"],
                    columns["poverty"],
                    strict=True,
                ),
                strict=True,
            )
        )

    def _patch(self, session: Session, changes: Sequence[tuple[str, str]]) -> None:
        household_ids = {rid for table, rid in changes if table == "households"}
        person_ids = {rid for table, rid in changes if table == "persons"}
        if household_ids:
            found = repo.household_columns(session, household_ids)
            for hid in household_ids - set(found["id"]):
                self.households.pop(hid, None)
            self._put_households(found)
            self._household_order = None
        if len(person_ids) > PATCH_AT_MOST:
            self._load_persons(session)
        elif person_ids:
            self._patch_persons(session, person_ids)
        if any(table == "change_events" for table, _ in changes):
            self.turned16 = repo.persons_with_event(session, TURNED_SIXTEEN)
        self.version += 1

    def _columns(self) -> list[list[str]]:
        base = [self.ids, self.sort, self.name, self.birth, self.household, self.status]
        return base + (list(self.details.values()) if self.details is not None else [])

    def _patch_persons(self, session: Session, person_ids: set[str]) -> None:
        columns = {**repo.PERSON_BASE_COLUMNS, **repo.PERSON_DETAIL_COLUMNS}
        found = repo.person_columns(session, columns, person_ids)
        stale = [j for j, key in enumerate(found["sort"]) if not key]
        if stale:
            full = repo.full_names(session, [found["id"][j] for j in stale])
            for j in stale:
                found["sort"][j] = name_sort_text(full.get(found["id"][j], ""))
        pos = self.positions()
        # Out first (from the end, so earlier positions stay right), then in at their place.
        for i in sorted((pos[p] for p in person_ids if p in pos), reverse=True):
            for column in self._columns():
                del column[i]
        names = ["id", "sort", "name", "birth", "household", "status"]
        detail_names = list(self.details) if self.details is not None else []
        for j in range(len(found["id"])):
            i = bisect.bisect_right(self.sort, found["sort"][j])
            for name, column in zip(names, self._columns()[:6], strict=True):
                column.insert(i, found[name][j])
            if self.details is not None:
                for name in detail_names:
                    self.details[name].insert(i, found[name][j])
        self._changed()

    # -- derived columns and orders -------------------------------------------------------

    def _derive(self) -> _Derived:
        if self._derived is None or self._derived.version != self.version:
            households, hamlets = self.households, self.hamlets
            rows = [households.get(h, _NO_HOUSEHOLD) for h in self.household]
            hamlet = [h[H_HAMLET] for h in rows]
            self._derived = _Derived(
                version=self.version,
                hamlet=hamlet,
                head=[h[H_HEAD] for h in rows],
                hamlet_key=[hamlets[h][1] if h in hamlets else "" for h in hamlet],
                poverty=[h[H_POVERTY] for h in rows],
            )
        return self._derived

    def _members_of(self, household_id: str) -> list[int]:
        if self._members is None or self._members[0] != self.version:
            members: dict[str, list[int]] = {}
            for i, hid in enumerate(self.household):
                members.setdefault(hid, []).append(i)
            self._members = (self.version, members)
        return self._members[1].get(household_id, [])

    def household_order(self) -> list[str]:
        """Household ids by hamlet (Vietnamese order), then household number."""
        if self._household_order is None:
            ranked = sorted(self.hamlets, key=lambda h: vn_sort_key(self.hamlets[h][0]))
            rank = {hid: r for r, hid in enumerate(ranked)}
            self._household_order = sorted(
                self.households,
                key=lambda h: (
                    rank.get(self.households[h][H_HAMLET], 10**6),
                    _number_key(self.households[h][H_NUMBER]),
                ),
            )
        return self._household_order

    # -- searching persons ----------------------------------------------------------------

    def search_persons(
        self, query: ChildQuery, user: CurrentUser, on: date, personal: bool
    ) -> list[str]:
        """Ids of the persons matching ``query`` on ``on``, in the asked order."""
        with self._lock:
            found = self._ordered(self._matching(query, user, on, personal), query)
            ids = self.ids
            return [ids[i] for i in found]

    def _matching(
        self, query: ChildQuery, user: CurrentUser, on: date, personal: bool
    ) -> list[int]:
        tokens = _tokens(query.text)
        key = (query.hamlet_id, query.age_group, query.sex, query.ethnicity_code,
               query.poverty_code, query.flags, query.population, on, personal,
               user.hamlet_ids, self.version)  # fmt: skip
        text = " ".join(tokens)
        last = self._last
        if last is not None and last.key == key and last.text and text.startswith(last.text):
            # Typing on: the new letters only narrow what the last search found.
            found = self._text(last.found, tokens, personal)
        else:
            found = self._text(self._filter(query, user, on), tokens, personal)
        self._last = _LastSearch(key, text, found)
        return found

    def _filter(self, query: ChildQuery, user: CurrentUser, on: date) -> list[int]:
        status, birth = self.status, self.birth
        on_iso = on.isoformat()
        adult = latest_birth_for_age(on, 16).isoformat()
        low, high = "", "9999-12-31"
        if query.age_group in AGE_FILTERS:
            _, youngest, oldest = AGE_FILTERS[query.age_group]
            low, high = age_window(on, youngest, oldest)
        population = query.population
        rows = zip(itertools.count(), status, birth, strict=False)
        if population == "children":
            low, high = max(low, adult), min(high, on_iso)
            found = [i for i, s, b in rows if s == "active" and low < b <= high]
        elif population == "members16":
            found = [i for i, s, b in rows if s == "active" and b <= adult and low < b <= high]
        elif population == "turned16":
            wanted = self.turned16
            ids = self.ids
            found = [
                i for i, s, b in rows if ids[i] in wanted and s != "merged" and low < b <= high
            ]
        elif population in ("moved_out", "dead"):
            found = [i for i, s, b in rows if s == population and low < b <= high]
        else:
            found = [i for i, s, b in rows if s != "merged" and low < b <= high]
        if user.hamlet_ids is not None or query.hamlet_id or query.poverty_code:
            derived = self._derive()
            if user.hamlet_ids is not None:
                scope, hamlet = user.hamlet_ids, derived.hamlet
                found = [i for i in found if hamlet[i] in scope]
            if query.hamlet_id:
                wanted_hamlet, hamlet = query.hamlet_id, derived.hamlet
                found = [i for i in found if hamlet[i] == wanted_hamlet]
            if query.poverty_code:
                wanted_poverty, poverty = query.poverty_code, derived.poverty
                found = [i for i in found if poverty[i] == wanted_poverty]
        if query.sex or query.ethnicity_code or query.flags:
            found = self._filter_details(found, query, on)
        return found

    def _filter_details(self, found: list[int], query: ChildQuery, on: date) -> list[int]:
        details = self.details
        if details is None:
            raise RuntimeError("index details not loaded")  # ensure_current(details=True)
        if query.sex:
            sex, wanted = details["sex"], str(query.sex)
            found = [i for i in found if sex[i] == wanted]
        if query.ethnicity_code:
            ethnicity, code = details["ethnicity"], query.ethnicity_code
            found = [i for i in found if ethnicity[i] == code]
        on_iso = on.isoformat()
        birth = self.birth
        registered, school = details["registered"], details["school"]
        insured, until = details["insured"], details["insured_until"]
        overdue_before = (on - timedelta(days=60)).isoformat()
        six_after = latest_birth_for_age(on, 6).isoformat()

        def uninsured(i: int) -> bool:
            return not (until[i] >= on_iso if until[i] else insured[i] == "1")

        checks: dict[Flag, Callable[[int], bool]] = {
            Flag.BIRTH_UNREGISTERED: lambda i: registered[i] == "0",
            Flag.BIRTH_OVERDUE: lambda i: registered[i] == "0" and birth[i] < overdue_before,
            Flag.NO_INSURANCE: uninsured,
            Flag.UNDER6_NO_INSURANCE: lambda i: birth[i] > six_after and uninsured(i),
            Flag.DROPPED_OUT: lambda i: school[i] == SCHOOLING_DROPPED_OUT,
            Flag.DISABILITY: lambda i: details["disabled"][i] == "1",
            Flag.ID_MISSING: lambda i: not details["id_number"][i],
            Flag.ID_TO_CHECK: self._id_to_check,
        }
        for flag in sorted(query.flags):
            check = checks[flag]
            found = [i for i in found if check(i)]
        return found

    def _id_to_check(self, i: int) -> bool:
        assert self.details is not None
        pid = self.ids[i]
        cached = self._id_checks.get(pid)
        if cached is None:
            number = self.details["id_number"][i]
            sex = self.details["sex"][i]
            cached = bool(
                number
                and self.details["override"][i] != "1"
                and id_number_warnings(
                    number, date.fromisoformat(self.birth[i]), int(sex) if sex else None
                )
            )
            self._id_checks[pid] = cached
        return cached

    def _text(self, found: list[int], tokens: list[str], personal: bool) -> list[int]:
        if not tokens:
            return found
        starts = [" " + t for t in tokens]
        name = self.name
        derived = self._derive()
        head, hamlet_key = derived.head, derived.hamlet_key
        numbers = self.details["id_number"] if personal and self.details is not None else None
        # The longest word first: it leaves the fewest rows for the full check below.
        first = max(starts, key=len)
        bare = first[1:]
        if numbers is not None and _needs_ids(tokens):
            rough = [
                i
                for i in found
                if first in name[i] or first in head[i] or first in hamlet_key[i]
                or bare in numbers[i]
            ]  # fmt: skip
        else:
            rough = [
                i for i in found if first in name[i] or first in head[i] or first in hamlet_key[i]
            ]
        if len(starts) == 1:
            return rough
        return [
            i
            for i in rough
            if all(s in name[i] for s in starts)
            or all(s in head[i] for s in starts)
            or all(s in hamlet_key[i] for s in starts)
            or (numbers is not None and all(t in numbers[i] for t in tokens))
        ]

    def _ordered(self, found: list[int], query: ChildQuery) -> list[int]:
        ordered = found
        if query.order == "birth":
            ordered = sorted(found, key=self.birth.__getitem__)  # stable: name order within
        elif query.order == "household":
            place = {hid: n for n, hid in enumerate(self.household_order())}
            household, birth = self.household, self.birth
            ordered = sorted(found, key=lambda i: (place.get(household[i], 10**9), birth[i]))
        if query.descending:
            ordered = ordered[::-1]
        return ordered

    # -- searching households -------------------------------------------------------------

    def search_households(
        self, query: HouseholdQuery, user: CurrentUser, on: date, personal: bool
    ) -> list[str]:
        """Ids of the households matching ``query`` (hamlet, then number order)."""
        with self._lock:
            child_query = query.child_query()
            household = self.household
            with_children: set[str] | None = None
            if child_query is not None:
                with_children = {household[i] for i in self._filter(child_query, user, on)}
            tokens = _tokens(query.text)
            by_member: set[str] = set()
            if tokens:
                live = range(len(self.ids))  # merged records are tombstones: not in the index
                by_member = {household[i] for i in self._text_members(live, tokens, personal)}
            starts = [" " + t for t in tokens]
            scope = user.hamlet_ids
            found: list[str] = []
            for hid in self.household_order():
                hamlet, _, number_key, head, poverty = self.households[hid]
                if scope is not None and hamlet not in scope:
                    continue
                if query.hamlet_id and hamlet != query.hamlet_id:
                    continue
                if query.poverty_code and poverty != query.poverty_code:
                    continue
                if with_children is not None and hid not in with_children:
                    continue
                if tokens and not (
                    hid in by_member
                    or (len(tokens) == 1 and tokens[0] == number_key)
                    or all(s in head for s in starts)
                    or all(s in self.hamlets.get(hamlet, ("", ""))[1] for s in starts)
                ):
                    continue
                found.append(hid)
            return found

    def _text_members(self, found: Iterable[int], tokens: list[str], personal: bool) -> list[int]:
        starts = [" " + t for t in tokens]
        name = self.name
        numbers = self.details["id_number"] if personal and self.details is not None else None
        first = max(starts, key=len)
        if numbers is not None and _needs_ids(tokens):
            rough = [i for i in found if first in name[i] or first[1:] in numbers[i]]
        else:
            rough = [i for i in found if first in name[i]]
        if len(starts) == 1:
            return rough
        return [
            i
            for i in rough
            if all(s in name[i] for s in starts)
            or (numbers is not None and all(t in numbers[i] for t in tokens))
        ]

    def children_count(self, household_id: str, on: date) -> int:
        """Children (active, under 16 on ``on``) of the household."""
        with self._lock:
            after = latest_birth_for_age(on, 16).isoformat()
            on_iso = on.isoformat()
            status, birth = self.status, self.birth
            return sum(
                1
                for i in self._members_of(household_id)
                if status[i] == "active" and after < birth[i] <= on_iso
            )

    def children_in(self, household_ids: Iterable[str], on: date) -> int:
        """Children (active, under 16 on ``on``) of all these households together."""
        with self._lock:
            wanted = set(household_ids)
            after = latest_birth_for_age(on, 16).isoformat()
            on_iso = on.isoformat()
            return sum(
                1
                for s, b, h in zip(self.status, self.birth, self.household, strict=True)
                if s == "active" and after < b <= on_iso and h in wanted
            )

    def hamlet_of_household(self, household_id: str) -> str | None:
        """The hamlet of a household of the index."""
        found = self.households.get(household_id)
        return found[H_HAMLET] if found is not None else None

    def live_positions(self) -> Iterable[int]:
        """Positions of the persons that are not merged into another record."""
        return (i for i, s in enumerate(self.status) if s != "merged")


_INDEXES: weakref.WeakKeyDictionary[Book, BookIndex] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def index_for(book: Book) -> BookIndex:
    """The index of ``book`` (one per open book, made on first use)."""
    with _INDEXES_LOCK:
        index = _INDEXES.get(book)
        if index is None:
            index = BookIndex()
            _INDEXES[book] = index
        return index


def current_index(book: Book, details: bool = False) -> BookIndex:
    """The index of ``book``, brought up to date with the file (with ``details`` if asked)."""
    index = index_for(book)
    with book.read() as session:
        index.ensure_current(session, details)
    return index


__all__ = [
    "AGE_FILTERS",
    "ORDERS",
    "POPULATIONS",
    "BookIndex",
    "ChildQuery",
    "HouseholdQuery",
    "age_window",
    "current_index",
    "latest_birth_for_age",
]
