"""The "Báo cáo" area: population report, export, drill-down to the children counted."""
