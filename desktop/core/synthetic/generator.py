"""Deterministic synthetic communes for the demo book, the tests and the benchmarks."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate, pairwise

from desktop.core.domain.dates import CHILD_AGE_LIMIT, age_on, child_birth_window, is_child_on
from desktop.core.domain.keys import IdSequence
from desktop.core.synthetic import names as nm
from desktop.core.synthetic.names import FEMALE, KINH, MALE, UNKNOWN_SEX, Generation, Pool, pool
from sync import clock

MIN_CHILDREN, MAX_CHILDREN = 50, 50_000
CHILDREN_PER_HAMLET = 150
MIN_HAMLETS, MAX_HAMLETS = 3, 40

# Codes of household_relations.csv and poverty_status.csv.
REL_CHILD, REL_ADOPTED, REL_STEPCHILD, REL_GRANDCHILD, REL_WARD = (
    "QH03", "QH04", "QH05", "QH07", "QH11",
)  # fmt: skip
POOR, NEAR_POOR, NOT_POOR = "HN01", "HN02", "HN03"

BOY_SHARE = 1.12 / 2.12  # sex ratio at birth ≈ 112 boys per 100 girls (GSO surveys)
NEWBORN_DAYS = 60  # Luật Hộ tịch 2014, Điều 15: birth registration is due within 60 days
MIN_SIBLING_GAP_DAYS = 330

NOTE_UNNAMED = "Chưa đặt tên, chưa đăng ký khai sinh."
NOTE_SEX_UNKNOWN = "Giới tính chưa xác định khi sinh."
NOTE_ESTIMATED = "Ngày sinh ước tính, gia đình không nhớ chính xác."
NOTE_TWIN = "Sinh đôi."
NOTE_ADOPTED = "Con nuôi, đã đăng ký nhận nuôi con nuôi."
NOTE_WARD = "Sống cùng người giám hộ."


@dataclass(frozen=True)
class SyntheticGuardian:
    """A parent or carer of a synthetic child, known by name (a guardian_links row)."""

    id: str
    role: str
    full_name: str
    parent_status: str


@dataclass(frozen=True)
class SyntheticEpisode:
    """A special-circumstance (HCĐB) episode of a synthetic child."""

    id: str
    group_no: int
    start_date: date
    evidence: str


@dataclass(frozen=True)
class SyntheticEvent:
    """A change event of a synthetic person (birth, move, death, 16th birthday)."""

    id: str
    event_code: str
    event_date: date
    place: str = ""
    cause: str = ""
    details: str = ""
    automatic: bool = False


@dataclass(frozen=True)
class SyntheticPerson:
    """A child of a synthetic household, shaped like a row of ``persons``."""

    id: str
    full_name: str
    birth_date: date
    sex: int
    ethnicity_code: str
    id_number: str | None
    relation_code: str
    birth_date_estimated: bool
    notes: str
    # The rest of the child record (step 5); defaults keep older callers working.
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
    status: str = "active"
    status_date: date | None = None
    guardians: tuple[SyntheticGuardian, ...] = ()
    episodes: tuple[SyntheticEpisode, ...] = ()
    events: tuple[SyntheticEvent, ...] = ()


@dataclass(frozen=True)
class SyntheticHousehold:
    """A synthetic household and its children, shaped like a row of ``households``."""

    id: str
    hamlet_id: str
    number: str
    head_name: str
    address: str
    poverty_code: str
    poverty_year: int | None
    phone: str
    members: list[SyntheticPerson]
    # Persons who left the child population: moved out, died or turned 16 (history).
    history: list[SyntheticPerson] = field(default_factory=list)


@dataclass(frozen=True)
class SyntheticHamlet:
    """A synthetic thôn / ấp / bản / tổ dân phố."""

    id: str
    name: str
    collaborator_name: str


@dataclass(frozen=True)
class SyntheticCommune:
    """A whole synthetic commune as of ``today``: every member is a child on that day."""

    hamlets: list[SyntheticHamlet]
    households: list[SyntheticHousehold]
    today: date
    profile: str = "lowland"
    seed: int = 2026

    @property
    def children(self) -> int:
        """The number of children (all members are children on ``today``)."""
        return sum(len(h.members) for h in self.households)

    def persons(self) -> Iterator[SyntheticPerson]:
        """Every member of every household, in household order."""
        for household in self.households:
            yield from household.members


@dataclass(frozen=True)
class Profile:
    """The demographic shape of one kind of commune."""

    name: str
    ethnicities: Pool  # of households
    # Share of a hamlet's households from its dominant group: upland villages are mostly
    # of one people, lowland ones are mixed at random.
    clustering: float
    poverty_kinh: tuple[float, float]  # (nghèo, cận nghèo) shares of Kinh households
    poverty_minority: tuple[float, float]
    three_generation: float
    mother_headed: float
    phone_rate: float
    estimated_rate: float
    id_coverage: float  # multiplies the age-specific coverage of personal IDs
    house_number_rate: float
    urban_addresses: bool
    province_code: str  # where most children's births were registered (ID digits 1–3)
    other_provinces: Pool  # children born where their parents worked, then came home
    south: bool  # Huỳnh and Võ rather than Hoàng and Vũ


PROFILES: dict[str, Profile] = {
    "lowland": Profile(
        name="lowland",
        ethnicities=pool("01 97, 06 1.2, 02 0.6, 04 0.6, 05 0.3, 03 0.3"),
        clustering=0.0,
        poverty_kinh=(0.04, 0.06),
        poverty_minority=(0.10, 0.10),
        three_generation=0.10,
        mother_headed=0.08,
        phone_rate=0.70,
        estimated_rate=0.005,
        id_coverage=1.0,
        house_number_rate=0.35,
        urban_addresses=False,
        province_code="038",  # Thanh Hóa
        other_provinces=pool("037 2, 040 2, 001 2, 079 1, 074 1, 075 1, 036 1"),
        south=False,
    ),
    "mountain": Profile(
        name="mountain",
        ethnicities=pool("02 24, 03 20, 08 18, 09 14, 06 8, 07 4, 01 12"),
        clustering=0.6,
        poverty_kinh=(0.10, 0.10),
        poverty_minority=(0.27, 0.16),
        three_generation=0.18,
        mother_headed=0.07,
        phone_rate=0.50,
        estimated_rate=0.03,
        id_coverage=0.92,
        house_number_rate=0.05,
        urban_addresses=False,
        province_code="015",  # Yên Bái
        other_provinces=pool("010 2, 025 2, 001 1, 014 1, 008 1, 019 1"),
        south=False,
    ),
    "mekong": Profile(
        name="mekong",
        ethnicities=pool("01 62, 05 32, 04 6"),
        clustering=0.5,
        poverty_kinh=(0.05, 0.06),
        poverty_minority=(0.12, 0.12),
        three_generation=0.15,
        mother_headed=0.08,
        phone_rate=0.65,
        estimated_rate=0.01,
        id_coverage=0.96,
        house_number_rate=0.45,
        urban_addresses=False,
        province_code="094",  # Sóc Trăng
        other_provinces=pool("092 2, 079 3, 074 2, 084 1, 095 1, 075 1"),
        south=True,
    ),
    "urban": Profile(
        name="urban",
        ethnicities=pool("01 98.5, 04 0.8, 02 0.4, 06 0.3"),
        clustering=0.0,
        poverty_kinh=(0.01, 0.02),
        poverty_minority=(0.02, 0.03),
        three_generation=0.07,
        mother_headed=0.10,
        phone_rate=0.90,
        estimated_rate=0.002,
        id_coverage=1.05,
        house_number_rate=0.85,
        urban_addresses=True,
        province_code="001",  # Hà Nội
        other_provinces=pool("038 1, 040 1, 036 1, 034 1, 033 1, 079 1, 037 1"),
        south=False,
    ),
}
"""The commune profiles ``generate_commune`` accepts."""

# Children per household: most have one or two; minority and poor households more.
_SMALL_FAMILY = pool("1 40, 2 45, 3 12, 4 2.5, 5 0.5")
_LARGE_FAMILY = pool("1 26, 2 36, 3 23, 4 10, 5 5")
# Ages 0–15 roughly uniform, slightly fewer at older ages (falling fertility since 2010).
_AGES = Pool(
    tuple(str(age) for age in range(CHILD_AGE_LIMIT)),
    tuple(accumulate(1.0 - 0.012 * age for age in range(CHILD_AGE_LIMIT))),
)
_POVERTY_YEAR_LAG = pool("0 55, 1 35, 2 10")  # the yearly review is not always up to date

# Independent random streams, one per step: a step added later (special circumstances,
# disabilities, cases) takes a new stream at the END of this tuple, so communes generated
# with an existing seed keep every value they had before.
_STREAMS = ("layout", "households", "extras", "ids", "records")


def generate_commune(
    children: int, seed: int = 2026, today: date | None = None, profile: str = "lowland"
) -> SyntheticCommune:
    """A commune of exactly ``children`` children under 16 on ``today``, a function of the args."""
    # ``today`` defaults to the current date: pass it to reproduce a commune on another day.
    _check_arguments(children, seed, profile)
    spec = PROFILES[profile]
    today = today or clock.today()
    streams = _streams(seed, profile)
    # Keys as the app makes them in one sitting (an Excel import): one random prefix, counting.
    ids = IdSequence(streams["ids"].getrandbits(IdSequence.RANDOM_BITS))
    hamlets = _plan_hamlets(streams["layout"], spec, children)
    drafts = _draft_households(streams["households"], spec, hamlets, today)
    _children_extras(streams["extras"], spec, drafts, today)
    _child_records(streams["records"], ids, spec, drafts, today)
    return _assemble(ids, hamlets, drafts, today=today, profile=profile, seed=seed)


def _check_arguments(children: int, seed: int, profile: str) -> None:
    if isinstance(children, bool) or not isinstance(children, int):
        raise ValueError(f"Số trẻ em phải là số nguyên, không phải {children!r}.")
    if not MIN_CHILDREN <= children <= MAX_CHILDREN:
        raise ValueError(
            f"Số trẻ em của xã mẫu phải từ {_vn_int(MIN_CHILDREN)} đến "
            f"{_vn_int(MAX_CHILDREN)} (đã yêu cầu {_vn_int(children)})."
        )
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"Hạt giống (seed) phải là số nguyên, không phải {seed!r}.")
    if profile not in PROFILES:
        raise ValueError(f"Kiểu xã “{profile}” không có; chọn một trong: {', '.join(PROFILES)}.")


def _vn_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _streams(seed: int, profile: str) -> dict[str, random.Random]:
    root = random.Random(seed)
    # The profile is mixed in so that two profiles with one seed are not the same commune
    # renamed; string seeds are hashed with SHA-512, the same on every run and platform.
    return {name: random.Random(f"{root.getrandbits(64)}:{profile}") for name in _STREAMS}


def apportion(weights: Sequence[float], total: int) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder); the parts sum exactly."""
    whole = sum(weights)
    exact = [w * total / whole for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


# -- step 1: hamlets ------------------------------------------------------------------------


@dataclass(frozen=True)
class _HamletPlan:
    name: str
    collaborator_name: str
    dominant: str  # ethnicity code of most of its households
    children: int  # how many children live there


def _plan_hamlets(rng: random.Random, spec: Profile, children: int) -> list[_HamletPlan]:
    count = min(MAX_HAMLETS, max(MIN_HAMLETS, round(children / CHILDREN_PER_HAMLET)))
    groups = spec.ethnicities.values
    if spec.clustering > 0:
        # Dominant groups in proportion to the profile, so the commune-wide mix stays close
        # to it even with few hamlets.
        shares = apportion(spec.ethnicities.weights(), count)
        dominant = [code for code, n in zip(groups, shares, strict=True) for _ in range(n)]
        rng.shuffle(dominant)
    else:
        weights = spec.ethnicities.weights()
        dominant = [groups[weights.index(max(weights))]] * count
    names = nm.hamlet_names(rng, spec.name, dominant)
    sizes = apportion([rng.uniform(0.6, 1.5) for _ in range(count)], children)
    plans = []
    for name, code, size in zip(names, dominant, sizes, strict=True):
        # Collaborators are mostly women of the hamlet (cộng tác viên dân số, hội phụ nữ).
        sex = FEMALE if rng.random() < 0.7 else MALE
        collaborator = nm.full_name(rng, code, sex, Generation.ADULT, south=spec.south)
        plans.append(_HamletPlan(name, collaborator, code, size))
    return plans


# -- step 2: households and their children -------------------------------------------------


@dataclass
class _ChildDraft:
    birth_date: date
    sex: int
    ethnicity_code: str
    relation_code: str
    full_name: str
    notes: list[str] = field(default_factory=list)
    id_number: str | None = None
    birth_date_estimated: bool = False
    twin: bool = False
    record: dict[str, object] = field(default_factory=dict)  # step 5's fields


@dataclass
class _HouseholdDraft:
    hamlet: int  # index into the hamlet plans
    number: int
    ethnicity_code: str
    poverty_code: str
    poverty_year: int | None
    head_name: str
    address: str
    phone: str
    children: list[_ChildDraft]
    history: list[SyntheticPerson] = field(default_factory=list)  # step 5


def _draft_households(
    rng: random.Random, spec: Profile, hamlets: list[_HamletPlan], today: date
) -> list[_HouseholdDraft]:
    window_days = (today - child_birth_window(today)[0]).days
    drafts: list[_HouseholdDraft] = []
    for index, hamlet in enumerate(hamlets):
        streets = rng.sample(nm.STREETS, 3)
        left, number = hamlet.children, 0
        while left > 0:
            number += 1
            draft = _draft_household(
                rng, spec, hamlet, today=today, window_days=window_days, left=left, streets=streets
            )
            draft.hamlet, draft.number = index, number
            drafts.append(draft)
            left -= len(draft.children)
    return drafts


def _draft_household(
    rng: random.Random,
    spec: Profile,
    hamlet: _HamletPlan,
    *,
    today: date,
    window_days: int,
    left: int,
    streets: list[str],
) -> _HouseholdDraft:
    ethnicity = hamlet.dominant if rng.random() < spec.clustering else spec.ethnicities.pick(rng)
    poor, near = spec.poverty_minority if ethnicity != KINH else spec.poverty_kinh
    draw = rng.random()
    poverty = POOR if draw < poor else NEAR_POOR if draw < poor + near else NOT_POOR
    year = None if poverty == NOT_POOR else today.year - int(_POVERTY_YEAR_LAG.pick(rng))
    sizes = _LARGE_FAMILY if ethnicity != KINH or poverty != NOT_POOR else _SMALL_FAMILY
    count = min(left, int(sizes.pick(rng)))
    head, relation, household_family = _head(rng, spec, ethnicity)
    children = _draft_children(
        rng, today, window_days, count=count, ethnicity=ethnicity, relation=relation
    )
    names: set[str] = set()
    for child in children:
        if child.relation_code in (REL_STEPCHILD, REL_WARD):
            # A stepchild or a ward carries the name of a father outside the household.
            family = nm.family_name(rng, ethnicity, spec.south)
        else:
            family = household_family
        for _ in range(6):  # siblings do not share a full name
            name = nm.full_name(
                rng, ethnicity, child.sex, Generation.CHILD, family=family, south=spec.south
            )
            if name not in names:
                break
        child.full_name = name
        names.add(name)
    return _HouseholdDraft(
        hamlet=0,
        number=0,
        ethnicity_code=ethnicity,
        poverty_code=poverty,
        poverty_year=year,
        head_name=head,
        address=_address(rng, spec, hamlet.name, streets),
        phone=nm.phone_number(rng) if rng.random() < spec.phone_rate else "",
        children=children,
    )


def _head(rng: random.Random, spec: Profile, ethnicity: str) -> tuple[str, str, str]:
    """The head's name, the children's relation to the head, and the children's family name."""
    south = spec.south
    kind = rng.random()
    if kind < spec.three_generation:
        # Grandparents head the household; the grandchildren carry their father's name:
        # the grandfather's if he is the parent of their father, another one otherwise.
        grandfather = nm.family_name(rng, ethnicity, south)
        if rng.random() < 0.7:
            head = nm.full_name(
                rng, ethnicity, MALE, Generation.ELDER, family=grandfather, south=south
            )
        else:
            head = nm.full_name(rng, ethnicity, FEMALE, Generation.ELDER, south=south)
        family = grandfather if rng.random() < 0.7 else nm.family_name(rng, ethnicity, south)
        return head, REL_GRANDCHILD, family
    if kind < spec.three_generation + spec.mother_headed:
        own = nm.family_name(rng, ethnicity, south)
        head = nm.full_name(rng, ethnicity, FEMALE, Generation.ADULT, family=own, south=south)
        # Most children of a mother-headed household still carry their father's name.
        family = own if rng.random() < 0.3 else nm.family_name(rng, ethnicity, south)
        return head, REL_CHILD, family
    family = nm.family_name(rng, ethnicity, south)
    head = nm.full_name(rng, ethnicity, MALE, Generation.ADULT, family=family, south=south)
    return head, REL_CHILD, family


def _draft_children(
    rng: random.Random,
    today: date,
    window_days: int,
    *,
    count: int,
    ethnicity: str,
    relation: str,
) -> list[_ChildDraft]:
    offsets = _sibling_offsets(rng, count, window_days)
    twins = count >= 2 and rng.random() < 0.015
    if twins:
        offsets[1] = offsets[0]
    children = []
    for position, days in enumerate(offsets):
        sex = MALE if rng.random() < BOY_SHARE else FEMALE
        if days < NEWBORN_DAYS and rng.random() < 0.03:
            sex = UNKNOWN_SEX
        child = _ChildDraft(today - timedelta(days=days), sex, ethnicity, relation, "")
        if twins and position < 2:
            child.twin = True
            child.notes.append(NOTE_TWIN)
        if sex == UNKNOWN_SEX:
            child.notes.append(NOTE_SEX_UNKNOWN)
        if relation == REL_CHILD:
            draw = rng.random()
            if draw < 0.004:
                child.relation_code = REL_ADOPTED
                child.notes.append(NOTE_ADOPTED)
            elif draw < 0.0055:
                child.relation_code = REL_WARD
                child.notes.append(NOTE_WARD)
        children.append(child)
    # The eldest of a remarried father's children is sometimes his wife's from before.
    if relation == REL_CHILD and count >= 2 and rng.random() < 0.03:
        eldest = children[-1]
        if eldest.relation_code == REL_CHILD and not eldest.twin:
            eldest.relation_code = REL_STEPCHILD
    return children


def _sibling_offsets(rng: random.Random, count: int, window_days: int) -> list[int]:
    """Ages in days (youngest first), spaced at least ~11 months apart when possible."""
    offsets: list[int] = []
    for _ in range(30):
        offsets = sorted(_age_offset(rng, window_days) for _ in range(count))
        if all(b - a >= MIN_SIBLING_GAP_DAYS for a, b in pairwise(offsets)):
            break
    return offsets


def _age_offset(rng: random.Random, window_days: int) -> int:
    """Days since birth of a child under 16; ``window_days`` is the length of that span."""
    age = int(_AGES.pick(rng))
    days = int((age + rng.random()) * window_days / CHILD_AGE_LIMIT)
    return min(days, window_days - 1)


def _address(rng: random.Random, spec: Profile, hamlet: str, streets: list[str]) -> str:
    if rng.random() >= spec.house_number_rate:
        return hamlet
    house = rng.randint(1, 250)
    if not spec.urban_addresses:
        return f"Số {house}, {hamlet}"
    street = rng.choice(streets)
    if rng.random() < 0.5:
        return f"Số {house}, ngõ {rng.randint(1, 120)}, phố {street}, {hamlet}"
    return f"Số {house}, đường {street}, {hamlet}"


# -- step 3: what the book records about each child beyond identity -------------------------


def _children_extras(
    rng: random.Random, spec: Profile, drafts: list[_HouseholdDraft], today: date
) -> None:
    """Birth registration and IDs, estimated birth dates, unnamed newborns."""
    # Later kinds of record (special circumstances, disabilities, cases) belong in steps of
    # their own after this one, each with its own stream (see ``_STREAMS``), so adding them
    # leaves the children generated here unchanged.
    used: set[str] = set()
    for household in drafts:
        for child in household.children:
            age_days = (today - child.birth_date).days
            if age_days < NEWBORN_DAYS and child.sex != UNKNOWN_SEX and rng.random() < 0.2:
                # An unregistered newborn is written "Trai" or "Gái" until it has a name.
                child.full_name = "Trai" if child.sex == MALE else "Gái"
                child.notes.insert(0, NOTE_UNNAMED)
                continue
            estimated_rate = 0.3 if child.relation_code == REL_ADOPTED else spec.estimated_rate
            if age_days >= 365 and not child.twin and rng.random() < estimated_rate:
                _estimate_birth_date(child, today)
                if rng.random() < 0.8:  # an estimated birth date rarely comes with an ID
                    continue
            if rng.random() < _id_coverage(age_on(child.birth_date, today)) * spec.id_coverage:
                child.id_number = _id_number(rng, spec, child, used)


def _estimate_birth_date(child: _ChildDraft, today: date) -> None:
    # Families who do not know the date give the year; officers then write 01/01 of it.
    guess = date(child.birth_date.year, 1, 1)
    if is_child_on(guess, today):
        child.birth_date = guess
    child.birth_date_estimated = True
    child.notes.append(NOTE_ESTIMATED)


def _id_coverage(age: int) -> float:
    # Infants are often not yet registered; older children mostly have their ID by now.
    if age < 1:
        return 0.45
    if age < 2:
        return 0.78
    return 0.9


def _id_number(rng: random.Random, spec: Profile, child: _ChildDraft, used: set[str]) -> str:
    """A 12-digit personal ID structured per DOMAIN R06; about 2% carry a wrong birth year."""
    province = spec.province_code if rng.random() < 0.92 else spec.other_provinces.pick(rng)
    if child.sex == MALE:
        century_sex = 2
    elif child.sex == FEMALE:
        century_sex = 3
    else:
        century_sex = rng.choice((2, 3))
    year = child.birth_date.year
    if rng.random() < 0.02:
        # Deliberately inconsistent, so that the R07 checks have something to find.
        year += rng.choice((-2, -1, 1, 2))
    prefix = f"{province}{century_sex}{year % 100:02d}"
    while True:
        number = f"{prefix}{rng.randrange(10**6):06d}"
        if number not in used:
            used.add(number)
            return number


# -- step 4: identities ---------------------------------------------------------------------


def _assemble(
    ids: IdSequence,
    plans: list[_HamletPlan],
    drafts: list[_HouseholdDraft],
    *,
    today: date,
    profile: str,
    seed: int,
) -> SyntheticCommune:
    hamlets = [SyntheticHamlet(ids(), p.name, p.collaborator_name) for p in plans]
    households = []
    for draft in drafts:
        household_id = ids()
        members = [
            SyntheticPerson(
                id=ids(),
                full_name=child.full_name,
                birth_date=child.birth_date,
                sex=child.sex,
                ethnicity_code=child.ethnicity_code,
                id_number=child.id_number,
                relation_code=child.relation_code,
                birth_date_estimated=child.birth_date_estimated,
                notes=" ".join(child.notes),
                **child.record,  # type: ignore[arg-type]
            )
            for child in draft.children
        ]
        households.append(
            SyntheticHousehold(
                id=household_id,
                hamlet_id=hamlets[draft.hamlet].id,
                number=str(draft.number),
                head_name=draft.head_name,
                address=draft.address,
                poverty_code=draft.poverty_code,
                poverty_year=draft.poverty_year,
                phone=draft.phone,
                members=members,
                history=draft.history,
            )
        )
    return SyntheticCommune(hamlets, households, today, profile, seed)


# -- step 5: the rest of the child record ----------------------------------------------------

# Shares are rough national orders of magnitude (MICS 2020–2021, MOLISA summaries), enough
# for a demonstration book and for the lists' filters to find something.
_DISABILITY_TYPES = pool("DT01 30, DT02 15, DT03 10, DT04 15, DT05 22, DT06 8")
_DISABILITY_SEVERITY = pool("MD01 15, MD02 35, MD03 50")
_PLACES = (
    "Hà Nội", "Thành phố Hồ Chí Minh", "Bình Dương", "Đồng Nai", "Bắc Ninh", "Hải Phòng",
    "Nghệ An", "Đà Nẵng", "Thái Nguyên", "Long An",
)  # fmt: skip
_DEATH_CAUSES = ("Đuối nước", "Tai nạn giao thông", "Bệnh hiểm nghèo", "Sốt xuất huyết", "Chưa rõ")
_LEVEL_PREFIX = {
    "HT02": "Trường Mầm non",
    "HT03": "Trường Mầm non",
    "HT04": "Trường Tiểu học",
    "HT05": "Trường THCS",
    "HT06": "Trường THPT",
    "HT07": "Trung tâm GDNN-GDTX",
}
REL_HEAD_CARER = "carer"


def _child_records(
    rng: random.Random, ids: IdSequence, spec: Profile, drafts: list[_HouseholdDraft], today: date
) -> None:
    """Birth registration, BHYT, schooling, disability, parents, HCĐB, events, history."""
    schools = {level: rng.sample(nm.STREETS, 2) for level in _LEVEL_PREFIX}
    for household in drafts:
        poor = household.poverty_code != NOT_POOR
        family = household.head_name.split(" ", 1)[0]
        parents = _parents(rng, spec, household, family)
        for child in household.children:
            record: dict[str, object] = {}
            _registration(rng, child, today, record)
            _insurance(rng, spec, child, today, record)
            _schooling(rng, child, today, poor=poor, schools=schools, record=record)
            if rng.random() < 0.012:
                record["disability_code"] = _DISABILITY_TYPES.pick(rng)
                record["disability_severity_code"] = _DISABILITY_SEVERITY.pick(rng)
            guardians = _guardians_of(rng, ids, spec, child, household, parents=parents)
            record["guardians"] = guardians
            record["episodes"] = _episodes(
                rng, ids, child, today, poor=poor, guardians=guardians, record=record
            )
            record["events"] = _events(rng, ids, child, today, record)
            child.record = record
        household.history = _history(rng, ids, spec, household, family, today=today)


def _registration(
    rng: random.Random, child: _ChildDraft, today: date, record: dict[str, object]
) -> None:
    age_days = (today - child.birth_date).days
    if NOTE_UNNAMED in child.notes:
        record["birth_registered"] = False
        return
    if child.id_number:
        share = 1.0  # a personal ID comes with the birth registration
    elif age_days < NEWBORN_DAYS:
        share = 0.5
    elif age_days < 365:
        share = 0.97
    else:
        share = 0.995
    if rng.random() >= share:
        record["birth_registered"] = False
        return
    record["birth_registered"] = True
    record["birth_registration_date"] = min(
        today, child.birth_date + timedelta(days=rng.randint(3, NEWBORN_DAYS - 5))
    )
    record["birth_registration_place"] = "UBND xã"


def _insurance(
    rng: random.Random, spec: Profile, child: _ChildDraft, today: date, record: dict[str, object]
) -> None:
    age = age_on(child.birth_date, today)
    digits = f"{rng.randrange(10**10):010d}"
    province = spec.province_code[-2:]
    draw = rng.random()
    if age < 6:
        if draw < 0.94:
            record["insurance_number"] = f"TE1{province}{digits}"
            end = date(child.birth_date.year + 6, child.birth_date.month, 1) - timedelta(days=1)
            record["insurance_valid_until"] = end
        elif draw < 0.96 and (today - child.birth_date).days > 120:
            # A card that ran out (issued for a shorter time, not renewed).
            record["insurance_number"] = f"TE1{province}{digits}"
            record["insurance_valid_until"] = today - timedelta(days=rng.randint(5, 90))
    elif draw < 0.88:
        record["insurance_number"] = f"HS4{province}{digits}"
        record["insurance_valid_until"] = date(today.year, 12, 31)


def _schooling(
    rng: random.Random,
    child: _ChildDraft,
    today: date,
    *,
    poor: bool,
    schools: dict[str, list[str]],
    record: dict[str, object],
) -> None:
    age = age_on(child.birth_date, today)
    level = "HT01"
    if 1 <= age <= 2 and rng.random() < 0.35:
        level = "HT02"
    elif 3 <= age <= 5 and rng.random() < 0.93:
        level = "HT03"
    elif 6 <= age <= 10:
        level = "HT04"
    elif 11 <= age <= 14:
        level = "HT05"
    elif age >= 15:
        level = "HT06" if rng.random() < 0.85 else "HT07"
    if age >= 11 and rng.random() < (0.06 if poor else 0.02):
        record["schooling_code"] = "HT08"
        record["school_name"] = f"{_LEVEL_PREFIX['HT05']} {schools['HT05'][0]}"
        return
    record["schooling_code"] = level
    if level in _LEVEL_PREFIX:
        record["school_name"] = f"{_LEVEL_PREFIX[level]} {rng.choice(schools[level])}"
    if level in ("HT04", "HT05", "HT06"):
        record["school_class"] = f"{min(12, max(1, age - 5))}{rng.choice('ABCD')}"


@dataclass(frozen=True)
class _Parents:
    father: str
    mother: str
    father_status: str
    mother_status: str


def _parents(
    rng: random.Random, spec: Profile, household: _HouseholdDraft, family: str
) -> _Parents:
    ethnicity = household.ethnicity_code
    father = nm.full_name(
        rng, ethnicity, MALE, Generation.ADULT, family=family or None, south=spec.south
    )
    mother = nm.full_name(rng, ethnicity, FEMALE, Generation.ADULT, south=spec.south)
    draw = rng.random()
    father_status, mother_status = "alive", "alive"
    if draw < 0.0015:
        father_status, mother_status = "deceased", "deceased"  # orphans: HCĐB group 1
    elif draw < 0.0075:
        father_status = "deceased"
    elif draw < 0.0115:
        mother_status = "deceased"
    elif draw < 0.0135:
        father_status = "in_prison"
    return _Parents(father, mother, father_status, mother_status)


def _guardians_of(
    rng: random.Random,
    ids: IdSequence,
    spec: Profile,
    child: _ChildDraft,
    household: _HouseholdDraft,
    *,
    parents: _Parents,
) -> tuple[SyntheticGuardian, ...]:
    if child.relation_code == REL_WARD:
        return (SyntheticGuardian(ids(), "guardian", household.head_name, "alive"),)
    father, father_status = parents.father, parents.father_status
    if child.relation_code == REL_STEPCHILD:
        father = nm.full_name(rng, child.ethnicity_code, MALE, Generation.ADULT, south=spec.south)
        father_status = "unknown"
    adopted = child.relation_code == REL_ADOPTED
    role_f, role_m = ("adoptive_parent",) * 2 if adopted else ("father", "mother")
    links = [
        SyntheticGuardian(ids(), role_f, father, father_status),
        SyntheticGuardian(ids(), role_m, parents.mother, parents.mother_status),
    ]
    if child.relation_code == REL_GRANDCHILD:
        links.append(SyntheticGuardian(ids(), REL_HEAD_CARER, household.head_name, "alive"))
    return tuple(links)


def _episodes(
    rng: random.Random,
    ids: IdSequence,
    child: _ChildDraft,
    today: date,
    *,
    poor: bool,
    guardians: tuple[SyntheticGuardian, ...],
    record: dict[str, object],
) -> tuple[SyntheticEpisode, ...]:
    groups: list[tuple[int, str]] = []
    statuses = [g.parent_status for g in guardians if g.role in ("father", "mother")]
    if statuses == ["deceased", "deceased"]:
        groups.append((1, "Cha và mẹ đều đã mất (giấy chứng tử)."))
    if record.get("disability_code") and rng.random() < 0.7:
        groups.append((4, "Giấy xác nhận khuyết tật của UBND xã."))
    if record.get("schooling_code") == "HT08" and poor and rng.random() < 0.5:
        groups.append((8, "Bỏ học đi làm giúp gia đình, chưa hết THCS."))
    if poor and rng.random() < 0.002:
        groups.append((13, "Điều trị dài ngày tại bệnh viện tỉnh; hộ nghèo."))
    draw = rng.random()
    if draw < 0.0005:
        groups.append((9, "Biên bản xác minh của xã."))
    elif draw < 0.0008:
        groups.append((11, "Hồ sơ vụ việc đã chuyển công an."))
    episodes = []
    for group, evidence in groups:
        start = max(child.birth_date, today - timedelta(days=rng.randint(30, 900)))
        episodes.append(SyntheticEpisode(ids(), group, start, evidence))
    return tuple(episodes)


def _events(
    rng: random.Random, ids: IdSequence, child: _ChildDraft, today: date, record: dict[str, object]
) -> tuple[SyntheticEvent, ...]:
    events = []
    if (today - child.birth_date).days < 365 and rng.random() < 0.9:
        events.append(SyntheticEvent(ids(), "BD01", child.birth_date))
    elif rng.random() < 0.01:
        days = min(700, max(1, (today - child.birth_date).days - 1))
        moved = today - timedelta(days=rng.randint(1, days))
        events.append(SyntheticEvent(ids(), "BD02", moved, place=f"{rng.choice(_PLACES)}"))
        if rng.random() < 0.5:
            record["residence_code"] = "CU02"
    return tuple(events)


def _history(
    rng: random.Random,
    ids: IdSequence,
    spec: Profile,
    household: _HouseholdDraft,
    family: str,
    *,
    today: date,
) -> list[SyntheticPerson]:
    """Persons who left the child population: turned 16 this year, moved out, died."""
    out: list[SyntheticPerson] = []
    ethnicity = household.ethnicity_code
    draw = rng.random()
    if draw < 0.04:
        birthday = today - timedelta(days=rng.randint(1, 364))
        birth = date(birthday.year - CHILD_AGE_LIMIT, birthday.month, min(birthday.day, 28))
        kind = "turned16"
    elif draw < 0.044:
        birth = today - timedelta(days=rng.randint(2 * 365, 14 * 365))
        kind = "moved_out"
    elif draw < 0.0446:
        birth = today - timedelta(days=rng.randint(30, 14 * 365))
        kind = "dead"
    else:
        return out
    sex = MALE if rng.random() < BOY_SHARE else FEMALE
    name = nm.full_name(
        rng, ethnicity, sex, Generation.CHILD, family=family or None, south=spec.south
    )
    events: list[SyntheticEvent] = []
    status, status_date = "active", None
    notes = ""
    if kind == "turned16":
        day = date(birth.year + CHILD_AGE_LIMIT, birth.month, birth.day)
        events.append(
            SyntheticEvent(ids(), "BD05", day, details="Tự động: đủ 16 tuổi.", automatic=True)
        )
    elif kind == "moved_out":
        status, status_date = "moved_out", today - timedelta(days=rng.randint(10, 400))
        events.append(SyntheticEvent(ids(), "BD03", status_date, place=rng.choice(_PLACES)))
        notes = "Chuyển đi cùng mẹ."
    else:
        status = "dead"
        status_date = max(birth + timedelta(days=1), today - timedelta(days=rng.randint(10, 700)))
        events.append(SyntheticEvent(ids(), "BD04", status_date, cause=rng.choice(_DEATH_CAUSES)))
    out.append(
        SyntheticPerson(
            id=ids(),
            full_name=name,
            birth_date=birth,
            sex=sex,
            ethnicity_code=ethnicity,
            id_number=None,
            relation_code=REL_CHILD,
            birth_date_estimated=False,
            notes=notes,
            birth_registered=True,
            birth_registration_date=birth + timedelta(days=20),
            birth_registration_place="UBND xã",
            schooling_code="HT06" if kind == "turned16" else None,
            status=status,
            status_date=status_date,
            events=tuple(events),
        )
    )
    return out
