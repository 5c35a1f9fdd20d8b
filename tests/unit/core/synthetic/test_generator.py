"""The synthetic commune generator: determinism, size, and demographic realism."""

from __future__ import annotations

import csv
import random
import unicodedata
import uuid
from collections import Counter
from datetime import date, timedelta
from functools import cache

import pytest

from desktop.core.domain.dates import age_on, is_child_on
from desktop.core.domain.identity import id_number_warnings
from desktop.core.synthetic import SyntheticCommune, generate_commune
from desktop.core.synthetic.generator import NEWBORN_DAYS, apportion
from resources import resource_path
from sync import clock

TODAY = date(2026, 3, 15)

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())
PHONE_PREFIXES = ("03", "05", "07", "08", "09")


@cache
def commune(children: int, profile: str = "lowland", seed: int = 2026) -> SyntheticCommune:
    return generate_commune(children, seed=seed, today=TODAY, profile=profile)


def codes(file_name: str) -> set[str]:
    with resource_path("codes", file_name).open(encoding="utf-8", newline="") as handle:
        return {row["code"] for row in csv.DictReader(handle)}


def shares(values: list[str]) -> dict[str, float]:
    counts = Counter(values)
    return {key: n / len(values) for key, n in counts.items()}


# -- determinism and size -----------------------------------------------------------------


def test_same_arguments_give_the_same_commune() -> None:
    first = generate_commune(500, seed=7, today=TODAY, profile="mountain")
    second = generate_commune(500, seed=7, today=TODAY, profile="mountain")
    assert first == second


def test_another_seed_or_profile_gives_another_commune() -> None:
    base = generate_commune(200, seed=1, today=TODAY)
    other_seed = generate_commune(200, seed=2, today=TODAY)
    other_profile = generate_commune(200, seed=1, today=TODAY, profile="mekong")
    names = [p.full_name for p in base.persons()]
    assert names != [p.full_name for p in other_seed.persons()]
    assert names != [p.full_name for p in other_profile.persons()]
    assert {h.id for h in base.hamlets}.isdisjoint(h.id for h in other_seed.hamlets)


def test_the_global_random_generator_is_left_alone() -> None:
    random.seed(123)
    state = random.getstate()
    generate_commune(100, today=TODAY)
    assert random.getstate() == state


def test_today_defaults_to_the_current_date() -> None:
    assert generate_commune(50).today == clock.today()


@pytest.mark.parametrize("children", [50, 5_000])
def test_exactly_the_requested_number_of_children_under_16(children: int) -> None:
    generated = commune(children)
    persons = list(generated.persons())
    assert generated.children == len(persons) == children
    assert all(is_child_on(p.birth_date, TODAY) for p in persons)


@pytest.mark.parametrize("profile", ["lowland", "mountain", "mekong", "urban"])
def test_every_profile_generates(profile: str) -> None:
    generated = commune(1_000, profile)
    assert generated.children == 1_000
    assert generated.profile == profile


@pytest.mark.parametrize("children", [49, 50_001, 0, -5])
def test_sizes_outside_50_to_50000_are_refused(children: int) -> None:
    with pytest.raises(ValueError, match=r"từ 50 đến 50\.000"):
        generate_commune(children, today=TODAY)


@pytest.mark.parametrize("bad", [True, 100.0, "100"])
def test_a_size_that_is_not_an_integer_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="số nguyên"):
        generate_commune(bad, today=TODAY)  # type: ignore[arg-type]


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="highland"):
        generate_commune(100, today=TODAY, profile="highland")


def test_apportion_splits_exactly() -> None:
    assert apportion([1, 1, 1], 10) == [4, 3, 3]
    assert sum(apportion([0.6, 1.4, 0.9, 1.1], 5_001)) == 5_001


# -- layout --------------------------------------------------------------------------------


@pytest.mark.parametrize(("children", "hamlets"), [(50, 3), (1_000, 7), (5_000, 33)])
def test_number_of_hamlets_scales_with_size(children: int, hamlets: int) -> None:
    assert len(commune(children).hamlets) == hamlets


