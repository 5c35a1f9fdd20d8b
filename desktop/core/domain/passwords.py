"""Password strength rules, explained in Vietnamese."""

from __future__ import annotations

from desktop.core.domain.text import fold

MIN_LENGTH = 10
_COMMON = {
    "123456789",
    "1234567890",
    "12345678910",
    "matkhau123",
    "password123",
    "qwertyuiop",
    "abc1234567",
    "admin12345",
    "11111111111",
    "0123456789",
}


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with ``password`` (empty list when it is strong enough)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự.")
    if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        problems.append("Mật khẩu phải có cả chữ và số.")
    if len(set(password)) < 5:
        problems.append("Mật khẩu lặp lại quá ít ký tự khác nhau.")
    if fold(password) in _COMMON:
        problems.append("Mật khẩu này quá phổ biến, dễ bị đoán.")
    if username and fold(username) and fold(username) in fold(password):
        problems.append("Mật khẩu không được chứa tên đăng nhập.")
    return problems
