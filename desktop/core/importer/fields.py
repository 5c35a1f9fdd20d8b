"""The columns the importer knows: the documented template's, and a few extra for mapping.

The template's headers are fixed by the issue and documented in ``docs/import-template.md``;
this module is the one place that lists them, their allowed values and examples, so the
template file, the documentation, the column-mapping step and the parser all agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop.core.domain.text import clean_text, fold


@dataclass(frozen=True)
class FieldSpec:
    """One importable column."""

    key: str
    header: str  # the template's header, exactly
    required: bool
    allowed: str  # what may be written, in Vietnamese (documentation and error hints)
    example: str
    household: bool = False  # a household column, repeated on every row of the household
    in_template: bool = True
    # Other header texts recognised without a mapping (compared after ``header_key``).
    aliases: tuple[str, ...] = ()


TEMPLATE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "hamlet",
        "Thôn/Tổ dân phố",
        True,
        "Tên thôn, ấp, bản, tổ dân phố. Thôn chưa có trong sổ sẽ được tạo mới.",
        "Thôn Đông",
        household=True,
        aliases=("Thôn", "Thôn/xóm", "Thôn/ấp", "Thôn/bản", "Tổ dân phố", "Ấp", "Bản"),
    ),
    FieldSpec(
        "household_number",
        "Số hộ",
        True,
        "Số thứ tự của hộ trong thôn, như trong sổ giấy (ví dụ 12 hoặc 12A).",
        "12",
        household=True,
        aliases=("Hộ số", "STT hộ", "Số TT hộ"),
    ),
    FieldSpec(
        "head_name",
        "Họ tên chủ hộ",
        True,
        "Họ và tên đầy đủ của chủ hộ.",
        "Nguyễn Văn Hùng",
        household=True,
        aliases=(
            "Chủ hộ",
            "Họ và tên chủ hộ",
            "Tên chủ hộ",
            "Người đứng tên hộ",
            "Họ tên người đứng tên hộ",
        ),
    ),
    FieldSpec(
        "address",
        "Địa chỉ",
        False,
        "Số nhà, đường, xóm (không cần ghi huyện).",
        "Số 5, Thôn Đông",
        household=True,
        aliases=("Địa chỉ hộ", "Nơi ở"),
    ),
    FieldSpec(
        "poverty",
        "Hoàn cảnh hộ",
        False,
        "Nghèo / Cận nghèo / Không. Để trống: hộ mới ghi là Không.",
        "Cận nghèo",
        household=True,
        aliases=("Hộ nghèo/cận nghèo", "Phân loại hộ", "Hộ nghèo"),
    ),
    FieldSpec(
        "full_name",
        "Họ tên trẻ",
        True,
        "Họ và tên đầy đủ. Trẻ sơ sinh chưa đặt tên ghi “Trai” hoặc “Gái”.",
        "Nguyễn Thị Mai",
        aliases=("Họ và tên trẻ", "Họ tên trẻ em", "Họ và tên trẻ em", "Tên trẻ"),
    ),
    FieldSpec(
        "birth_date",
        "Ngày sinh",
        True,
        "dd/mm/yyyy (năm đủ 4 chữ số), hoặc ô ngày của Excel. Chỉ biết năm: ghi năm, "
        "ngày sinh được ghi là ước tính.",
        "05/09/2019",
        aliases=("Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Sinh ngày"),
    ),
    FieldSpec(
        "sex",
        "Giới tính",
        True,
        "Nam / Nữ (trẻ chưa xác định giới tính: Chưa xác định).",
        "Nữ",
        aliases=("Nam/Nữ", "Giới", "Phái", "Giới tính (Nam/Nữ)"),
    ),
    FieldSpec(
        "ethnicity",
        "Dân tộc",
        False,
        "Tên dân tộc (Kinh, Tày, Thái, Mường, Khơ-me, H'Mông …); các cách viết thông dụng "
        "đều được nhận. Để trống: trẻ mới ghi là Kinh.",
        "Kinh",
    ),
    FieldSpec(
        "id_number",
        "Số định danh",
        False,
        "Đủ 12 chữ số (định dạng ô là Văn bản để giữ số 0 ở đầu), hoặc để trống.",
        "038219012345",
        aliases=(
            "Số định danh cá nhân",
            "Mã định danh",
            "Mã định danh cá nhân",
            "Số CCCD",
            "Số căn cước",
        ),
    ),
    FieldSpec(
        "birth_registered",
        "Khai sinh",
        False,
        "Có / Chưa (đã đăng ký khai sinh hay chưa).",
        "Có",
        aliases=("Đăng ký khai sinh", "Đã đăng ký khai sinh"),
    ),
    FieldSpec(
        "insurance",
        "Thẻ BHYT",
        False,
        "Có / Không (có thẻ bảo hiểm y tế hay không).",
        "Có",
        aliases=("BHYT", "Bảo hiểm y tế", "Có thẻ BHYT"),
    ),
    FieldSpec(
        "schooling",
        "Học tập",
        False,
        "Chưa đi học / Nhà trẻ / Mẫu giáo / Tiểu học / THCS / THPT / Bỏ học.",
        "Tiểu học",
        aliases=("Tình trạng học tập", "Đi học", "Cấp học"),
    ),
    FieldSpec(
        "special",
        "Hoàn cảnh đặc biệt",
        False,
        "Số nhóm hoàn cảnh đặc biệt 1–14 (Luật Trẻ em, Điều 10), nhiều nhóm cách nhau "
        "bằng dấu chấm phẩy, ví dụ 1; 4. Để trống nếu không có.",
        "4",
        aliases=("HCĐB", "Nhóm HCĐB", "Trẻ em có hoàn cảnh đặc biệt"),
    ),
    FieldSpec(
        "father",
        "Họ tên cha",
        False,
        "Họ và tên cha (nếu biết).",
        "Nguyễn Văn Hùng",
        aliases=("Họ và tên cha", "Tên cha", "Cha"),
    ),
    FieldSpec(
        "mother",
        "Họ tên mẹ",
        False,
        "Họ và tên mẹ (nếu biết).",
        "Lê Thị Lan",
        aliases=("Họ và tên mẹ", "Tên mẹ", "Mẹ"),
    ),
    FieldSpec(
        "carer",
        "Người chăm sóc",
        False,
        "Họ và tên người đang trực tiếp chăm sóc trẻ, nếu không phải cha mẹ.",
        "",
        aliases=("Người chăm sóc trẻ", "Người giám hộ", "Người nuôi dưỡng"),
    ),
    FieldSpec(
        "notes",
        "Ghi chú",
        False,
        "Ghi chú tự do.",
        "",
        aliases=("Ghi chú khác",),
    ),
)
"""The documented template, in its column order (the issue fixes these headers exactly)."""

EXTRA_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "relation",
        "Quan hệ với chủ hộ",
        False,
        "Chủ hộ, Vợ/chồng, Con đẻ, Con nuôi, Cháu … (danh mục quan hệ với chủ hộ).",
        "Con đẻ",
        in_template=False,
        aliases=("Quan hệ với chủ hộ", "Quan hệ", "QH với chủ hộ"),
    ),
    FieldSpec(
        "phone",
        "Điện thoại",
        False,
        "Số điện thoại của hộ.",
        "0912345678",
        household=True,
        in_template=False,
        aliases=("Số điện thoại", "SĐT", "Điện thoại hộ"),
    ),
)
"""Columns some communes' own lists have; only reached through the mapping step."""

