"""Vietnamese name data for synthetic communes."""

from __future__ import annotations

import random
import unicodedata

import pytest

from desktop.core.synthetic import names
from desktop.core.synthetic.names import FEMALE, MALE, Generation, Pool, pool


def all_pools() -> list[Pool]:
    found = [value for value in vars(names).values() if isinstance(value, Pool)]
    for mapping in (names._KINH_MIDDLE, names._KINH_GIVEN):
        found.extend(mapping.values())
    for style in names._STYLES.values():
        found += [style.family, style.middle_male, style.middle_female]
        found += [style.given_male, style.given_female]
    return found


def test_every_name_in_the_data_is_nfc() -> None:
    for found in all_pools():
        for value in found.values:
            assert unicodedata.is_normalized("NFC", value), value
            assert value == value.strip()
    for street in names.STREETS:
        assert unicodedata.is_normalized("NFC", street)


def test_there_are_enough_given_names() -> None:
    assert len(names._KINH_GIVEN[(MALE, Generation.CHILD)].values) >= 60
    assert len(names._KINH_GIVEN[(FEMALE, Generation.CHILD)].values) >= 60


def test_pool_reads_weights_and_empty_values() -> None:
    parsed = pool("Nguyễn 38, Trần 11, Sa Ri, - 2")
    assert parsed.values == ("Nguyễn", "Trần", "Sa Ri", "")
    assert parsed.weights() == [38.0, 11.0, 1.0, 2.0]


def test_pool_draws_follow_the_weights() -> None:
    rng = random.Random(1)
    draws = [pool("a 9, b 1").pick(rng) for _ in range(10_000)]
    assert 0.87 < draws.count("a") / len(draws) < 0.93


@pytest.mark.parametrize(
    ("ethnicity", "sex", "middles"),
    [
        ("08", MALE, {"A", "Seo", "Văn"}),
        ("08", FEMALE, {"Thị", "Mỷ", "Mí"}),
        ("03", MALE, {"Văn", "Đức", "Minh", "Quang", "Xuân", "Thanh"}),
    ],
)
def test_minority_names_use_their_middle_names(ethnicity: str, sex: int, middles: set[str]) -> None:
    rng = random.Random(5)
    for _ in range(200):
        name = names.full_name(rng, ethnicity, sex, Generation.ADULT)
        assert name.split()[1] in middles, name


def test_khmer_men_often_have_no_middle_name() -> None:
    rng = random.Random(3)
    drawn = [names.full_name(rng, "05", MALE, Generation.ADULT) for _ in range(300)]
    assert any(" Văn " in name for name in drawn)
    assert any(" Văn " not in name for name in drawn)
    assert all("  " not in name for name in drawn)


def test_a_given_family_name_is_kept() -> None:
    rng = random.Random(9)
    assert names.full_name(rng, "01", MALE, Generation.CHILD, family="Tạ").startswith("Tạ ")


@pytest.mark.parametrize("profile", ["lowland", "mountain", "mekong", "urban"])
def test_hamlet_names_are_distinct_even_past_the_named_list(profile: str) -> None:
    rng = random.Random(11)
    dominant = ["08"] * 20 + ["02"] * 20 if profile == "mountain" else ["01"] * 40
    found = names.hamlet_names(rng, profile, dominant)
    assert len(found) == 40 == len(set(found))
    prefixes = ("Thôn ", "Xóm ", "Bản ", "Ấp ", "Tổ dân phố ", "Khu phố ")
    assert all(name.startswith(prefixes) for name in found)


def test_mountain_hamlets_take_names_of_their_people() -> None:
    found = names.hamlet_names(random.Random(2), "mountain", ["08", "02"])
    assert found[0] in names._names(names._HMONG_HAMLETS)
    assert found[1] in names._names(names._TAI_HAMLETS)


def test_phone_numbers_use_real_prefixes() -> None:
    rng = random.Random(4)
    for _ in range(500):
        number = names.phone_number(rng)
        assert len(number) == 10 and number.isdigit()
        assert number[:2] in {"03", "05", "07", "08", "09"}
