"""Vietnamese personal and hamlet names for synthetic communes, NFC, with realistic frequencies."""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

KINH, TAY, THAI, HOA, KHMER, MUONG, NUNG, HMONG, DAO = (
    "01", "02", "03", "04", "05", "06", "07", "08", "09",
)  # fmt: skip
"""Codes of ethnic_groups.csv that the generator names people for."""

MALE, FEMALE, UNKNOWN_SEX = 1, 2, 3


class Generation(enum.Enum):
    """Naming fashions differ by birth cohort: Văn/Thị dominate older generations."""

    CHILD = "child"
    ADULT = "adult"
    ELDER = "elder"


@dataclass(frozen=True)
class Pool:
    """Weighted values; one draw costs one random number."""

    values: tuple[str, ...]
    cum_weights: tuple[float, ...]

    def pick(self, rng: random.Random) -> str:
        """One value, drawn with its weight."""
        return rng.choices(self.values, cum_weights=self.cum_weights)[0]

    def weights(self) -> list[float]:
        """The weight of each value, in order."""
        return [b - a for a, b in zip((0.0, *self.cum_weights), self.cum_weights, strict=False)]


def pool(spec: str) -> Pool:
    """Parse ``"Nguyễn 38, Trần 11, An, - 2"``: values, optional weights; ``-`` is empty."""
    values: list[str] = []
    weights: list[float] = []
    for item in spec.split(","):
        text = " ".join(item.split())
        if not text:
            continue
        head, _, tail = text.rpartition(" ")
        if head and _is_number(tail):
            values.append("" if head == "-" else head)
            weights.append(float(tail))
        else:
            values.append("" if text == "-" else text)
            weights.append(1.0)
    return Pool(tuple(values), tuple(accumulate(weights)))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- Kinh ---------------------------------------------------------------------------------------

# Shares follow published surname surveys; Hoàng/Huỳnh and Vũ/Võ are the northern and southern
# spellings of the same names, so the southern profile swaps their weights.
_KINH_FAMILY_COMMON = """
    Nguyễn 38, Trần 11, Lê 9.5, Phạm 7, Phan 4.5, Đặng 2.1, Bùi 2, Đỗ 1.4, Hồ 1.3, Ngô 1.3,
    Dương 1, Đinh 0.8, Lý 0.5, Trịnh 0.6, Mai 0.5, Cao 0.5, Lương 0.5, Tạ 0.3, Đào 0.5, Đoàn 0.5,
    Hà 0.5, Trương 0.5, Vương 0.2, Lâm 0.3, Tô 0.2, Phùng 0.2, Kiều 0.1, Lại 0.2, Chu 0.2,
    Tống 0.1, La 0.1, Quách 0.1, Thái 0.2, Từ 0.1, Triệu 0.1, Nghiêm 0.1, Khổng 0.05, Âu 0.1,
    Lưu 0.2, Châu 0.2, Thân 0.1, Mạc 0.05, Doãn 0.1, Giáp 0.05, Khúc 0.05, Ninh 0.1, Lục 0.05,
    Cù 0.05, Bạch 0.05, Đàm 0.1, Tăng 0.1, Văn 0.05, Hứa 0.05, Kim 0.05
"""
_KINH_FAMILY_NORTH = pool(_KINH_FAMILY_COMMON + ", Hoàng 4, Huỳnh 1, Vũ 3.2, Võ 0.7")
_KINH_FAMILY_SOUTH = pool(_KINH_FAMILY_COMMON + ", Hoàng 1, Huỳnh 4, Vũ 0.7, Võ 3.2")

