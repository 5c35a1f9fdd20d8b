"""A tiny run of the benchmark harness, so it never rots (timings are not checked)."""

from __future__ import annotations

from pathlib import Path

from tests.bench import run


def test_harness_runs_at_tiny_size(tmp_path: Path) -> None:
    output = tmp_path / "performance.md"
    output.write_text("<!-- bundle:start -->\nkept\n<!-- bundle:end -->\n", encoding="utf-8")
    json_out = tmp_path / "figures.json"
    assert (
        run.main(
            [
                "--sizes",
                "50",
                "--repeat",
                "1",
                "--output",
                str(output),
                "--json",
                str(json_out),
                "--cache",
                str(tmp_path / "cache"),
            ]
        )
        == 0
    )
    text = output.read_text(encoding="utf-8")
    for label in ("Tìm kiếm mỗi lần gõ phím", "Khởi động nguội đến cửa sổ đăng nhập",
                  "Đồng bộ lần đầu: byte trên mỗi trẻ", "Máy chủ nhận bản ghi",
                  "Tính và ghi báo cáo PDF", "Bộ nhớ đỉnh"):  # fmt: skip
        assert label in text
    assert "kept" in text  # the installer's bundle section survives
    import json

    figures = json.loads(json_out.read_text(encoding="utf-8"))["metrics"]
    measured = {f["key"] for f in figures if f["value"] is not None}
    assert {"search", "open_list", "save_household", "sync_full_bytes", "server_ingest",
            "sync_incremental_trips", "cold_start_main", "peak_memory"} <= measured  # fmt: skip
    # The page can be written again from the saved figures, the same as measured.
    again = tmp_path / "again.md"
    again.write_text("<!-- bundle:start -->\nkept\n<!-- bundle:end -->\n", encoding="utf-8")
    assert run.main(["--sizes", "50", "--output", str(again), "--from-json", str(json_out)]) == 0
    assert again.read_text(encoding="utf-8") == text


def test_merge_books_runs_at_tiny_size(tmp_path: Path) -> None:
    from tests.bench import merge_books

    output = tmp_path / "performance.md"
    output.write_text("# Hiệu năng\n\n<!-- bundle:start -->\nkept\n<!-- bundle:end -->\n", "utf-8")
    argv = ["--sizes", "50,60,90", "--share", "0.05", "--quick", "--output", str(output),
            "--cache", str(tmp_path / "cache")]  # fmt: skip
    assert merge_books.main(argv) == 0
    text = output.read_text(encoding="utf-8")
    assert "kept" in text  # the page's other sections survive
    assert text.count(merge_books.SECTION_START) == 1
    assert "| Gộp cả ba sổ | ≤ 60 s |" in text
    assert "KHÔNG ĐẠT" not in text
    # Run again (the cached books): the section is replaced, not added twice.
    assert merge_books.main(argv) == 0
    assert output.read_text(encoding="utf-8").count(merge_books.SECTION_START) == 1
