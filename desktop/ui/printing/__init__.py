"""Print dialogs (book pages, blank forms, profiles) and the “Xuất Excel” helper for lists."""