_KINH_MIDDLE = {
    (MALE, Generation.CHILD): pool(
        """Văn 14, Minh 12, Gia 9, Đức 8, Quang 6, Bảo 6, Hữu 5, Thành 5, Anh 5, Hoàng 5, Công 4,
        Đăng 4, Nhật 4, Quốc 4, Duy 4, Tuấn 3, Trọng 3, Hải 3, Khánh 3, Xuân 2, Ngọc 2, Tiến 2,
        Thanh 2, Trung 2, Phúc 2, Tấn 2, Thế 2, Chí 2, Thiên 2, Đình 2, Hoài 1, Mạnh 1"""
    ),
    (FEMALE, Generation.CHILD): pool(
        """Thị 18, Ngọc 10, Bảo 7, Minh 7, Khánh 6, Thu 5, Thanh 5, Phương 5, Gia 5, Mỹ 4, Hồng 3,
        Thảo 3, Hà 3, Quỳnh 3, Kim 3, Thùy 3, Tuệ 2, Diệu 2, Ánh 2, Hoài 2, Hải 2, An 2, Như 2,
        Bích 1, Yến 1, Lan 1, Cẩm 1, Tường 1"""
    ),
    (MALE, Generation.ADULT): pool(
        """Văn 45, Đức 8, Minh 6, Hữu 6, Quang 5, Công 5, Đình 5, Xuân 4, Thanh 4, Ngọc 3,
        Trọng 3, Thành 3, Mạnh 2, Tiến 2, Thế 2, Duy 2, Quốc 2, Anh 2, Bá 2, Tấn 2, Hoài 1,
        Khắc 1"""
    ),
    (FEMALE, Generation.ADULT): pool(
        """Thị 65, Thanh 5, Ngọc 5, Thu 4, Hồng 4, Kim 3, Mỹ 3, Minh 2, Thúy 2, Phương 2, Bích 2,
        Hải 2, Thùy 2, Xuân 2, Lan 1, Diệu 1"""
    ),
    (MALE, Generation.ELDER): pool("Văn 70, Đình 6, Đức 5, Hữu 5, Xuân 4, Ngọc 3, Bá 3, Công 2"),
    (FEMALE, Generation.ELDER): pool("Thị 90, Ngọc 3, Thanh 3, Kim 2, Hồng 2"),
}

# A second, decorative middle name ("Nguyễn Ngọc Bảo Anh") is a fashion of recent cohorts.
_KINH_SECOND_MIDDLE = pool("Bảo 3, Gia 3, Minh 3, Ngọc 2, Hoàng 2, Phương 2, Khánh 2, Thiên, An")

