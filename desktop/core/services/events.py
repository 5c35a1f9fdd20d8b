"""Change events (biến động): births, moves, deaths, adoptions, splits, merges, 16th birthdays.

Events are append-only and dated; a person's ``status`` and ``status_date`` follow them (a
move out or a death closes the record, a move in reopens it). An event recorded in error is
cancelled — tombstoned with its reason — never edited, and the status is worked out again.
The 16th-birthday exits (R02) are made by ``apply_automatic_events``, run at login, every
day while the app is open, and by ``sotreem su-kien-tu-dong``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from desktop.core.domain import child_rules as rules
from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.domain.protection import AUTO_END_REASON
from desktop.core.domain.text import clean_text, fold
from desktop.core.services import access, codes
from desktop.core.services.book import Book
from desktop.core.services.book_index import latest_birth_for_age
from desktop.core.services.records import EventView, event_views
from desktop.core.storage.models import ChangeEvent, GuardianLink, Household, Person
from desktop.core.storage.repositories import children as children_repo
from desktop.core.storage.repositories import events as repo
from desktop.core.storage.repositories import households as households_repo
from sync import clock

BIRTH, MOVED_IN, MOVED_OUT, DEATH, TURNED_16, ADOPTION, SPLIT, JOINED, CHANGED = (
    "BD01", "BD02", "BD03", "BD04", "BD05", "BD06", "BD07", "BD08", "BD09",
)  # fmt: skip
# What a person's status becomes after each event (others leave it as it is).
_STATUS_AFTER = {
    BIRTH: rules.STATUS_ACTIVE,
    MOVED_IN: rules.STATUS_ACTIVE,
    MOVED_OUT: rules.STATUS_MOVED_OUT,
    DEATH: rules.STATUS_DEAD,
}
# Events recorded by hand for one person (the household split and merge have their own).
PERSON_EVENTS = (BIRTH, MOVED_IN, MOVED_OUT, DEATH, ADOPTION, CHANGED)
AUTO_DETAILS = "Tự động: đủ 16 tuổi, không còn là trẻ em (Luật Trẻ em 2016, Điều 1)."


@dataclass
class EventForm:
    """One change event as typed."""

    event_code: str
    event_date: date | None
    person_id: str | None = None
    place: str = ""  # moved in from / moved out to / adopted from
    cause: str = ""  # of death
    details: str = ""
    target_household_id: str | None = None  # moved in: the household of the commune joined
    adoptive_parents: list[str] = field(default_factory=list)  # names, for an adoption


@dataclass(frozen=True)
class AutoEventsResult:
    """What ``apply_automatic_events`` did."""

    created: int
    closed_episodes: int
    through: date
    person_ids: list[str]

    @property
    def message_vi(self) -> str:
        """One line for the officer or the terminal."""
        if not self.created:
            return f"Không có trẻ nào đủ 16 tuổi mới (đã xét đến {format_vn_date(self.through)})."
        text = f"Đã ghi {self.created} trẻ đủ 16 tuổi (ra khỏi danh sách trẻ em)"
        if self.closed_episodes:
            text += f", đóng {self.closed_episodes} giai đoạn hoàn cảnh đặc biệt"
        return text + "."


def recompute_status(session: Session, person: Person) -> None:
    """Set the person's status from the last event that opens or closes the record."""
    status, status_date = rules.STATUS_ACTIVE, None
    for event in repo.events_of_person(session, person.id):
        after = _STATUS_AFTER.get(event.event_code)
        if after is not None:
            status = after
            status_date = None if after == rules.STATUS_ACTIVE else event.event_date
    if person.status != rules.STATUS_MERGED:
        if person.status != status:
            person.status = status
        if person.status_date != status_date:
            person.status_date = status_date


def _close_episodes(session: Session, person_id: str, end: date, reason: str) -> int:
    """End the open HCĐB and at-risk episodes on ``end`` (a key of END_REASONS)."""
    closed = 0
    for episode in repo.open_episodes(session, person_id):
        episode.end_date = max(end, episode.start_date)
        episode.end_reason = reason
        closed += 1
    return closed


