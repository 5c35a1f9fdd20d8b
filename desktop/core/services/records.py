"""Forms and views shared by the person, household and event services, and by access.

They sit below ``children``, ``households``, ``events`` and ``access`` so each of those can
import them without importing the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from desktop.core.services import codes
from desktop.core.storage.models import ChangeEvent
from desktop.core.storage.repositories import children as children_repo

RELATION_CHILD = "QH03"


@dataclass
class GuardianForm:
    """A parent, guardian or carer of a child: a person of the book or just a name."""

    role: str  # a key of child_rules.GUARDIAN_ROLES
    full_name: str = ""
    person_id: str | None = None
    parent_status: str = "unknown"  # a key of child_rules.PARENT_STATUSES
    phone: str = ""
    id: str | None = None
    remove: bool = False


@dataclass
class ChildForm:
    """A person as typed: in a household row (identity) or in the child dialog (everything).

    ``id`` is None for a new person. Fields a form does not show keep their loaded values.
    ``guardians`` None leaves the guardian links as they are.
    """

    full_name: str
    birth_date: date | None
    sex: int
    ethnicity_code: str = "01"
    id_number: str = ""
    birth_date_estimated: bool = False
    relation_code: str | None = RELATION_CHILD
    notes: str = ""
    id: str | None = None
    remove: bool = False  # tombstone (an entry error), with ``notes`` as the reason
    residence_code: str = "CU01"
    birth_registered: bool | None = None
    birth_registration_date: date | None = None
    birth_registration_place: str = ""
    insurance_number: str = ""
    insurance_valid_until: date | None = None
    schooling_code: str | None = None
    school_name: str = ""
    school_class: str = ""
    disability_code: str | None = None
    disability_severity_code: str | None = None
    id_check_override: str = ""  # the reason for keeping an ID that disagrees (R07)
    guardians: list[GuardianForm] | None = None
    entry_event: str | None = None  # for a new person: BD01 (born) or BD02 (moved in)
    entry_place: str = ""  # where a person moving in came from
    # Set when loaded: a person who turned 16, moved out or died is history, not edited.
    status: str = "active"
    read_only_reason: str = ""


@dataclass(frozen=True)
class HouseholdRow:
    """One line of the household list."""

    id: str
    hamlet_name: str
    number: str
    head_name: str
    address: str
    poverty: str
    children: int
    poverty_year: int | None = None
    collaborator_name: str = ""


@dataclass
class HouseholdForm:
    """A household with its members, as typed; ``id`` is None for a new household."""

    hamlet_id: str
    number: str
    head_name: str
    address: str = ""
    poverty_code: str = "HN03"
    poverty_year: int | None = None
    phone: str = ""
    children: list[ChildForm] = field(default_factory=list)  # every member, children first
    id: str | None = None
    collaborator_name: str = ""


@dataclass(frozen=True)
class EventView:
    """A change event (biến động) as shown in histories."""

    id: str
    code: str
    name: str
    event_date: date
    person_id: str | None
    person_name: str
    household_label: str
    other_household_label: str
    place: str
    cause: str
    details: str
    automatic: bool
    recorded_by: str


def event_views(session: Session, events: Sequence[ChangeEvent]) -> list[EventView]:
    """Events as shown in histories (names of the persons and households resolved)."""
    names = {c.code: c.name for c in codes.change_event_types()}
    people = children_repo.names_of(session, [e.person_id for e in events if e.person_id])
    household_ids = {h for e in events for h in (e.household_id, e.other_household_id) if h}
    households = children_repo.households_by_ids(session, household_ids)

    def label(household_id: str | None) -> str:
        if not household_id or household_id not in households:
            return ""
        number, head, hamlet = households[household_id]
        return f"Hộ số {number} ({head}), {hamlet}"

    return [
        EventView(
            id=e.id,
            code=e.event_code,
            name=names.get(e.event_code, e.event_code),
            event_date=e.event_date,
            person_id=e.person_id,
            person_name=people.get(e.person_id or "", ""),
            household_label=label(e.household_id),
            other_household_label=label(e.other_household_id),
            place=e.place,
            # The line "thuộc xã … cũ" of a merged book keeps the former commune's code there.
            cause=f"mã xã cũ {e.cause}" if e.event_code == "BD09" and e.cause else e.cause,
            details=e.details,
            automatic=e.automatic,
            recorded_by=e.updated_by,
        )
        for e in events
    ]