def test_the_largest_commune_has_40_hamlets() -> None:
    generated = generate_commune(50_000, today=TODAY)
    assert len(generated.hamlets) == 40
    assert generated.children == 50_000


def test_hamlets_have_distinct_names_and_a_collaborator() -> None:
    for profile in ("lowland", "mountain", "mekong", "urban"):
        hamlets = commune(5_000, profile).hamlets
        assert len({h.name for h in hamlets}) == len(hamlets)
        assert all(h.collaborator_name.count(" ") >= 1 for h in hamlets)


def test_household_numbers_run_from_1_in_each_hamlet() -> None:
    generated = commune(5_000)
    numbers: dict[str, list[int]] = {}
    for household in generated.households:
        numbers.setdefault(household.hamlet_id, []).append(int(household.number))
    assert set(numbers) == {h.id for h in generated.hamlets}
    for found in numbers.values():
        assert found == list(range(1, len(found) + 1))


def test_households_have_one_to_five_children_mostly_one_or_two() -> None:
    sizes = Counter(len(h.members) for h in commune(5_000).households)
    assert set(sizes) <= {1, 2, 3, 4, 5}
    assert (sizes[1] + sizes[2]) / sum(sizes.values()) > 0.75
    assert sizes[3] + sizes[4] + sizes[5] > 0


def test_minority_households_have_more_children() -> None:
    def mean_size(profile: str) -> float:
        households = commune(5_000, profile).households
        return sum(len(h.members) for h in households) / len(households)

    assert mean_size("mountain") > mean_size("lowland") + 0.2


def test_addresses_name_the_hamlet() -> None:
    generated = commune(5_000)
    hamlet_names = {h.id: h.name for h in generated.hamlets}
    addresses = [(h.address, hamlet_names[h.hamlet_id]) for h in generated.households]
    assert all(address.endswith(hamlet) for address, hamlet in addresses)
    assert any(address.startswith("Số ") for address, _ in addresses)


def test_ids_are_unique_keys_made_as_in_one_sitting() -> None:
    generated = commune(5_000)
    ids = [h.id for h in generated.hamlets] + [h.id for h in generated.households]
    ids += [p.id for p in generated.persons()]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(value).version == 8 for value in ids)
    # One random prefix per commune (like one Excel import), a different one per seed.
    assert len({value[:28] for value in ids}) == 1
    assert commune(50, seed=7).households[0].id[:28] != ids[0][:28]


# -- names ---------------------------------------------------------------------------------


def all_names(generated: SyntheticCommune) -> list[str]:
    names = [p.full_name for p in generated.persons()]
    names += [h.head_name for h in generated.households]
    names += [h.name for h in generated.hamlets] + [h.collaborator_name for h in generated.hamlets]
    return names


@pytest.mark.parametrize("profile", ["lowland", "mountain", "mekong", "urban"])
def test_every_name_is_nfc_and_trimmed(profile: str) -> None:
    for name in all_names(commune(5_000, profile)):
        assert unicodedata.is_normalized("NFC", name), name
        assert name == " ".join(name.split()), name


def test_most_names_carry_vietnamese_diacritics() -> None:
    persons = list(commune(5_000).persons())
    with_marks = sum(1 for p in persons if not p.full_name.isascii())
    # "Nguyễn" alone is 38%; a name without any mark (e.g. "Lê" is marked) is rare.
    assert 0.9 < with_marks / len(persons) <= 1.0
    letters = "".join(p.full_name for p in persons)
    assert "đ" in letters.casefold()
    assert any(ch in letters for ch in "ăâêôơư")


def test_family_names_follow_their_frequencies() -> None:
    kinh = [p.full_name.split()[0] for p in commune(5_000).persons() if p.ethnicity_code == "01"]
    share = shares(kinh)
    assert 0.30 < share["Nguyễn"] < 0.46
    assert 0.07 < share["Trần"] < 0.15
    assert share["Nguyễn"] > share["Trần"] > share["Phạm"]
    assert len(share) > 30


