"""The "Trang chủ" area: what needs the officer today."""