_KINH_GIVEN = {
    (MALE, Generation.CHILD): pool(
        """Minh 5, Khang 5, Phúc 4, An 4, Bảo 4, Huy 4, Khôi 4, Nam 4, Quân 4, Đăng 3, Duy 3,
        Long 3, Khoa 3, Lâm 3, Hưng 3, Kiên 3, Tuấn 3, Việt 3, Vinh 2, Bình 2, Cường 2, Dũng 2,
        Đạt 3, Đức 3, Hải 2, Sơn 2, Tài 2, Thắng 2, Trung 2, Anh 3, Dương 2, Hiếu 2, Hoàng 2,
        Hùng 1, Khánh 2, Kiệt 2, Lộc 2, Luân 1, Mạnh 1, Nghĩa 1, Nguyên 2, Nhân 2, Phát 2,
        Phong 2, Quang 2, Sang 1, Tâm 1, Thái 1, Thành 2, Thiện 1, Thịnh 2, Tiến 1, Toàn 1,
        Trí 2, Trọng 1, Tú 1, Tùng 1, Vũ 1, Vương 1, Hậu 1, Hào 1, Hiển 1, Định 1, Chiến 1,
        Công 1, Danh 1, Hòa 1, Khải 1, Lực 1, Nhật 1, Phước 1, Quý 1, Thông 1, Tín 1, Tường 1"""
    ),
    (FEMALE, Generation.CHILD): pool(
        """Anh 5, Linh 5, Vy 4, Nhi 4, My 4, Ngọc 4, An 4, Hân 4, Chi 3, Thư 3, Trang 3, Uyên 3,
        Hà 2, Hằng 2, Hiền 2, Hoa 2, Hương 2, Lan 2, Mai 2, Ngân 3, Nhung 1, Phương 2, Quỳnh 2,
        Thảo 3, Yến 2, Diệp 2, Dung 1, Giang 2, Ánh 2, Bích 1, Châu 2, Cúc 1, Diệu 1, Dương 1,
        Duyên 1, Đào 1, Hạnh 1, Hậu 1, Hồng 1, Huyền 2, Khánh 1, Khuê 1, Lam 1, Liên 1, Loan 1,
        Ly 2, Minh 1, Nga 1, Nguyệt 1, Như 2, Oanh 1, Phượng 1, Quyên 1, Tâm 1, Thanh 1, Thơ 1,
        Thủy 1, Thùy 1, Tiên 2, Trâm 2, Trinh 1, Tuyết 1, Vân 1, Xuân 1"""
    ),
    (MALE, Generation.ADULT): pool(
        """Hùng 3, Dũng 3, Tuấn 3, Thắng 2, Hải 3, Sơn 2, Bình 2, Cường 2, Hòa 2, Thanh 2, Trung 2,
        Long 2, Nam 2, Hưng 2, Minh 2, Tùng 2, Quang 2, Phong 1, Lâm 1, Tú 1, Thành 2, Huy 2,
        Việt 1, Đức 2, Tiến 1, Toàn 1, Hiếu 1, Khánh 1, Nghĩa 1, Lợi 1, Tài 1, Vinh 1, Hậu 1,
        Chiến 1, Quý 1, Thịnh 1, Phúc 1, Lộc 1, Hoàng 1, Kiên 1, Thái 1, Trường 1, Đạt 1,
        Hiệp 1, Mạnh 1"""
    ),
    (FEMALE, Generation.ADULT): pool(
        """Lan 2, Hương 3, Hoa 2, Hằng 2, Hạnh 2, Hà 2, Hiền 2, Huyền 2, Hồng 2, Lụa 1, Mai 2,
        Nga 2, Nhung 2, Oanh 1, Phương 2, Thảo 2, Thủy 2, Trang 2, Tuyết 1, Vân 1, Yến 2,
        Loan 1, Liên 1, Ngọc 1, Dung 2, Dương 1, Giang 1, Hải 1, Thu 1, Thanh 1, Tâm 1, Lý 1,
        Thúy 1, Xuân 1, Bích 1, Hậu 1, Quyên 1, Nguyệt 1, Duyên 1, Linh 2"""
    ),
    (MALE, Generation.ELDER): pool(
        """Thịnh, Lộc, Phúc, Quý, Tư, Bảy, Tám, Sáu, Hợi, Tý, Sửu, Thìn, Hòe, Khang, Tấn, Bình,
        Hùng, Đức, Hòa, Lương, Nghĩa, Thuận, Cần, Chính, Dần, Mão, Ngọ, Thân"""
    ),
    (FEMALE, Generation.ELDER): pool(
        """Mùi, Nụ, Tý, Hợi, Đào, Lụa, Cúc, Mận, Nhàn, Thơm, Tâm, Sen, Lan, Huệ, Hoa, Nguyệt,
        Hạnh, Liên, Xuyến, Nết, Na, Tươi, Lài, Hường, Thắm"""
    ),
}

# Given names that suit a newborn whose sex is not yet determined.
_NEUTRAL_GIVEN = pool("An 3, Minh 3, Khánh 2, Bảo 2, Anh 2, Ngọc, Giang, Lâm, Phương, Thanh, Tâm")
_NEUTRAL_MIDDLE = pool("Gia 3, Minh 3, Bảo 2, Khánh 2, Ngọc, Thiên, An")


# -- ethnic minorities --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    """How one ethnic group names its people."""

    family: Pool
    middle_male: Pool
    middle_female: Pool
    given_male: Pool
    given_female: Pool
    # Share of children given a name from the common Kinh pool: most minority children born
    # since 2010 carry Vietnamese given names, the traditional ones less often.
    kinh_given_share: float


_VAN_THI_MALE = pool("Văn 85, Đức 4, Minh 4, Quang 3, Xuân 2, Thanh 2")
_VAN_THI_FEMALE = pool("Thị 90, Ngọc 3, Thu 3, Thanh 2, Hồng 2")

