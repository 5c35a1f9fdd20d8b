from __future__ import annotations

from datetime import date

import pytest

from desktop.core.domain.errors import ValidationError
from desktop.core.domain.identity import check_commune_code, check_id_number, id_number_warnings
from desktop.core.domain.passwords import password_problems
from desktop.core.domain.roles import check_username
from desktop.core.domain.urls import check_server_url


@pytest.mark.parametrize("code", ["1234", "123456", "12a45", "", "１２３４５"])
def test_commune_code_must_be_five_ascii_digits(code: str) -> None:
    with pytest.raises(ValidationError, match="5 chữ số"):
        check_commune_code(code)


def test_commune_code_ok() -> None:
    assert check_commune_code(" 12345 ") == "12345"


def test_id_number_rules() -> None:
    assert check_id_number("") is None
    assert check_id_number("038 219 012345") == "038219012345"
    with pytest.raises(ValidationError, match="12 chữ số"):
        check_id_number("03821901234")
    with pytest.raises(ValidationError, match="12 chữ số"):
        check_id_number("03821901234A")


def test_id_number_warnings() -> None:
    assert id_number_warnings("038219012345", date(2019, 5, 1), 1) == []
    warnings = id_number_warnings("038318012345", date(2019, 5, 1), 1)
    assert any("năm sinh" in w for w in warnings)
    assert any("giới tính" in w for w in warnings)
    assert id_number_warnings("999219012345", date(2019, 5, 1), 1)


def test_password_strength() -> None:
    assert password_problems("matkhau-manh-2026") == []
    assert password_problems("ngan1")
    assert password_problems("chiconchu")
    assert any("tên đăng nhập" in p for p in password_problems("admin2026xyz", "admin"))


def test_username_and_url() -> None:
    assert check_username(" CanBo.TreEm ") == "canbo.treem"
    with pytest.raises(ValidationError):
        check_username("cán bộ")
    assert check_server_url("") is None
    assert check_server_url("https://so.example.gov.vn/") == "https://so.example.gov.vn"
    assert check_server_url("http://127.0.0.1:8765") == "http://127.0.0.1:8765"
    for bad in ["ftp://x", "so.gov.vn", "http://", "http://host:99999", "http://a b"]:
        with pytest.raises(ValidationError, match=r"không hợp lệ|dấu cách"):
            check_server_url(bad)