class EventService:
    """Records and cancels change events; splits and merges households."""

    def __init__(self, book: Book) -> None:
        self._book = book

    # -- reading --------------------------------------------------------------------------

    def person_history(self, person_id: str) -> list[EventView]:
        """The events of one person, oldest first."""
        self._book.user.require(Action.VIEW_BOOK)
        with self._book.read() as session:
            self._scope_person(session, person_id)
            return event_views(session, repo.events_of_person(session, person_id))

    def household_history(self, household_id: str) -> list[EventView]:
        """The events of a household and of its members, oldest first."""
        self._book.user.require(Action.VIEW_BOOK)
        with self._book.read() as session:
            household = session.get(Household, household_id)
            if household is None:
                raise ValidationError(FieldProblem("id", "Không tìm thấy hộ này trong sổ."))
            access.require_hamlet(self._book.user, household.hamlet_id)
            return event_views(session, repo.events_of_household(session, household_id))

    # -- recording ------------------------------------------------------------------------

    def record(self, form: EventForm, today: date | None = None) -> str:
        """Check and record one event for one person in one transaction; the event's id."""
        user = self._book.user
        user.require(Action.EDIT_BOOK)
        today = today or clock.today()
        names = {c.code: c.name for c in codes.change_event_types()}
        problems: list[FieldProblem] = []
        if form.event_code == TURNED_16:
            problems.append(
                FieldProblem("event_code", "Biến động “Đủ 16 tuổi” do chương trình tự ghi.")
            )
        elif form.event_code not in PERSON_EVENTS:
            problems.append(FieldProblem("event_code", "Loại biến động: chưa chọn."))
        if form.event_date is None:
            problems.append(FieldProblem("event_date", "Ngày biến động: chưa nhập."))
        elif form.event_date > today:
            problems.append(
                FieldProblem(
                    "event_date",
                    f"Ngày biến động {format_vn_date(form.event_date)} ở sau ngày hôm nay "
                    f"({format_vn_date(today)}).",
                )
            )
        if form.event_code == MOVED_OUT and not clean_text(form.place):
            problems.append(FieldProblem("place", "Chuyển đi: hãy ghi chuyển đến đâu."))
        if (
            form.event_code == MOVED_IN
            and not clean_text(form.place)
            and not form.target_household_id
        ):
            problems.append(FieldProblem("place", "Chuyển đến: hãy ghi chuyển đến từ đâu."))
        if form.event_code == DEATH and not clean_text(form.cause):
            problems.append(FieldProblem("cause", "Tử vong: hãy ghi nguyên nhân (hoặc “chưa rõ”)."))
        if not form.person_id:
            problems.append(FieldProblem("person_id", "Chưa chọn người có biến động."))
        if problems:
            raise ValidationError(problems)
        assert form.event_date is not None and form.person_id is not None
        day = form.event_date
        with self._book.transaction() as session:
            person = self._scope_person(session, form.person_id)
            what = names.get(form.event_code, form.event_code)
            self._check_sequence(session, person, form.event_code, day, what)
            household_id = person.household_id
            if form.event_code == MOVED_IN and form.target_household_id:
                target = repo.live_household(session, form.target_household_id)
                if target is None:
                    raise ValidationError(
                        FieldProblem("target_household_id", "Hộ chuyển đến không còn trong sổ.")
                    )
                access.require_hamlet(user, target.hamlet_id)
                other = person.household_id if person.household_id != target.id else None
                person.household_id = target.id
                household_id = target.id
            else:
                other = None
            event = ChangeEvent(
                event_code=form.event_code,
                event_date=day,
                person_id=person.id,
                household_id=household_id,
                other_household_id=other,
                place=clean_text(form.place),
                cause=clean_text(form.cause),
                details=clean_text(form.details),
            )
            session.add(event)
            session.flush()
            self._apply_effects(session, person, form, day)
            recompute_status(session, person)
            return event.id

    def _scope_person(self, session: Session, person_id: str) -> Person:
        person = children_repo.live_person(session, person_id)
        if person is None:
            raise ValidationError(FieldProblem("person_id", "Người này không còn trong sổ."))
        if self._book.user.hamlet_ids is not None:
            household = (
                repo.live_household(session, person.household_id) if person.household_id else None
            )
            access.require_hamlet(
                self._book.user, household.hamlet_id if household is not None else None
            )
        return person

    def _check_sequence(
        self, session: Session, person: Person, code: str, day: date, what: str
    ) -> None:
        name = person.full_name
        if day < person.birth_date:
            raise ValidationError(
                FieldProblem(
                    "event_date",
                    f"{what} ngày {format_vn_date(day)} ở trước ngày sinh của {name} "
                    f"({format_vn_date(person.birth_date)}).",
                )
            )
        if person.status == rules.STATUS_DEAD:
            raise ValidationError(
                FieldProblem(
                    "event_code",
                    f"{name} đã mất ngày {format_vn_date(person.status_date)}: không ghi thêm "
                    "biến động. Nếu việc ghi tử vong là nhầm, hãy hủy biến động đó trước.",
                )
            )
        if code in (MOVED_OUT, DEATH, ADOPTION) and person.status == rules.STATUS_MOVED_OUT:
            raise ValidationError(
                FieldProblem(
                    "event_code",
                    f"{name} đã chuyển đi ngày {format_vn_date(person.status_date)}. Nếu đã quay "
                    "lại, hãy ghi “Chuyển đến” trước.",
                )
            )
        if code == MOVED_IN and person.status == rules.STATUS_ACTIVE and person.household_id:
            last = [e for e in repo.events_of_person(session, person.id) if e.event_date > day]
            if last:
                raise ValidationError(
                    FieldProblem(
                        "event_date",
                        f"{name} đã có biến động sau ngày {format_vn_date(day)}; hãy kiểm tra "
                        "lại ngày.",
                    )
                )
        if code == BIRTH and repo.has_event(session, person.id, BIRTH):
            raise ValidationError(FieldProblem("event_code", f"{name} đã có biến động “Sinh”."))
        if code == BIRTH and (day - person.birth_date).days > 0:
            raise ValidationError(
                FieldProblem(
                    "event_date",
                    f"Ngày của biến động “Sinh” phải là ngày sinh "
                    f"({format_vn_date(person.birth_date)}).",
                )
            )

    def _apply_effects(self, session: Session, person: Person, form: EventForm, day: date) -> None:
        if form.event_code in (MOVED_OUT, DEATH):
            _close_episodes(
                session, person.id, day, "died" if form.event_code == DEATH else "moved_out"
            )
        if form.event_code == DEATH:
            for link in children_repo.links_to_person(session, person.id):
                if link.role in ("father", "mother", "adoptive_parent") and (
                    link.parent_status != "deceased"
                ):
                    link.parent_status = "deceased"
        if form.event_code == ADOPTION:
            if person.relation_code != "QH04":
                person.relation_code = "QH04"
            existing = {fold(g.full_name) for g in children_repo.guardians_of(session, person.id)}
            for parent in form.adoptive_parents:
                name = clean_text(parent)
                if name and fold(name) not in existing:
                    session.add(
                        GuardianLink(
                            child_id=person.id,
                            full_name=name,
                            role="adoptive_parent",
                            parent_status="alive",
                            valid_from=day,
                        )
                    )

    def cancel(self, event_id: str, reason: str) -> None:
        """Cancel an event recorded in error (kept, tombstoned with the reason)."""
        user = self._book.user
        user.require(Action.EDIT_BOOK)
        why = clean_text(reason)
        if not why:
            raise ValidationError(FieldProblem("reason", "Hãy ghi lý do hủy biến động."))
        with self._book.transaction() as session:
            event = repo.get_event(session, event_id)
            if event is None:
                raise ValidationError(FieldProblem("id", "Biến động này không còn trong sổ."))
            if event.automatic:
                raise ValidationError(
                    FieldProblem(
                        "id",
                        "Biến động tự động (đủ 16 tuổi) không hủy được: nếu ngày sinh sai, hãy "
                        "sửa ngày sinh.",
                    )
                )
            person = None
            if event.person_id:
                person = self._scope_person(session, event.person_id)
            event.deleted = True
            event.details = clean_text(f"{event.details} [Đã hủy: {why}]")
            session.flush()
            if person is not None:
                recompute_status(session, person)

    # -- households -----------------------------------------------------------------------

    def split_household(
        self,
        source_id: str,
        member_ids: Sequence[str],
        *,
        number: str,
        head_name: str,
        day: date,
        address: str = "",
        hamlet_id: str | None = None,
        details: str = "",
        today: date | None = None,
    ) -> str:
        """Move ``member_ids`` out of ``source_id`` into a new household (tách hộ); its id."""
        user = self._book.user
        user.require(Action.EDIT_BOOK)
        today = today or clock.today()
        problems: list[FieldProblem] = []
        if not member_ids:
            problems.append(FieldProblem("members", "Tách hộ: hãy chọn ít nhất một người."))
        if not clean_text(number):
            problems.append(FieldProblem("number", "Số hộ mới: chưa nhập."))
        if not clean_text(head_name):
            problems.append(FieldProblem("head_name", "Họ tên chủ hộ mới: chưa nhập."))
        if day > today:
            problems.append(FieldProblem("event_date", "Ngày tách hộ ở sau ngày hôm nay."))
        if problems:
            raise ValidationError(problems)
        with self._book.transaction() as session:
            source = repo.live_household(session, source_id)
            if source is None:
                raise ValidationError(FieldProblem("id", "Hộ này không còn trong sổ."))
            access.require_hamlet(user, source.hamlet_id)
            hamlet = hamlet_id or source.hamlet_id
            access.require_hamlet(user, hamlet)
            if households_repo.household_number_taken(session, hamlet, clean_text(number), None):
                raise ValidationError(
                    FieldProblem("number", f"Số hộ {clean_text(number)} đã có trong thôn này.")
                )
            new = Household(
                hamlet_id=hamlet,
                number=clean_text(number),
                head_name=clean_text(head_name),
                head_name_key=fold(head_name),
                address=clean_text(address) or source.address,
                poverty_code=source.poverty_code,
                poverty_year=source.poverty_year,
                collaborator_name=source.collaborator_name,
            )
            session.add(new)
            session.flush()
            for person_id in member_ids:
                person = children_repo.live_person(session, person_id)
                if person is None or person.household_id != source_id:
                    raise ValidationError(
                        FieldProblem("members", "Một người đã chọn không còn trong hộ này.")
                    )
                person.household_id = new.id
                session.add(
                    ChangeEvent(
                        event_code=SPLIT,
                        event_date=day,
                        person_id=person.id,
                        household_id=new.id,
                        other_household_id=source_id,
                        details=clean_text(details),
                    )
                )
            return new.id

    def merge_households(
        self,
        source_id: str,
        target_id: str,
        day: date,
        details: str = "",
        today: date | None = None,
    ) -> int:
        """Move every member of ``source_id`` into ``target_id`` (nhập hộ); the number moved.

        The emptied household is tombstoned; its history stays readable.
        """
        user = self._book.user
        user.require(Action.EDIT_BOOK)
        today = today or clock.today()
        if source_id == target_id:
            raise ValidationError(FieldProblem("target", "Hãy chọn một hộ khác để nhập vào."))
        if day > today:
            raise ValidationError(FieldProblem("event_date", "Ngày nhập hộ ở sau ngày hôm nay."))
        with self._book.transaction() as session:
            source = repo.live_household(session, source_id)
            target = repo.live_household(session, target_id)
            if source is None or target is None:
                raise ValidationError(FieldProblem("id", "Hộ này không còn trong sổ."))
            access.require_hamlet(user, source.hamlet_id)
            access.require_hamlet(user, target.hamlet_id)
            moved = 0
            for person in households_repo.live_members(session, source_id):
                person.household_id = target_id
                if person.relation_code == rules.RELATION_HEAD:
                    person.relation_code = "QH99"  # one head per household (R20)
                session.add(
                    ChangeEvent(
                        event_code=JOINED,
                        event_date=day,
                        person_id=person.id,
                        household_id=target_id,
                        other_household_id=source_id,
                        details=clean_text(details),
                    )
                )
                moved += 1
            session.add(
                ChangeEvent(
                    event_code=JOINED,
                    event_date=day,
                    household_id=source_id,
                    other_household_id=target_id,
                    details=clean_text(
                        f"Hộ số {source.number} ({source.head_name}) nhập vào hộ số "
                        f"{target.number} ({target.head_name}). {details}"
                    ),
                )
            )
            source.deleted = True
            return moved