_STYLES: dict[str, _Style] = {
    TAY: _Style(
        family=pool("Hoàng 5, Nông 4, Bế 3, Ma 2, Lương 2, Hà 2, Triệu 2, Đàm 1, Lộc 1, Hứa 1"),
        middle_male=_VAN_THI_MALE,
        middle_female=_VAN_THI_FEMALE,
        given_male=pool("Thào, Lả, Khuyên, Quyền, Sình, Tuyên, Thái, Phong, Kiên, Chung"),
        given_female=pool("Nhị, Nhất, Lả, Dịu, Thoa, Nhàn, Hoa, Mừng, Khuyên, Tươi"),
        kinh_given_share=0.8,
    ),
    THAI: _Style(
        family=pool("Lò 5, Cầm 3, Quàng 3, Lường 3, Hà 2, Vi 2, Tòng 2, Điêu 1, Lừ 1, Mè 1"),
        middle_male=_VAN_THI_MALE,
        middle_female=_VAN_THI_FEMALE,
        given_male=pool("Chăm, Ính, Pọm, Khăm, Bun, Xiêng, Thoong, Ọn, Panh, Ương, Thiêm"),
        given_female=pool("Ơn, Ín, Pâng, Pản, Ỏn, Xuân, Thoa, Hoa, Ngọc, Kim, Ánh, Xiêm"),
        kinh_given_share=0.7,
    ),
    MUONG: _Style(
        family=pool("Đinh 4, Bùi 5, Quách 2, Hà 2, Xa 1, Cao 1"),
        middle_male=_VAN_THI_MALE,
        middle_female=_VAN_THI_FEMALE,
        given_male=pool("Khoa, Khuông, Tươi, Thiêm, Mến, Ngần, Pheo, Thìn"),
        given_female=pool("Ngần, Mến, Lụa, Thìn, Thoa, Sợi, Hoa, Nhung"),
        kinh_given_share=0.85,
    ),
    NUNG: _Style(
        family=pool("Hoàng 4, Nông 3, Lục 2, Lăng 2, Chu 1, Vi 2, Mã 1, Sầm 1, Lý 1"),
        middle_male=_VAN_THI_MALE,
        middle_female=_VAN_THI_FEMALE,
        given_male=pool("Slao, Pảo, Sình, Páo, Tinh, Thài, Chắn, Cáo"),
        given_female=pool("Slao, Nhì, Dìn, Mẩy, Phấy, Lả, Hoa, Nhung"),
        kinh_given_share=0.75,
    ),
    HMONG: _Style(
        family=pool("Giàng 5, Vàng 5, Sùng 4, Lù 3, Thào 4, Hạng 3, Mùa 3, Lầu 3, Ly 3, Cứ 1"),
        middle_male=pool("A 85, Seo 10, Văn 5"),
        middle_female=pool("Thị 75, Mỷ 20, Mí 5"),
        given_male=pool(
            """Páo, Chứ, Dế, Tủa, Sính, Lử, Pó, Chư, Súa, Nủ, Sếnh, Dình, Lềnh, Tráng, Thề, Phừ,
            Chớ, Khua, Vảng, Cở, Sình, Mang, Chinh, Chá, Của, Sềnh, Lồng, Pàng, Dơ"""
        ),
        given_female=pool(
            """Mai, Dợ, Sua, Pà, Chú, Dở, Sy, Lan, Máy, Dua, Ly, Chi, Sinh, Súa, Say, Xi, Dế,
            Cở, Nhìa, Pằng, Vư, Dính, Mỷ, Dinh"""
        ),
        kinh_given_share=0.2,
    ),
    DAO: _Style(
        family=pool("Triệu 5, Bàn 5, Đặng 4, Lý 3, Phùng 2, Chảo 3, Tẩn 3, Lò 1, Chìu 1"),
        middle_male=pool("Văn 60, Láo 12, Tiến 10, Tả 8, Kiềm 5, Quý 5"),
        middle_female=pool("Thị 75, Mẩy 15, Táo 5, Sử 5"),
        given_male=pool("Phin, Sài, Quẩy, Kiều, Vượng, Lở, Tả, Chàn, Phấy, Kim, Phú, Nhất, Sơn"),
        given_female=pool("Mẩy, Nái, Chòi, Dìn, Xuân, Thoa, Mai, Phương, Sìu, Liều, Hoa, Kiều"),
        kinh_given_share=0.5,
    ),
    KHMER: _Style(
        family=pool("Thạch 5, Danh 5, Sơn 4, Kim 3, Lâm 2, Lý 2, Châu 2, Trà 1, Dương 1"),
        # Khmer men usually carry no middle name ("Danh Sóc"); the empty value leaves it out.
        middle_male=pool("- 70, Văn 30"),
        middle_female=pool("Thị 85, - 15"),
        given_male=pool(
            """Sóc, Sa Rây, Chanh, Phol, Thươl, Khol, Rết, Sen, Bô, Sa Vết, Sô Phanh, Đa Ra,
            Sà Rinh, Sơ Vanh, Pha Ly, Rinh"""
        ),
        given_female=pool(
            """Sa Ri, Sô Phia, Chanh Thi, Ni, Sóc Kha, Đa Ni, Rát Tha, Sươl, Phal, Mỹ, Sa Rết,
            Sô Pha, Ry Na, Mau"""
        ),
        kinh_given_share=0.4,
    ),
    HOA: _Style(
        family=pool("Lý 3, Lâm 3, Quách 2, Trương 3, Diệp 2, Hứa 2, Mã 2, Châu 2, Tăng 2, Lưu 2"),
        middle_male=pool("Chí 3, Gia 3, Vĩnh 2, Quốc 2, Minh 2, Kiến 1, Văn 2"),
        middle_female=pool("Mỹ 3, Ngọc 3, Tú 2, Lệ 2, Bội 1, Tuyết 1, Thị 2"),
        given_male=pool("Khang, Kiệt, Hào, Vỹ, Lợi, Cường, Hoa, Phát, Thành, Vinh, Đạt, Kiện"),
        given_female=pool("Linh, Quyên, Nghi, Hân, Đình, Mẫn, Phụng, Trân, Uyển, Tuệ, Hà"),
        kinh_given_share=0.6,
    ),
}


