"""The database member of a compressed backup: the book's content, compressed, then encrypted.

SQLCipher pages are encrypted, so they do not compress; a copy of them is as big as the book.
A compressed backup instead carries the book's *content* — the schema (``sqlite_master``)
and every row, read in one read transaction so it is one consistent snapshot even while the
app keeps writing — as a stream of frames::

    b"STEDUMP1"  then frames: 4-byte big-endian length + marshal of one of
    ("pragmas", {...})  ("schema", [(type, name, tbl_name, sql), ...])
    ("rows", table, [row tuple, ...])  ("end", {table: row count})

compressed with the standard library's zlib (level 1; backups of format 2 used LZMA/xz and
still load), then encrypted with AES-256-CTR under a key derived (HKDF) from the book's key
and a random nonce. zlib level 1 was measured at 50,000 children: 0.45 s of CPU for the 55 MB
stream against 2.5 s for LZMA preset 0, for 11.6 % of the book instead of 9.6 %. Nothing is
written to disk in clear.
Integrity is the caller's: the SHA-256 of the encrypted bytes goes in the backup's manifest,
which is authenticated by its HMAC, and is checked *before* anything is decrypted or parsed
(marshal is only ever read from authenticated data). The ``end`` frame with the row counts
guards against a stream cut short.

Loading rebuilds a fresh SQLCipher file with the same key: tables, rows, then indexes and
triggers; the caller then runs ``PRAGMA integrity_check`` on it as for any backup.
"""

from __future__ import annotations

import lzma
import marshal
import os
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import sqlcipher3
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine

MAGIC = b"STEDUMP1"
NONCE_BYTES = 16
XZ_PRESET = 0  # format 2's codec, kept for tests that write the older backups
ZLIB_LEVEL = 1  # measured: a fifth of LZMA preset 0's CPU time, ratio 11.6 % against 9.6 %
ROWS_PER_FRAME = 2000
_LEN = struct.Struct(">I")
_PRAGMAS = ("user_version", "application_id", "auto_vacuum")

Progress = Callable[[int, int], None]


class StreamError(Exception):
    """The stream is not a complete book dump (cut short, or not one)."""


def new_nonce() -> bytes:
    """A fresh random nonce for one backup (kept, in hex, in its manifest)."""
    return os.urandom(NONCE_BYTES)


def _cipher(master_key: bytes, nonce: bytes) -> Cipher[modes.CTR]:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=nonce, info=b"sotreem-backup-data-v2"
    ).derive(master_key)
    return Cipher(algorithms.AES(key), modes.CTR(nonce))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _frames(cursor: Any, progress: Progress | None) -> Iterator[bytes]:
    yield MAGIC
    pragmas = {name: cursor.execute(f"PRAGMA {name}").fetchone()[0] for name in _PRAGMAS}
    yield _frame(("pragmas", pragmas))
    schema = cursor.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    yield _frame(("schema", [tuple(row) for row in schema]))
    tables = [name for kind, name, _t, _s in schema if kind == "table"]
    if cursor.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
    ).fetchone():
        tables.append("sqlite_sequence")
    sizes = {t: cursor.execute(f"SELECT count(*) FROM {_quote(t)}").fetchone()[0] for t in tables}
    total = sum(sizes.values()) or 1
    done = 0
    counts: dict[str, int] = {}
    for table in tables:
        cursor.execute(f"SELECT * FROM {_quote(table)}")
        counts[table] = 0
        while rows := cursor.fetchmany(ROWS_PER_FRAME):
            counts[table] += len(rows)
            done += len(rows)
            yield _frame(("rows", table, rows))
            if progress is not None:
                progress(min(done, total), total)
    yield _frame(("end", counts))


def _compressor(codec: str) -> Any:
    if codec == "zlib":
        return zlib.compressobj(ZLIB_LEVEL)
    if codec == "xz":
        return lzma.LZMACompressor(format=lzma.FORMAT_XZ, preset=XZ_PRESET)
    raise StreamError(f"unknown codec {codec!r}")


def _decompressor(codec: str) -> Any:
    if codec == "zlib":
        return zlib.decompressobj()
    if codec == "xz":
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    raise StreamError(f"unknown codec {codec!r}")


def _frame(value: Any) -> bytes:
    body = marshal.dumps(value)
    return _LEN.pack(len(body)) + body


