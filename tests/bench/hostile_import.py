"""One hostile file through the importer's preview, in its own process: time and peak memory.

`python -m tests.bench.hostile_import FILE HOME` prints one JSON line: seconds (wall and
CPU), peak RSS in MB, and whether the file was refused (with the message) or how many
rows were read and rejected; when rows were rejected, also the CPU time of writing the
rejected-rows file and the peak RSS once it is written.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from tests.bench.harness import PASSWORD, TODAY, USER, data_home


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(source: Path, home: Path) -> None:
    """Preview ``source`` in a new book under ``home``; print the figures as JSON."""
    from desktop.core.importer.reader import ImportFileError
    from desktop.core.services.book import BookSetup, create_book
    from desktop.core.services.imports import ImportService

    home.mkdir(parents=True, exist_ok=True)
    with data_home(home):
        book, _ = create_book(
            BookSetup(
                commune_code="12345",
                commune_name="Hoàng Kim",
                province_name="Thanh Hóa",
                admin_username=USER,
                admin_full_name="Người đo hiệu năng",
                admin_password=PASSWORD,
            )
        )
        outcome: dict[str, object] = {}
        start = time.perf_counter()
        cpu_start = time.process_time()
        try:
            preview = ImportService(book).preview(source, today=TODAY)
            outcome["rows"] = preview.parsed.data_rows
            outcome["rejected"] = preview.rejected_rows
        except ImportFileError as exc:
            outcome["refused"] = exc.message_vi
        outcome["seconds"] = time.perf_counter() - start
        # CPU time is the honest figure on a shared machine.
        outcome["cpu_seconds"] = time.process_time() - cpu_start
        outcome["peak_mb"] = _peak_mb()
        if outcome.get("rejected"):
            # The rejected-rows file, streamed from the spool: measured apart from the preview.
            start = time.perf_counter()
            cpu_start = time.process_time()
            written = ImportService(book).write_rejected(preview, home / "dong-bi-tu-choi.xlsx")
            outcome["rejected_file_rows"] = written
            outcome["rejected_file_seconds"] = time.perf_counter() - start
            outcome["rejected_file_cpu_seconds"] = time.process_time() - cpu_start
            outcome["peak_mb_with_file"] = _peak_mb()
        book.close()
    print(json.dumps(outcome, ensure_ascii=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
