"""The “Nhập, xuất, in” area: the Excel import wizard, printing, the police ID list."""