def apply_automatic_events(book: Book, today: date | None = None) -> AutoEventsResult:
    """Make the 16th-birthday exits (R02) due up to ``today``; idempotent.

    For every person of the book who turned 16 since the last run (or since the book was
    created), a BD05 event dated on the birthday is recorded and the open HCĐB episodes end
    the day before. Nobody is deleted; the record becomes read-only history. A PC that was
    off for months catches up on the first run: every birthday of the gap gets its own date.
    """
    book.user.require(Action.EDIT_BOOK)
    today = today or clock.today()
    created = 0
    closed = 0
    ids: list[str] = []
    with book.transaction() as session:
        through, book_created = repo.auto_events_through(session)
        start = through if through is not None else book_created - timedelta(days=1)
        if start >= today:
            return AutoEventsResult(0, 0, start, [])
        # Born in the window, give or take a day for 29/02; the exact test is below.
        after = latest_birth_for_age(start, 16) - timedelta(days=2)
        until = latest_birth_for_age(today, 16) + timedelta(days=1)
        for person in repo.born_between(session, after, until):
            ended = record_sixteenth_birthday(session, person, start, today)
            if ended is not None:
                closed += ended
                created += 1
                ids.append(person.id)
        repo.set_auto_events_through(session, today)
    return AutoEventsResult(created, closed, today, ids)


def record_sixteenth_birthday(
    session: Session, person: Person, after: date, until: date
) -> int | None:
    """Record ``person``'s 16th birthday if it fell in (``after``, ``until``] (R02).

    The BD05 event is dated on the birthday itself and open HCĐB episodes end the day before,
    whatever day this runs: a list that was true on an earlier date, imported today, gets the
    same history as if the child had been in the book all along. Returns the number of
    episodes closed, or None when nothing was due (not in the window, not active, or already
    recorded).
    """
    birthday = rules.turned_sixteen_between(person.birth_date, after, until)
    if birthday is None or person.status != rules.STATUS_ACTIVE:
        return None
    if repo.has_event(session, person.id, TURNED_16):
        return None
    session.add(
        ChangeEvent(
            event_code=TURNED_16,
            event_date=birthday,
            person_id=person.id,
            household_id=person.household_id,
            details=AUTO_DETAILS,
            automatic=True,
        )
    )
    return _close_episodes(session, person.id, birthday - timedelta(days=1), AUTO_END_REASON)
