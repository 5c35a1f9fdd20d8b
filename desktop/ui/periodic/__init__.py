"""The periodic report screen ("Báo cáo định kỳ"): indicators, drill-down, finalising."""