def family_name(rng: random.Random, ethnicity: str, south: bool = False) -> str:
    """A family name drawn with the frequencies of ``ethnicity`` (Kinh for unknown groups)."""
    style = _STYLES.get(ethnicity)
    if style is not None:
        return style.family.pick(rng)
    return (_KINH_FAMILY_SOUTH if south else _KINH_FAMILY_NORTH).pick(rng)


def full_name(
    rng: random.Random,
    ethnicity: str,
    sex: int,
    generation: Generation,
    *,
    family: str | None = None,
    south: bool = False,
) -> str:
    """A full name "Họ Đệm Tên" of ``ethnicity`` and ``sex`` (3: a gender-neutral name)."""
    family = family or family_name(rng, ethnicity, south)
    if sex == UNKNOWN_SEX:
        return _join(family, _NEUTRAL_MIDDLE.pick(rng), _NEUTRAL_GIVEN.pick(rng))
    key = (MALE if sex == MALE else FEMALE, generation)
    style = _STYLES.get(ethnicity)
    if style is None:
        middle = _KINH_MIDDLE[key].pick(rng)
        for _retry in range(5):  # "Hoàng Hoàng Quang": a middle name never repeats the family's
            if middle != family:
                break
            middle = _KINH_MIDDLE[key].pick(rng)
        if generation is Generation.CHILD:
            draw = rng.random()
            if draw < 0.04:
                # The mother's family name between the father's and the middle name — never
                # the father's own again ("Hoàng Hoàng Minh An" is not a name anyone gives).
                mother = family_name(rng, KINH, south)
                for _retry in range(5):
                    if mother != family:
                        break
                    mother = family_name(rng, KINH, south)
                if mother != family:
                    middle = f"{mother} {middle}"
            elif draw < 0.11:
                second = _KINH_SECOND_MIDDLE.pick(rng)
                if second != middle:
                    middle = f"{middle} {second}"
        return _join(family, middle, _KINH_GIVEN[key].pick(rng))
    middle = (style.middle_male if sex == MALE else style.middle_female).pick(rng)
    kinh_share = style.kinh_given_share if generation is Generation.CHILD else 0.4
    if rng.random() < kinh_share:
        given = _KINH_GIVEN[key].pick(rng)
    else:
        given = (style.given_male if sex == MALE else style.given_female).pick(rng)
    return _join(family, middle, given)


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part.strip())


