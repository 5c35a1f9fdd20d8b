"""The enrolment file for communes with no connection: sealed, authenticated, code-locked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sync import enrollment_file as ef

NOW = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
DEVICE = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"


def _sealed(code: str, *, url: str | None = "https://dongbo.tinh.gov.vn") -> bytes:
    secret = ef.EnrollmentSecret(device_id=DEVICE, token="t" * 43, server_url=url)
    return ef.seal(
        commune_code="12345", device_name="Máy UBND xã", secret=secret, code=code, created_at=NOW
    )


def test_codes_are_20_readable_characters_in_groups() -> None:
    code = ef.new_code()
    assert len(code) == 24 and code.count("-") == 4
    assert set(ef.normalize_code(code)) <= set(ef.CODE_ALPHABET)
    assert ef.new_code() != code


def test_the_right_code_opens_the_file_however_it_is_typed() -> None:
    code = ef.new_code()
    data = _sealed(code)
    typed = " " + ef.normalize_code(code).lower() + " "
    header, secret = ef.open_file(data, typed)
    assert (header.commune_code, header.device_name, header.created_at) == (
        "12345",
        "Máy UBND xã",
        NOW,
    )
    assert (secret.device_id, secret.token, secret.server_url) == (
        DEVICE, "t" * 43, "https://dongbo.tinh.gov.vn",
    )  # fmt: skip
    # The token is not readable without the code.
    assert b"tttttttt" not in data and DEVICE.encode() not in data


def test_a_wrong_code_opens_nothing() -> None:
    data = _sealed(ef.new_code())
    with pytest.raises(ef.EnrollmentFileError) as caught:
        ef.open_file(data, ef.new_code())
    assert caught.value.code == "enrollment_code_wrong"
    assert "Mã mở tệp không đúng" in caught.value.message_vi


def test_a_code_of_the_wrong_length_is_explained() -> None:
    with pytest.raises(ef.EnrollmentFileError, match="20 ký tự") as caught:
        ef.open_file(_sealed(ef.new_code()), "ABCD-EFGH")
    assert caught.value.code == "enrollment_code_format"


def test_an_edited_header_is_refused_even_with_the_right_code() -> None:
    code = ef.new_code()
    data = _sealed(code)
    forged = data.replace(b'"commune_code":"12345"', b'"commune_code":"54321"', 1)
    assert forged != data
    with pytest.raises(ef.EnrollmentFileError) as caught:
        ef.open_file(forged, code)
    assert caught.value.code == "enrollment_code_wrong"


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d[:-5],  # cut short
        lambda d: d[: len(ef.MAGIC) + 10],  # header cut
        lambda d: b"PK\x03\x04" + d[4:],  # another kind of file
        lambda d: b"",
        lambda d: ef.MAGIC + b"{not json}\n" + d[-40:],
        lambda d: d + b"x" * ef.MAX_FILE_BYTES,  # far too big
    ],
)
def test_damaged_files_are_refused_in_vietnamese(damage: object) -> None:
    code = ef.new_code()
    data = damage(_sealed(code))  # type: ignore[operator]
    with pytest.raises(ef.EnrollmentFileError) as caught:
        ef.open_file(data, code)
    assert caught.value.code in {"enrollment_file_damaged", "enrollment_code_wrong"}
    assert "tệp" in caught.value.message_vi


def test_a_file_from_a_newer_server_says_to_update() -> None:
    code = ef.new_code()
    data = _sealed(code).replace(b'"format_version":1', b'"format_version":2', 1)
    with pytest.raises(ef.EnrollmentFileError, match="cập nhật") as caught:
        ef.open_file(data, code)
    assert caught.value.code == "enrollment_file_version"


def test_the_server_address_is_optional() -> None:
    code = ef.new_code()
    _header, secret = ef.open_file(_sealed(code, url=None), code)
    assert secret.server_url is None
