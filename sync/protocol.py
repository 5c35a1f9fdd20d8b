"""Sync protocol messages and limits, shared by the client and the upstream server."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from sync.columns import SYNC_COLUMNS

PROTOCOL_VERSION: Final = 1

# Tables a device may push. Later issues add tables here (and their columns in sync/columns.py).
SYNC_TABLES: Final[tuple[str, ...]] = (
    "hamlets",
    "households",
    "persons",
    "guardian_links",
    "change_events",
    "special_episodes",
    "merge_records",
    "indicator_targets",
    "indicator_values",
    "report_calendar",
    "periodic_reports",
    "report_snapshot_values",
    "report_documents",
    "cfc_assessments",
    "cfc_scores",
    "risk_categories",
    "risk_episodes",
    "protection_cases",
    "case_children",
    "consent_records",
    "case_steps",
    "supports",
    "injuries",
    "labour_records",
    "marriage_records",
)

# The synced tables that are the commune's own — targets, sector figures, calendar, reports and
# their documents, child-friendly assessments: when communes merge (the 2025 reform) they keep
# the former commune's code, for its old reports.
COMMUNE_OWN_TABLES: Final[frozenset[str]] = frozenset(
    {
        "indicator_targets",
        "indicator_values",
        "report_calendar",
        "periodic_reports",
        "report_snapshot_values",
        "report_documents",
        "cfc_assessments",
        "cfc_scores",
    }
)
# The others follow the children into the new commune: a book brings them in from a former
# commune's book, and a merge declared upstream re-homes them under the new code.
MERGED_TABLES: Final[tuple[str, ...]] = tuple(
    table for table in SYNC_TABLES if table not in COMMUNE_OWN_TABLES
)

_COLUMN_SETS: Final = {table: frozenset(SYNC_COLUMNS[table]) for table in SYNC_TABLES}

MAX_ITEMS_PER_BATCH: Final = 500
MAX_DATA_KEYS: Final = 100
MAX_STRING_LENGTH: Final = 4000
MAX_KEY_LENGTH: Final = 64
MAX_UPDATED_BY_LENGTH: Final = 200
MAX_DEVICE_NAME_LENGTH: Final = 100
MAX_ENROLLMENT_CODE_LENGTH: Final = 64
# An enrolment attempt's nonce: secrets.token_urlsafe(32) gives 43 characters.
_NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
MAX_PULL_LIMIT: Final = 1000
# A finalised report's PDF travels whole, base64 in one column of one row (report_documents),
# alone in its batch: a report is tens to hundreds of KB; 8 MiB is far above any real one and,
# as base64 (≈ 11.2 MB), still under the server's 16 MiB body limit.
MAX_DOCUMENT_BYTES: Final = 8 * 1024 * 1024
MAX_DOCUMENT_CHARS: Final = 4 * math.ceil(MAX_DOCUMENT_BYTES / 3)
DOCUMENT_TABLE: Final = "report_documents"
# Columns allowed past MAX_STRING_LENGTH, with their own limit (each name is used by one table
# only; tests/unit/sync check it).
LONG_TEXT_COLUMNS: Final[dict[str, int]] = {"content_base64": MAX_DOCUMENT_CHARS}
# At most this many documents in one pull page, so a page stays a few MB over a slow link.
MAX_DOCUMENTS_PER_PAGE: Final = 4
DEFAULT_PULL_LIMIT: Final = 500
# Versions and data integers must fit a signed 64-bit column (PostgreSQL BIGINT).
MAX_INT64: Final = 2**63 - 1
MIN_INT64: Final = -(2**63)

# Canonical form only: an upper-case or brace-wrapped spelling of the same UUID would
# otherwise become a second server row for one record.
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# [0-9], not \d: \d also matches other scripts' digits.
_COMMUNE_RE = re.compile(r"^[0-9]{5}$")
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Timestamps travel as ISO 8601 with an offset, year 1900 to 2100: a person's record has no
# business outside that range, and inside it the move to UTC can never overflow.
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2100
_DATETIME_PATTERN = (
    r"^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_DATETIME_RE = re.compile(_DATETIME_PATTERN)
_BASE64_PATTERN = "^[A-Za-z0-9+/]*={0,2}$"
# What the JSON schema says of text: no NUL, no lone surrogate (ECMA-262 pattern syntax).
_TEXT_PATTERN = "^[^\\u0000\\ud800-\\udfff]*$"


def _check_uuid(value: str) -> str:
    if not _UUID_RE.fullmatch(value):
        raise ValueError("phải là mã UUID dạng chuẩn (chữ thường, có gạch nối)")
    uuid.UUID(value)
    return value


def _check_commune_code(value: str) -> str:
    if not _COMMUNE_RE.fullmatch(value):
        raise ValueError("mã xã phải gồm đúng 5 chữ số")
    return value


def _check_nonce(value: str) -> str:
    if not _NONCE_RE.fullmatch(value):
        raise ValueError("phải gồm 32 đến 64 ký tự chữ Latin, số, '-' hoặc '_'")
    return value


def normalize_enrollment_code(code: str) -> str:
    """The code as hashed: upper case, without the spaces and dashes people add."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text (None if it can).

    PostgreSQL text and JSONB cannot hold U+0000, and a lone surrogate ("\\ud800" in JSON)
    is not Unicode at all: it cannot be encoded as UTF-8 by any database driver.
    """
    if "\x00" in value:
        return "không được chứa ký tự NUL"
    if _SURROGATE_RE.search(value):
        return "chứa ký tự Unicode không hợp lệ (nửa cặp surrogate)"
    return None


def _check_no_nul(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def document_problem(data: dict[str, Any]) -> str | None:
    """Why a report document's data is not a whole file (None when it is).

    ``content_base64`` must be base64 of exactly ``size_bytes`` bytes whose SHA-256 (lower-case
    hex) is ``sha256``, and name a ``.pdf`` file.
    """
    content = data.get("content_base64")
    size = data.get("size_bytes")
    digest = data.get("sha256")
    name = data.get("file_name")
    if not isinstance(content, str) or not content:
        return "thiếu nội dung tệp (content_base64)"
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_DOCUMENT_BYTES:
        return f"kích thước tệp (size_bytes) phải từ 1 đến {MAX_DOCUMENT_BYTES} byte"
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        return "mã kiểm tra (sha256) phải gồm 64 chữ số hex viết thường"
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,120}\.pdf", name):
        return "tên tệp (file_name) phải là tên tệp .pdf chỉ gồm chữ Latin, số, '.', '-', '_'"
    try:
        raw = base64.b64decode(content, validate=True)
    except ValueError:
        return "nội dung tệp (content_base64) không phải base64 hợp lệ"
    if len(raw) != size:
        return (
            f"tệp nhận được dài {len(raw)} byte, khác kích thước đã ghi ({size} byte): "
            "tệp bị cắt trên đường truyền"
        )
    if hashlib.sha256(raw).hexdigest() != digest:
        return "mã kiểm tra SHA-256 không khớp nội dung tệp: tệp bị hỏng trên đường truyền"
    if not raw.startswith(b"%PDF-"):
        return "nội dung không phải tệp PDF"
    return None


def printable(value: str, limit: int) -> str:
    """``value`` clipped to ``limit`` characters and made encodable, to be named in a message."""
    return value[:limit].encode("utf-8", "replace").decode("utf-8")


def _require_text_datetime(value: Any) -> Any:
    # Lax pydantic would read a bare number as a Unix timestamp; the protocol wants ISO 8601.
    if isinstance(value, int | float):
        raise ValueError("phải là ngày giờ dạng ISO 8601 có múi giờ")
    if isinstance(value, str) and not _DATETIME_RE.fullmatch(value):
        raise ValueError(
            "phải là ngày giờ dạng ISO 8601 có múi giờ, năm từ "
            f"{MIN_YEAR} đến {MAX_YEAR} (ví dụ 2026-01-31T08:00:00+07:00)"
        )
    return value


def _to_utc(value: datetime) -> datetime:
    # Checked on the year as written, before converting: 9999-12-31T23:59-23:59 would
    # otherwise overflow datetime's range when moved to UTC (a 500, not a refusal).
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"năm phải từ {MIN_YEAR} đến {MAX_YEAR}")
    return value.astimezone(UTC)


# The JSON schema states the same rules (for clients and for schemathesis); validation itself
# stays in the checks above, which explain a refusal in Vietnamese.
UuidStr = Annotated[
    StrictStr,
    AfterValidator(_check_uuid),
    WithJsonSchema({"type": "string", "format": "uuid", "pattern": _UUID_RE.pattern}),
]
CommuneCode = Annotated[
    StrictStr,
    AfterValidator(_check_commune_code),
    WithJsonSchema({"type": "string", "pattern": _COMMUNE_RE.pattern}),
]
TableName = Annotated[StrictStr, WithJsonSchema({"type": "string", "enum": list(SYNC_TABLES)})]
UtcDatetime = Annotated[
    AwareDatetime,
    BeforeValidator(_require_text_datetime),
    AfterValidator(_to_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": _DATETIME_PATTERN}),
]
JsonScalar = StrictBool | StrictInt | Annotated[float, Field(strict=True)] | StrictStr | None


def _text_schema(max_length: int, min_length: int = 0) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "type": "string",
            "minLength": min_length,
            "maxLength": max_length,
            "pattern": _TEXT_PATTERN,
        }
    )


# Strict text: bounded length, no NUL, no lone surrogate.
UpdatedBy = Annotated[
    StrictStr,
    Field(max_length=MAX_UPDATED_BY_LENGTH),
    AfterValidator(_check_no_nul),
    _text_schema(MAX_UPDATED_BY_LENGTH),
]
ShortName = Annotated[
    StrictStr,
    Field(min_length=1, max_length=MAX_KEY_LENGTH),
    AfterValidator(_check_no_nul),
    _text_schema(MAX_KEY_LENGTH, 1),
]
EnrollmentCodeText = Annotated[
    StrictStr,
    Field(min_length=1, max_length=MAX_ENROLLMENT_CODE_LENGTH),
    AfterValidator(_check_no_nul),
    _text_schema(MAX_ENROLLMENT_CODE_LENGTH, 1),
]
EnrollmentNonce = Annotated[
    StrictStr,
    AfterValidator(_check_nonce),
    WithJsonSchema({"type": "string", "pattern": _NONCE_RE.pattern}),
]
DeviceName = Annotated[
    StrictStr,
    Field(min_length=1, max_length=MAX_DEVICE_NAME_LENGTH),
    AfterValidator(_check_no_nul),
    _text_schema(MAX_DEVICE_NAME_LENGTH, 1),
]


def _check_data(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > MAX_DATA_KEYS:
        raise ValueError(f"có {len(value)} trường, tối đa {MAX_DATA_KEYS}")
    for key, item in value.items():
        if len(key) > MAX_KEY_LENGTH or not _KEY_RE.fullmatch(key):
            raise ValueError(
                f"tên trường '{printable(key, 40)}' không hợp lệ (chỉ chữ Latin, số, dấu gạch "
                f"dưới; tối đa {MAX_KEY_LENGTH} ký tự)"
            )
        if isinstance(item, str):
            limit = LONG_TEXT_COLUMNS.get(key, MAX_STRING_LENGTH)
            if len(item) > limit:
                raise ValueError(f"trường '{key}' dài {len(item)} ký tự, tối đa {limit}")
            problem = text_problem(item)
            if problem is not None:
                raise ValueError(f"trường '{key}' {problem}")
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"trường '{key}' không phải số hữu hạn")
        elif (
            isinstance(item, int)
            and not isinstance(item, bool)
            and not MIN_INT64 <= item <= MAX_INT64
        ):
            raise ValueError(f"trường '{key}' có số nguyên vượt giới hạn 64 bit")
    return value


# Every column name any synced table knows (the schema's list; each table's own list is
# checked by RecordItem, per table).
_KNOWN_COLUMNS: Final = sorted({name for names in SYNC_COLUMNS.values() for name in names})

# The data of a row: column name → scalar, bounded by pattern, length and count. A pushed
# item may carry only its table's known columns (RecordItem checks them; docs/server.md,
# "Known tables and columns"); a pulled record is checked by the desktop against its book.
RecordData = Annotated[
    dict[str, JsonScalar],
    AfterValidator(_check_data),
    WithJsonSchema(
        {
            "type": "object",
            "maxProperties": MAX_DATA_KEYS,
            "properties": {
                name: {"type": ["string", "null"], "maxLength": limit, "pattern": _BASE64_PATTERN}
                for name, limit in LONG_TEXT_COLUMNS.items()
            },
            "propertyNames": {
                "pattern": _KEY_RE.pattern,
                "maxLength": MAX_KEY_LENGTH,
                "enum": _KNOWN_COLUMNS,
            },
            "additionalProperties": {
                "anyOf": [
                    {"type": "boolean"},
                    {"type": "integer", "minimum": MIN_INT64, "maximum": MAX_INT64},
                    {"type": "number"},
                    {
                        "type": "string",
                        "maxLength": MAX_STRING_LENGTH,
                        "pattern": _TEXT_PATTERN,
                    },
                    {"type": "null"},
                ]
            },
        }
    ),
]


class _Request(BaseModel):
    """Base of messages the server receives: unknown fields are refused, not ignored."""

    # extra="forbid" so that a misspelt field (say "delete" for "deleted") is an error
    # instead of a silently lost instruction.
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Response(BaseModel):
    """Base of messages the client receives: fields added by a newer server are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class RecordItem(_Request):
    """One changed row of a synced table, as a device pushes it."""

    table: TableName
    id: UuidStr
    version: StrictInt = Field(ge=1, le=MAX_INT64)
    base_version: StrictInt = Field(ge=0, le=MAX_INT64)
    deleted: StrictBool = False
    updated_at: UtcDatetime
    updated_by: UpdatedBy
    data: RecordData = Field(default_factory=dict)

    @field_validator("table")
    @classmethod
    def _known_table(cls, value: str) -> str:
        if value not in SYNC_TABLES:
            raise ValueError(
                f"bảng '{printable(value, 40)}' không được đồng bộ "
                f"(chỉ nhận: {', '.join(SYNC_TABLES)})"
            )
        return value

    @field_validator("data")
    @classmethod
    def _known_columns(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        # ``table`` is validated first (field order); when it failed, it is reported already.
        table = info.data.get("table")
        if table is None:
            return value
        known = _COLUMN_SETS[table]
        unknown = [key for key in value if key not in known]
        if unknown:
            names = ", ".join(f"'{printable(key, 40)}'" for key in unknown[:5])
            raise ValueError(
                f"bảng '{table}' không có trường {names} (máy chủ hoặc phần mềm ở máy xã "
                "cần cập nhật cho cùng phiên bản)"
            )
        return value

    @model_validator(mode="after")
    def _document_is_whole(self) -> RecordItem:
        # A report's PDF is checked against its own SHA-256 and size: a file cut or altered on
        # the way is refused (the app sends it again) instead of kept as the commune's report.
        if self.table == DOCUMENT_TABLE and not self.deleted:
            problem = document_problem(self.data)
            if problem is not None:
                raise ValueError(f"văn bản báo cáo (bản ghi {self.id}): {problem}")
        return self

    @model_validator(mode="after")
    def _version_moves_forward(self) -> RecordItem:
        # The server stores item.version; an edit that does not raise it above the version it
        # started from would give two different contents the same version number.
        if self.version <= self.base_version:
            raise ValueError(
                f"phiên bản ({self.version}) phải lớn hơn phiên bản gốc "
                f"base_version ({self.base_version})"
            )
        return self


class PushHeader(_Request):
    """The envelope of a push: who sends which batch for which commune."""

    protocol_version: StrictInt = PROTOCOL_VERSION
    batch_id: UuidStr
    commune_code: CommuneCode
    device_id: UuidStr


class PushRequest(PushHeader):
    """A batch of changed rows sent by one device (1 to 500 items)."""

    items: list[RecordItem] = Field(min_length=1, max_length=MAX_ITEMS_PER_BATCH)


ItemStatus = Literal["applied", "duplicate", "conflict", "rejected"]

# One letter per pushed item in PushResponse.statuses: an answer for 500 rows that were all
# applied then costs 500 bytes before gzip instead of echoing 500 UUIDs back over 2G.
STATUS_LETTERS: Final[dict[str, str]] = {
    "applied": "a",
    "duplicate": "d",
    "conflict": "c",
    "rejected": "r",
}
_LETTER_STATUS: Final[dict[str, str]] = {letter: name for name, letter in STATUS_LETTERS.items()}
_STATUSES_RE = re.compile(r"^[adcr]*$")


class ItemResult(_Response):
    """The server's answer for one pushed item."""

    # Position of the item in the batch (set in PushResponse.problems).
    index: int | None = None
    table: str
    id: str
    status: ItemStatus
    server_version: int | None = None
    # On conflict: the row as the server holds it, so a person can resolve field by field.
    server_data: dict[str, JsonScalar] | None = None
    server_deleted: bool | None = None
    # On conflict: who wrote the server's version, and whether it was an upstream correction.
    server_updated_by: str | None = None
    server_upstream: bool | None = None
    reason: str | None = None


class PushResponse(_Response):
    """The server's answer to a push: a status letter per item, details for the problems."""

    batch_id: str
    # One letter per item, in the items' order: a applied, d duplicate, c conflict, r rejected.
    statuses: str
    # The conflicts and rejections, each with its index, the server's values and the reason.
    problems: list[ItemResult] = Field(default_factory=list)
    server_time: datetime

    @field_validator("statuses")
    @classmethod
    def _letters(cls, value: str) -> str:
        if not _STATUSES_RE.fullmatch(value):
            raise ValueError("chỉ gồm các chữ a, d, c, r")
        return value

    @classmethod
    def from_results(
        cls, batch_id: str, results: Sequence[ItemResult], server_time: datetime
    ) -> PushResponse:
        """The compact answer for ``results`` (one per item, in order)."""
        problems = [
            result.model_copy(update={"index": index})
            for index, result in enumerate(results)
            if result.status in ("conflict", "rejected")
        ]
        return cls(
            batch_id=batch_id,
            statuses="".join(STATUS_LETTERS[result.status] for result in results),
            problems=problems,
            server_time=server_time,
        )

    def results(self, items: Sequence[RecordItem]) -> list[ItemResult]:
        """One result per pushed item; ValueError if this answer is not for ``items``."""
        if len(self.statuses) != len(items):
            raise ValueError("số kết quả khác số bản ghi đã gửi")
        details: dict[int, ItemResult] = {}
        for problem in self.problems:
            if problem.index is None or not 0 <= problem.index < len(items):
                raise ValueError("kết quả chi tiết trỏ tới bản ghi không có trong lô")
            details[problem.index] = problem
        results: list[ItemResult] = []
        for index, (item, letter) in enumerate(zip(items, self.statuses, strict=True)):
            status = _LETTER_STATUS[letter]
            detail = details.get(index)
            if status in ("conflict", "rejected"):
                if detail is None or detail.status != status:
                    raise ValueError("thiếu chi tiết cho bản ghi xung đột hoặc bị từ chối")
                if (detail.table, detail.id) != (item.table, item.id):
                    raise ValueError("kết quả chi tiết không khớp bản ghi đã gửi")
                results.append(detail)
            else:
                results.append(
                    ItemResult(
                        index=index,
                        table=item.table,
                        id=item.id,
                        status=status,  # type: ignore[arg-type]
                        server_version=item.version,
                    )
                )
        return results


class PulledRecord(_Response):
    """One row as the server holds it now, with its place in the commune's change order."""

    seq: int
    # Any table name, but sane text: the desktop itself refuses a table or column its book does
    # not know, naming it (desktop/core/sync_service/pull.py, unknown_in_page).
    table: ShortName
    id: UuidStr
    version: int = Field(ge=1, le=MAX_INT64)
    deleted: bool
    updated_at: UtcDatetime
    updated_by: UpdatedBy
    data: RecordData
    # True when the last change came from upstream (a correction), not from a device.
    upstream: bool = False

    @model_validator(mode="after")
    def _document_is_whole(self) -> PulledRecord:
        # A report's PDF handed to another computer of the commune is checked as on push.
        if self.table == DOCUMENT_TABLE and not self.deleted:
            problem = document_problem(self.data)
            if problem is not None:
                raise ValueError(f"văn bản báo cáo (bản ghi {self.id}): {problem}")
        return self


class PullResponse(_Response):
    """A page of a commune's changes after ``after``, in the order of the server's seq."""

    records: list[PulledRecord]
    # Where the next page starts (store it as the cursor once the page is safely kept).
    next_after: int
    more: bool
    server_time: datetime
    # The former communes whose merge into this commune upstream has declared
    # (``merge-communes``), sorted; None from a server older than that field. A book that
    # brought in a former commune's book learns here whether upstream knows of the merge.
    merged_from: list[CommuneCode] | None = None


class EnrollRequest(_Request):
    """A device asks for a token with a one-time enrollment code."""

    protocol_version: StrictInt = PROTOCOL_VERSION
    code: EnrollmentCodeText
    commune_code: CommuneCode
    device_name: DeviceName
    # Made once by the book for this code and kept before the request is sent: a retry
    # with the same code and nonce (the first answer was lost) gets the same device back.
    nonce: EnrollmentNonce | None = None

    @field_validator("device_name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("tên máy không được để trống")
        return value.strip()


class EnrollResponse(_Response):
    """The new device's id and its bearer token (shown once, never stored in clear)."""

    device_id: str
    token: str
    commune_code: str


class ServerInfo(_Response):
    """What `GET /api/v1/info` tells anyone: protocol version, clock, name."""

    protocol_version: int
    server_time: datetime
    name: str


class ErrorBody(_Response):
    """The body of every error answer: a Vietnamese detail and a machine code."""

    detail: str
    code: str


# Vietnamese wording for the pydantic error types a protocol message can raise.
_ERROR_TEXT: dict[str, str] = {
    "missing": "thiếu giá trị bắt buộc",
    "extra_forbidden": "trường này không có trong giao thức",
    "string_type": "phải là chuỗi ký tự",
    "string_unicode": "chứa ký tự Unicode không hợp lệ (nửa cặp surrogate)",
    "int_type": "phải là số nguyên",
    "float_type": "phải là số",
    "bool_type": "phải là true hoặc false",
    "dict_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
    "model_type": "phải là một đối tượng JSON",
    "model_attributes_type": "phải là một đối tượng JSON",
    "datetime_type": "phải là ngày giờ dạng ISO 8601 có múi giờ",
    "datetime_parsing": "phải là ngày giờ dạng ISO 8601 có múi giờ",
    "datetime_from_date_parsing": "phải là ngày giờ dạng ISO 8601 có múi giờ",
    "timezone_aware": "phải có múi giờ (ví dụ …Z hoặc +07:00)",
    "union_tag_invalid": "giá trị không hợp lệ",
    "literal_error": "giá trị không hợp lệ",
    "string_pattern_mismatch": "không đúng dạng",
}


_UNION_MEMBERS = frozenset({"bool", "int", "float", "str", "none"})


def _describe_error(error: Any) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    loc = tuple(error.get("loc", ()))
    if loc and loc[-1] in _UNION_MEMBERS:
        # A data value of the wrong kind fails every member of the scalar union.
        return "phải là chuỗi, số, true/false hoặc null"
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "string_too_long":
        return f"dài quá {ctx.get('max_length')} ký tự"
    if kind == "string_too_short":
        return "không được để trống"
    if kind == "too_long":
        return f"có quá nhiều phần tử (tối đa {ctx.get('max_length')})"
    if kind == "too_short":
        return f"cần ít nhất {ctx.get('min_length')} phần tử"
    if kind == "greater_than_equal":
        return f"phải lớn hơn hoặc bằng {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"phải nhỏ hơn hoặc bằng {ctx.get('le')}"
    return _ERROR_TEXT.get(kind, "giá trị không hợp lệ")


def _field_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif part in _UNION_MEMBERS or "[" in str(part):
            # Union member names ("str", "function-after[...]") are not field names.
            continue
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "(nội dung)"


def located_error(
    model: type[BaseModel], content: bytes | str, exc: ValidationError
) -> ValidationError:
    """The error of ``content`` against ``model``, located at a field when it can be.

    A lone surrogate ("\\ud800") makes the JSON parser refuse the whole text with no field
    named; Python's own JSON reader keeps it, and the model's text check then names the field.
    """
    try:
        model.model_validate(json.loads(content))
    except ValidationError as located:
        return located
    except ValueError:
        return exc
    return exc


def validation_error_vi(exc: ValidationError, *, limit: int = 5) -> str:
    """Describe a validation error in Vietnamese, naming each faulty field."""
    return errors_vi(exc.errors(include_url=False), limit=limit)


def errors_vi(errors: Sequence[Any], *, limit: int = 5) -> str:
    """Describe pydantic-style error dicts (type, loc, ctx) in Vietnamese."""
    seen: dict[str, str] = {}
    for error in errors:
        path = _field_path(tuple(error.get("loc", ())))
        # A union reports one error per member; the first one per field is enough.
        seen.setdefault(path, _describe_error(error))
    lines = [f"Trường '{path}': {text}" for path, text in list(seen.items())[:limit]]
    if len(seen) > limit:
        lines.append(f"… và {len(seen) - limit} lỗi khác")
    return "; ".join(lines)


# report_decisions.id is a 32-bit integer column on the server.
MAX_DECISION_ID: Final = 2**31 - 1
MAX_DECISION_COMMENT: Final = 4000
_PERIOD_RE = re.compile(r"^[0-9]{4}(?:-(?:H1|9M))?$")
PeriodCode = Annotated[
    StrictStr,
    Field(pattern=_PERIOD_RE.pattern),
    WithJsonSchema({"type": "string", "pattern": _PERIOD_RE.pattern}),
]
DecisionComment = Annotated[
    StrictStr,
    Field(max_length=MAX_DECISION_COMMENT),
    AfterValidator(_check_no_nul),
    _text_schema(MAX_DECISION_COMMENT),
]


class ReportDecision(_Response):
    """An upstream decision on one version of a commune's periodic report."""

    # increasing per server; the app keeps the highest it has applied
    id: int = Field(ge=1, le=MAX_DECISION_ID)
    report_id: UuidStr  # the periodic_reports record id (one version of one period's report)
    period_code: PeriodCode  # "2026-H1", "2026-9M", "2026"
    report_version: int = Field(ge=1, le=MAX_DECISION_ID)
    decision: Literal["approved", "returned"]
    comment: DecisionComment
    decided_by: UpdatedBy
    decided_at: UtcDatetime


class ReportDecisionsResponse(_Response):
    """Decisions after the app's cursor (``GET …/report-decisions?after=ID``)."""

    decisions: list[ReportDecision] = Field(max_length=MAX_PULL_LIMIT)
    next_after: int = Field(ge=0, le=MAX_DECISION_ID)
