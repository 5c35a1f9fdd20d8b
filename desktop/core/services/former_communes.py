"""The former communes brought into this book, and the scope of their reports before the merge.

Issue 17: after the merge the new commune's reports count each child once; the reports of the
periods *before* the merge can still be produced for each former commune from the history.

Where a household came from is the line "thuộc xã … cũ" that bringing its book in wrote on it
(``merge_book._history_lines``): a BD09 change event with ``place`` "xã Minh Hưng cũ",
``cause`` the former commune's code (older lines: the code read from their text), the day of
the merge and who merged. It is a change event, so it is in every backup and synced like any
other record: the list below is derived from those lines and needs no table of its own.

The households of this book that never came from another book are "the rest of the book": the
commune as it was before it received the others, labelled with this book's own name and code.

Which former commune's report a child is in on a past reference date (the rule, in one place:
``load_book_data(…, households=…)``): the child's entries and exits recorded in the households
of that former commune decide whether he lived there on that date; a child with none there
belongs to the commune of his household (or of a record merged into his as a duplicate). So a
child who moved from one former commune to another before the merge is in the first one's
report before the move and in the second one's after it, and a child both books held (merged as
a duplicate) is in the report of each former commune whose book held him on that date, as each
commune's own report counted him then.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.services.events import CHANGED
from desktop.core.services.unlocked import Book
from desktop.core.storage.repositories import merge_book as repo
from desktop.core.storage.repositories import users as users_repo

# The event bringing a book in writes on each of its households (merge_book.HISTORY_EVENT).
MARK_EVENT = CHANGED


@dataclass(frozen=True)
class FormerCommune:
    """A former commune brought into this book (or, ``rest``, this book's own part)."""

    code: str
    name: str  # "xã Minh Hưng" (as in "thuộc xã Minh Hưng cũ")
    merged_on: date  # the day its book came in (the rest of the book: the first such day)
    merged_by: str  # "Nguyễn Văn A (admin)", "" for the rest of the book
    households: frozenset[str]
    rest: bool = False

    @property
    def in_text(self) -> str:
        """In a sentence: "xã Minh Hưng (cũ)"; the rest of the book: "xã Hoàng Kim (trước khi
        gộp)"."""
        return f"{self.name} (trước khi gộp)" if self.rest else f"{self.name} (cũ)"

    @property
    def title(self) -> str:
        """As the issuer and in a list: "Xã Minh Hưng (cũ)"."""
        return self.in_text[:1].upper() + self.in_text[1:]

    @property
    def choice_vi(self) -> str:
        """One line for a list: "Xã Minh Hưng (cũ), mã 11111, gộp sổ ngày 15/08/2026"."""
        if self.rest:
            return f"{self.title}, mã {self.code}: các hộ không gộp từ sổ xã cũ"
        return f"{self.title}, mã {self.code}, gộp sổ ngày {format_vn_date(self.merged_on)}"

    def check_period(self, what: str, end: date, reference: date) -> None:
        """ValidationError unless the period ended (and is counted) before the merge: ``what``
        is "Kỳ năm 2024" or "Báo cáo dân số trẻ em"."""
        last = max(end, reference)
        whose = "" if self.rest else f" của {self.in_text}"
        if last >= self.merged_on:
            raise ValidationError(
                FieldProblem(
                    "former_commune",
                    f"{what} tính đến ngày {format_vn_date(last)}, không kết thúc trước ngày "
                    f"gộp sổ{whose} là {format_vn_date(self.merged_on)}: từ ngày gộp sổ, báo "
                    "cáo là báo cáo của xã mới. Báo cáo của xã cũ chỉ lập được cho các kỳ kết "
                    "thúc trước ngày gộp sổ.",
                )
            )


def former_communes(book: Book, *, with_rest: bool = False) -> list[FormerCommune]:
    """The former communes brought into ``book``, by merge day then code (empty: none).

    ``with_rest`` adds the rest of the book last (only when there is a former commune): its
    "merge day" is the first book's, the day this commune stopped being alone.
    """
    with book.read() as session:
        marks = repo.former_marks(session, MARK_EVENT)
        names = {u.username: u.full_name for u in users_repo.all_users(session)}
        live = {hid for hid, _hamlet, _number in repo.live_households(session)}
    found: dict[str, FormerCommune] = {}
    for mark in marks:
        known = found.get(mark.commune_code)
        if known is None:
            by = names.get(mark.merged_by)
            found[mark.commune_code] = FormerCommune(
                code=mark.commune_code,
                name=mark.place.removesuffix(" cũ"),
                merged_on=mark.merged_on,
                merged_by=f"{by} ({mark.merged_by})" if by else mark.merged_by,
                households=frozenset({mark.household_id}),
            )
        else:
            found[mark.commune_code] = replace(
                known, households=known.households | {mark.household_id}
            )
    out = sorted(found.values(), key=lambda f: (f.merged_on, f.code))
    if with_rest and out:
        commune = book.commune()
        taken: set[str] = set().union(*(f.households for f in out))
        out.append(
            FormerCommune(
                code=commune.code,
                name=f"{commune.unit_kind.lower()} {commune.name}",
                merged_on=min(f.merged_on for f in out),
                merged_by="",
                households=frozenset(live - taken),
                rest=True,
            )
        )
    return out


def former_commune(book: Book, code: str) -> FormerCommune:
    """The former commune ``code`` of this book (this book's own code: the rest of the book);
    ValidationError naming the ones there are when it is not one."""
    every = former_communes(book, with_rest=True)
    for commune in every:
        if commune.code == code.strip():
            return commune
    if not every:
        text = (
            f"Sổ này chưa gộp sổ của xã cũ nào, nên không có báo cáo riêng của xã cũ mã "
            f"{code.strip()}."
        )
    else:
        listed = "; ".join(c.choice_vi for c in every)
        text = f"Sổ này không có xã cũ mã {code.strip()}. Các xã cũ của sổ: {listed}."
    raise ValidationError(FieldProblem("former_commune", text))