# -- hamlets ------------------------------------------------------------------------------------

_LOWLAND_HAMLETS = """
    Thôn Đông, Thôn Tây, Thôn Nam, Thôn Bắc, Thôn Trung, Thôn Thượng, Thôn Hạ, Xóm Chùa,
    Xóm Đình, Xóm Giữa, Thôn Yên Phú, Thôn Phú Xuân, Thôn Đại Đồng, Thôn Tân Lập, Thôn Hòa Bình,
    Thôn Xuân Hòa, Thôn Đồng Tâm, Thôn Quyết Thắng, Thôn Thành Công, Thôn Phúc Lộc,
    Thôn Kim Sơn, Thôn Vĩnh An, Thôn Liên Hiệp, Thôn Đoài, Thôn Cầu, Xóm Bến, Tổ dân phố 5
"""
_TAI_HAMLETS = """
    Bản Nà Phặc, Bản Nà Hin, Bản Pác Ngòi, Thôn Khuổi Khon, Bản Hua Pàn, Bản Nậm Cang,
    Thôn Phiêng Lằn, Bản Co Mạ, Bản Bó Mười, Thôn Nà Lừa, Bản Nà Sang, Bản Huổi Một,
    Bản Pá Khoang, Thôn Khuổi Hoa, Bản Nà Noong, Thôn Pò Hèn, Bản Mường Lầm, Thôn Nà Pồng
"""
_HMONG_HAMLETS = """
    Bản Sín Chải, Thôn Tả Phìn, Bản Lùng Thàng, Thôn Séo Mý Tỷ, Bản Pả Vi, Thôn Lũng Pù,
    Bản Sà Phìn, Thôn Ma Lé, Bản Hầu Thào, Bản Mù Cang, Thôn Sủng Là, Bản Háng Đề Dê
"""
_DAO_HAMLETS = """
    Thôn Nậm Đăm, Bản Khe Vàng, Thôn Làng Cúng, Bản Tả Van Dao, Thôn Nậm Khánh, Bản Khe Mạ,
    Thôn Nặm Cằm, Bản Tát Ngà
"""
_UPLAND_KINH_HAMLETS = """
    Thôn Trung Tâm, Thôn Đồng Tâm, Thôn Tân Lập, Thôn Km 5, Thôn Chợ, Tổ dân phố 1,
    Thôn Tân Thành, Thôn Minh Khai
"""
_MEKONG_HAMLETS = """
    Ấp Tân Hòa, Ấp Phú Lợi, Ấp Bình An, Ấp Hòa Thạnh, Ấp Mỹ Phước, Ấp Tân Thành, Ấp Long Hưng,
    Ấp Phước Thới, Ấp Thạnh Lợi, Ấp An Nhơn, Ấp Vĩnh Hòa, Ấp Mỹ Lợi, Ấp Tân Phú, Ấp Hưng Thạnh
"""
_KHMER_HAMLETS = """
    Ấp Sóc Xoài, Ấp Sóc Ruộng, Ấp Trà Canh, Ấp Prey Chóp, Ấp Kà Đay, Ấp Bưng Tróp,
    Ấp Tà Liêm, Ấp Som Rông, Ấp Đay Sô, Ấp Cà Săng
"""


def _names(spec: str) -> list[str]:
    return [" ".join(item.split()) for item in spec.split(",") if item.strip()]