def test_southern_communes_write_huynh_and_vo() -> None:
    def count(profile: str, name: str) -> int:
        return sum(1 for p in commune(5_000, profile).persons() if p.full_name.startswith(name))

    assert count("mekong", "Huỳnh ") > count("mekong", "Hoàng ")
    assert count("lowland", "Hoàng ") > count("lowland", "Huỳnh ")


def test_children_mostly_share_the_family_name_of_the_head() -> None:
    households = [h for h in commune(5_000).households if h.members[0].ethnicity_code == "01"]
    same = sum(1 for h in households if h.members[0].full_name.split()[0] == h.head_name.split()[0])
    assert 0.75 < same / len(households) < 0.98  # mother-headed households and others differ


def test_siblings_do_not_share_a_full_name() -> None:
    for household in commune(5_000, "mountain").households:
        names = [p.full_name for p in household.members if p.full_name not in ("Trai", "Gái")]
        assert len(names) == len(set(names))


def test_hmong_names_follow_their_pattern() -> None:
    hmong = [p for p in commune(5_000, "mountain").persons() if p.ethnicity_code == "08"]
    assert len(hmong) > 200
    families = {"Giàng", "Vàng", "Sùng", "Lù", "Thào", "Hạng", "Mùa", "Lầu", "Ly", "Cứ"}
    named = [p for p in hmong if p.full_name not in ("Trai", "Gái")]
    assert all(p.full_name.split()[0] in families for p in named)
    boys = [p.full_name.split()[1] for p in named if p.sex == 1]
    girls = [p.full_name.split()[1] for p in named if p.sex == 2]
    assert boys.count("A") / len(boys) > 0.7
    assert (girls.count("Thị") + girls.count("Mỷ")) / len(girls) > 0.85


# -- people --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ("lowland", {"01": (0.93, 0.99)}),
        ("urban", {"01": (0.95, 1.0)}),
        ("mekong", {"01": (0.45, 0.75), "05": (0.2, 0.45), "04": (0.02, 0.12)}),
        (
            "mountain",
            {
                "01": (0.05, 0.25),
                "02": (0.12, 0.35),
                "03": (0.1, 0.3),
                "08": (0.1, 0.3),
                "09": (0.06, 0.25),
                "06": (0.03, 0.15),
            },
        ),
    ],
)
def test_ethnic_mix_follows_the_profile(
    profile: str, expected: dict[str, tuple[float, float]]
) -> None:
    persons = list(commune(5_000, profile).persons())
    share = shares([p.ethnicity_code for p in persons])
    for code, (low, high) in expected.items():
        assert low <= share.get(code, 0.0) <= high, (code, share)
    assert set(share) <= codes("ethnic_groups.csv")
    if profile == "mekong":
        assert set(share) == {"01", "04", "05"}
    if profile == "lowland":
        assert len(share) > 1  # a few Mường, Tày, Hoa … live in lowland communes too


def test_sex_ratio_at_birth_is_about_112_boys_per_100_girls() -> None:
    sexes = Counter(p.sex for p in commune(5_000).persons())
    assert 1.04 < sexes[1] / sexes[2] < 1.20
    assert sexes[3] <= 10


def test_undetermined_sex_only_for_rare_newborns() -> None:
    persons = list(generate_commune(50_000, today=TODAY).persons())
    unknown = [p for p in persons if p.sex == 3]
    assert 0 < len(unknown) < 30
    assert all((TODAY - p.birth_date).days < NEWBORN_DAYS for p in unknown)


def test_ages_cover_0_to_15_with_slightly_fewer_older_children() -> None:
    ages = Counter(age_on(p.birth_date, TODAY) for p in commune(5_000).persons())
    assert set(ages) == set(range(16))
    younger = sum(ages[a] for a in range(8))
    older = sum(ages[a] for a in range(8, 16))
    assert 1.0 < younger / older < 1.3
    assert min(ages.values()) > 5_000 / 16 * 0.6


