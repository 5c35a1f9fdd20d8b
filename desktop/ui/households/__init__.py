"""The "Hộ gia đình" area: household list, search, and the household form."""
