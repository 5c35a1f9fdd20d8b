"""Printed reports: pure renderers from plain dataclasses to PDF (NĐ 30/2020 layout) and XLSX."""