def test_personal_ids_are_structured_per_r06() -> None:
    persons = list(commune(5_000).persons())
    with_id = [p for p in persons if p.id_number is not None]
    assert 0.78 < len(with_id) / len(persons) < 0.92
    numbers = [p.id_number for p in with_id if p.id_number is not None]
    assert len(set(numbers)) == len(numbers)
    assert all(len(n) == 12 and n.isdigit() for n in numbers)
    assert Counter(n[:3] for n in numbers).most_common(1)[0][0] == "038"  # Thanh Hóa
    pairs = [(p.id_number, p) for p in with_id if p.id_number is not None]
    sexed = [(number, p.sex) for number, p in pairs if p.sex in (1, 2)]
    # Digit 4 is 2 for boys and 3 for girls born 2000–2099.
    agree = sum(1 for number, sex in sexed if int(number[3]) == sex + 1)
    assert agree / len(sexed) >= 0.95
    warned = [p for number, p in pairs if id_number_warnings(number, p.birth_date, p.sex)]
    # About 2% are deliberately wrong (birth year digits), for the R07 checks to find.
    assert 0.005 < len(warned) / len(with_id) < 0.04


def test_infants_lack_an_id_more_often() -> None:
    persons = list(commune(5_000).persons())

    def coverage(low: int, high: int) -> float:
        group = [p for p in persons if low <= age_on(p.birth_date, TODAY) <= high]
        return sum(1 for p in group if p.id_number) / len(group)

    assert coverage(0, 0) < coverage(2, 15) - 0.2


def test_a_few_birth_dates_are_estimated() -> None:
    lowland = [p for p in commune(5_000).persons() if p.birth_date_estimated]
    mountain = [p for p in commune(5_000, "mountain").persons() if p.birth_date_estimated]
    assert 0 < len(lowland) < len(mountain) < 5_000 * 0.06
    assert all(p.notes for p in lowland)


def test_relations_come_from_the_code_list() -> None:
    relations = Counter(p.relation_code for p in commune(5_000).persons())
    assert set(relations) <= codes("household_relations.csv")
    assert relations["QH03"] / 5_000 > 0.8
    for code in ("QH04", "QH05", "QH07"):  # adopted, stepchild, grandchild
        assert relations[code] > 0


def test_some_households_span_three_generations() -> None:
    households = commune(5_000, "mountain").households
    grand = [h for h in households if all(p.relation_code == "QH07" for p in h.members)]
    assert 0.1 < len(grand) / len(households) < 0.3


# -- households ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "poor", "near"),
    [("lowland", (0.02, 0.07), (0.04, 0.09)), ("mountain", (0.18, 0.32), (0.10, 0.21))],
)
def test_poverty_rates_follow_the_profile(
    profile: str, poor: tuple[float, float], near: tuple[float, float]
) -> None:
    households = commune(5_000, profile).households
    share = shares([h.poverty_code for h in households])
    assert poor[0] < share["HN01"] < poor[1]
    assert near[0] < share["HN02"] < near[1]
    assert set(share) <= codes("poverty_status.csv")
    for household in households:
        if household.poverty_code == "HN03":
            assert household.poverty_year is None
        else:
            assert household.poverty_year is not None
            assert TODAY.year - 2 <= household.poverty_year <= TODAY.year


def test_phone_numbers_are_ten_digit_mobiles_for_most_households() -> None:
    households = commune(5_000).households
    phones = [h.phone for h in households if h.phone]
    assert 0.62 < len(phones) / len(households) < 0.78
    assert all(len(p) == 10 and p.isdigit() and p.startswith(PHONE_PREFIXES) for p in phones)


def test_newborns_may_be_written_trai_or_gai_until_named() -> None:
    persons = list(generate_commune(20_000, today=TODAY).persons())
    unnamed = [p for p in persons if p.full_name in ("Trai", "Gái")]
    assert unnamed
    for person in unnamed:
        assert TODAY - person.birth_date < timedelta(days=NEWBORN_DAYS)
        assert person.id_number is None
        assert (person.full_name == "Trai") == (person.sex == 1)


def test_no_name_repeats_the_family_name_as_its_middle_name() -> None:
    import random

    from desktop.core.synthetic.names import Generation, full_name

    rng = random.Random(19)
    for _ in range(20_000):
        name = full_name(rng, "01", 1 + rng.randrange(2), Generation.CHILD)
        parts = name.split()
        assert parts[0] != parts[1], name