ALL_FIELDS: tuple[FieldSpec, ...] = TEMPLATE_FIELDS + EXTRA_FIELDS
FIELDS_BY_KEY: dict[str, FieldSpec] = {f.key: f for f in ALL_FIELDS}
TEMPLATE_HEADERS: tuple[str, ...] = tuple(f.header for f in TEMPLATE_FIELDS)
REQUIRED_KEYS: tuple[str, ...] = tuple(f.key for f in ALL_FIELDS if f.required)

_AROUND_SLASH = re.compile(r"\s*/\s*")
_DECORATION = re.compile(r"[\s*:.()\[\]]+$")


def header_key(text: object) -> str:
    """A header as compared: NFC, folded, white space and spaces around “/” normalised."""
    if text is None:
        return ""
    folded = fold(clean_text(str(text)))
    folded = _AROUND_SLASH.sub("/", folded)
    # "Ngày sinh (*)" or "Số hộ:" are the same header.
    return _DECORATION.sub("", folded).strip()


_TEMPLATE_KEYS = {header_key(f.header): f.key for f in TEMPLATE_FIELDS}
_ALIAS_KEYS: dict[str, str] = {}
for _spec in ALL_FIELDS:
    for _alias in (_spec.header, *_spec.aliases):
        _ALIAS_KEYS.setdefault(header_key(_alias), _spec.key)


def template_field_for(header: object) -> str | None:
    """The field whose template header is ``header`` (after normalisation), if any."""
    return _TEMPLATE_KEYS.get(header_key(header))


def field_for_header(header: object) -> str | None:
    """The field a header probably means (template header or a known alias), if any."""
    return _ALIAS_KEYS.get(header_key(header))