def dump(engine: Engine, out: IO[bytes], master_key: bytes, nonce: bytes,
         progress: Progress | None = None, *, codec: str = "zlib") -> None:  # fmt: skip
    """Write the compressed, encrypted content of the database behind ``engine`` to ``out``."""
    encryptor = _cipher(master_key, nonce).encryptor()
    compressor = _compressor(codec)
    raw = engine.raw_connection()
    try:
        conn: Any = raw.driver_connection
        cursor = conn.cursor()
        # One read transaction: every table is read from the same snapshot (WAL).
        cursor.execute("BEGIN")
        try:
            pending: list[bytes] = []
            size = 0
            for piece in _frames(cursor, progress):
                pending.append(piece)
                size += len(piece)
                if size >= 1 << 20:
                    out.write(encryptor.update(compressor.compress(b"".join(pending))))
                    pending, size = [], 0
            out.write(encryptor.update(compressor.compress(b"".join(pending))))
            out.write(encryptor.update(compressor.flush()) + encryptor.finalize())
        finally:
            cursor.execute("ROLLBACK")
            cursor.close()
    finally:
        raw.close()


class _Reader:
    """Decrypts and decompresses ``source`` on demand; ``read(n)`` returns exactly n bytes."""

    def __init__(self, source: IO[bytes], master_key: bytes, nonce: bytes, codec: str) -> None:
        self._source = source
        self._decryptor = _cipher(master_key, nonce).decryptor()
        self._decompressor = _decompressor(codec)
        self._buffer = bytearray()

    def read(self, n: int) -> bytes:
        while len(self._buffer) < n:
            if self._decompressor.eof:
                break
            chunk = self._source.read(1 << 20)
            if not chunk:
                break
            try:
                self._buffer += self._decompressor.decompress(self._decryptor.update(chunk))
            except (lzma.LZMAError, zlib.error) as exc:
                raise StreamError("not a compressed stream") from exc
        if len(self._buffer) < n:
            raise StreamError("cut short")
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        return data

    def frame(self) -> Any:
        (length,) = _LEN.unpack(self.read(_LEN.size))
        try:
            return marshal.loads(self.read(length))
        except (ValueError, EOFError, TypeError) as exc:
            raise StreamError("bad frame") from exc


def load(source: IO[bytes], destination: Path, master_key: bytes, nonce: bytes,
         *, codec: str = "zlib") -> None:  # fmt: skip
    """Rebuild the book dumped in ``source`` as a new SQLCipher file ``destination``."""
    reader = _Reader(source, master_key, nonce, codec)
    if reader.read(len(MAGIC)) != MAGIC:
        raise StreamError("not a book dump")
    conn: Any = sqlcipher3.connect(str(destination), isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = \"x'{master_key.hex()}'\"")
        kind, pragmas = reader.frame()
        if kind != "pragmas":
            raise StreamError("pragmas expected")
        conn.execute(f"PRAGMA auto_vacuum = {int(pragmas.get('auto_vacuum', 0))}")
        kind, schema = reader.frame()
        if kind != "schema":
            raise StreamError("schema expected")
        conn.execute("BEGIN")
        for sql_kind, name, _table, sql in schema:
            if sql_kind == "table" and not name.startswith("sqlite_"):
                conn.execute(sql)
        counts: dict[str, int] = {}
        while True:
            item = reader.frame()
            if item[0] == "end":
                if {t: n for t, n in item[1].items() if n} != counts:
                    raise StreamError("row counts differ")
                break
            if item[0] != "rows":
                raise StreamError("rows expected")
            _kind, table, rows = item
            if rows:
                marks = ",".join("?" * len(rows[0]))
                conn.executemany(f"INSERT INTO {_quote(table)} VALUES ({marks})", rows)
            counts[table] = counts.get(table, 0) + len(rows)
        for sql_kind, name, _table, sql in schema:
            if sql_kind != "table" and not name.startswith("sqlite_"):
                conn.execute(sql)
        conn.execute(f"PRAGMA user_version = {int(pragmas.get('user_version', 0))}")
        conn.execute(f"PRAGMA application_id = {int(pragmas.get('application_id', 0))}")
        conn.execute("COMMIT")
    finally:
        conn.close()