def hamlet_names(rng: random.Random, profile: str, dominant: Sequence[str]) -> list[str]:
    """Distinct names for hamlets whose main ethnic groups are ``dominant``, in ``profile``."""
    # A H'Mông hamlet gets a H'Mông place name; numbered hamlets ("Thôn 3", "Ấp 2") fill any
    # shortfall of the named lists.
    count = len(dominant)
    if profile == "urban":
        prefix = rng.choice(("Tổ dân phố", "Khu phố"))
        return [f"{prefix} {n}" for n in range(1, count + 1)]
    if profile == "lowland" and rng.random() < 0.4:
        # Since the 2019–2025 mergers many lowland communes simply number their thôn.
        return [f"Thôn {n}" for n in range(1, count + 1)]
    pools: dict[str, list[str]] = {}
    default: list[str]
    if profile == "mountain":
        tai = _names(_TAI_HAMLETS)
        rng.shuffle(tai)
        for code in (TAY, THAI, MUONG, NUNG):
            pools[code] = tai  # shared list: a name taken by one group is gone for all
        pools[HMONG] = rng.sample(_names(_HMONG_HAMLETS), len(_names(_HMONG_HAMLETS)))
        pools[DAO] = rng.sample(_names(_DAO_HAMLETS), len(_names(_DAO_HAMLETS)))
        default = rng.sample(_names(_UPLAND_KINH_HAMLETS), len(_names(_UPLAND_KINH_HAMLETS)))
        numbered = "Thôn"
    elif profile == "mekong":
        pools[KHMER] = rng.sample(_names(_KHMER_HAMLETS), len(_names(_KHMER_HAMLETS)))
        default = rng.sample(_names(_MEKONG_HAMLETS), len(_names(_MEKONG_HAMLETS)))
        numbered = "Ấp"
    else:
        default = rng.sample(_names(_LOWLAND_HAMLETS), len(_names(_LOWLAND_HAMLETS)))
        numbered = "Thôn"
    result: list[str] = []
    used: set[str] = set()
    next_number = 1
    for code in dominant:
        name = ""
        for candidates in (pools.get(code), default):
            while candidates and not name:
                candidate = candidates.pop()
                if candidate not in used:
                    name = candidate
        while not name:
            candidate = f"{numbered} {next_number}"
            next_number += 1
            if candidate not in used:
                name = candidate
        used.add(name)
        result.append(name)
    return result


# -- addresses and phones -----------------------------------------------------------------------

STREETS = _names(
    """Lê Lợi, Trần Phú, Nguyễn Trãi, Quang Trung, Lý Thường Kiệt, Hai Bà Trưng, Hoàng Diệu,
    Phan Chu Trinh, Bà Triệu, Lê Duẩn, Nguyễn Du, Trần Hưng Đạo, Lê Hồng Phong, Điện Biên Phủ,
    Ngô Quyền, Phan Đình Phùng, Nguyễn Huệ, Hùng Vương, Lạc Long Quân, Võ Thị Sáu"""
)

# Mobile prefixes in use since the 2018 renumbering (Viettel 03x/086/09x, VinaPhone 08x/09x,
# MobiFone 07x/089/09x, Vietnamobile 05x, Gmobile 059/099), weighted by market share.
MOBILE_PREFIXES = pool(
    """032 4, 033 4, 034 4, 035 4, 036 4, 037 4, 038 4, 039 4, 086 3, 096 4, 097 4, 098 4,
    081 2, 082 2, 083 2, 084 2, 085 2, 088 2, 091 3, 094 3, 070 2, 076 1, 077 2, 078 1, 079 1,
    089 1, 090 2, 093 2, 052 0.5, 056 0.5, 058 0.5, 092 0.5, 059 0.3, 099 0.3"""
)


def phone_number(rng: random.Random) -> str:
    """A 10-digit mobile number with a real network prefix."""
    return f"{MOBILE_PREFIXES.pick(rng)}{rng.randrange(10**7):07d}"
