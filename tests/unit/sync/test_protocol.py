"""Protocol message validation: tables, ids, commune codes, sizes, versions, time zones."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from sync.columns import SYNC_COLUMNS
from sync.protocol import (
    MAX_DATA_KEYS,
    MAX_ITEMS_PER_BATCH,
    MAX_STRING_LENGTH,
    PROTOCOL_VERSION,
    SYNC_TABLES,
    EnrollRequest,
    ItemResult,
    PushRequest,
    PushResponse,
    RecordItem,
    validation_error_vi,
)

ICT = timezone(timedelta(hours=7))


def _item(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "table": "persons",
        "id": str(uuid.uuid4()),
        "version": 1,
        "base_version": 0,
        "updated_at": datetime(2025, 3, 1, 8, 0, tzinfo=ICT),
        "updated_by": "can-bo",
        "data": {"full_name": "Lê Văn Đức", "sex": 2012, "insurance_card": False},
    }
    base.update(overrides)
    return base


def _push(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "batch_id": str(uuid.uuid4()),
        "commune_code": "01234",
        "device_id": str(uuid.uuid4()),
        "items": [_item()],
    }
    base.update(overrides)
    return base


def _message(model: type[Any], value: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as failed:
        model.model_validate(value)
    return validation_error_vi(failed.value)


def test_sync_tables_is_one_tuple() -> None:
    assert SYNC_TABLES[:3] == ("hamlets", "households", "persons")
    assert len(set(SYNC_TABLES)) == len(SYNC_TABLES)


def test_valid_item_round_trips_through_json() -> None:
    item = RecordItem.model_validate(
        _item(
            data={
                "notes": None,
                "birth_registered": True,
                "sex": 1,
                "school_class": 1.5,
                "full_name": "x",
            }
        )
    )
    again = RecordItem.model_validate_json(item.model_dump_json())
    assert again == item
    assert type(again.data["birth_registered"]) is bool
    assert type(again.data["sex"]) is int
    assert type(again.data["school_class"]) is float


def test_updated_at_is_normalised_to_utc() -> None:
    item = RecordItem.model_validate(_item())
    assert item.updated_at == datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
    assert item.updated_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("table", ["users", "Persons", "", "persons "])
def test_unknown_table_is_refused(table: str) -> None:
    message = _message(RecordItem, _item(table=table))
    assert "table" in message
    assert "không được đồng bộ" in message


@pytest.mark.parametrize(
    "bad_id",
    [
        "123",
        "",
        # Fixed values: xdist workers must collect the same test ids.
        "8BFE3D89-0597-4E3A-A59E-2EE8FCB4EC6E",
        "{b20c943c-91f9-4008-984b-da0aa49f36bb}",
        "802164ec387f4f078abaf72b78dbf649",
        "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
    ],
)
def test_id_must_be_a_canonical_uuid(bad_id: str) -> None:
    assert "Trường 'id'" in _message(RecordItem, _item(id=bad_id))


def test_id_must_be_text() -> None:
    assert "Trường 'id'" in _message(RecordItem, _item(id=uuid.uuid4()))


@pytest.mark.parametrize("code", ["1234", "123456", "12a45", "١٢٣٤٥", " 1234", 12345])
def test_commune_code_is_five_ascii_digits(code: object) -> None:
    assert "commune_code" in _message(PushRequest, _push(commune_code=code))


def test_oversized_string_is_refused_with_the_key_named() -> None:
    RecordItem.model_validate(_item(data={"notes": "ă" * MAX_STRING_LENGTH}))
    message = _message(RecordItem, _item(data={"notes": "ă" * (MAX_STRING_LENGTH + 1)}))
    assert "notes" in message
    assert str(MAX_STRING_LENGTH) in message


def test_too_many_keys_are_refused() -> None:
    # The widest real table fits; more keys than the limit are refused before their names.
    RecordItem.model_validate(_item(data=dict.fromkeys(SYNC_COLUMNS["persons"])))
    message = _message(RecordItem, _item(data={f"k{i}": i for i in range(MAX_DATA_KEYS + 1)}))
    assert f"tối đa {MAX_DATA_KEYS}" in message


@pytest.mark.parametrize(
    "data",
    [
        {"ds": [1]},
        {"obj": {"a": 1}},
        {"so": float("nan")},
        {"so": float("inf")},
        {"so": 2**63},
        {"chu": "a\x00b"},
        {"co dau": 1},
        {"1abc": 1},
        {"x" * 65: 1},
    ],
)
def test_data_values_and_keys_are_bounded(data: dict[str, Any]) -> None:
    assert "data" in _message(RecordItem, _item(data=data))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("version", 0),
        ("version", "2"),
        ("version", 1.0),
        ("base_version", -1),
        ("deleted", 1),
        ("deleted", "true"),
        ("updated_at", datetime(2025, 3, 1, 8, 0)),
        ("updated_at", "2025-03-01T08:00:00"),
        ("updated_at", 1_700_000_000),
        ("updated_by", "x" * 201),
    ],
)
def test_scalar_fields_are_strict(field: str, value: object) -> None:
    assert f"'{field}'" in _message(RecordItem, _item(**{field: value}))


def test_version_must_exceed_base_version() -> None:
    assert "base_version" in _message(RecordItem, _item(version=3, base_version=3))
    RecordItem.model_validate(_item(version=4, base_version=3))


def test_unknown_fields_are_refused() -> None:
    assert "delete" in _message(RecordItem, _item(delete=True))


def test_batch_size_is_bounded() -> None:
    assert "items" in _message(PushRequest, _push(items=[]))
    items = [_item() for _ in range(MAX_ITEMS_PER_BATCH + 1)]
    assert "500" in _message(PushRequest, _push(items=items))


def test_push_request_defaults_to_this_protocol_version() -> None:
    assert PushRequest.model_validate(_push()).protocol_version == PROTOCOL_VERSION
    assert "batch_id" in _message(PushRequest, _push(batch_id="abc"))
    assert "device_id" in _message(PushRequest, _push(device_id="abc"))


def test_enroll_request_trims_the_device_name() -> None:
    request = EnrollRequest(code="ABCD", commune_code="12345", device_name="  Máy 1 ")
    assert request.device_name == "Máy 1"
    assert "device_name" in _message(
        EnrollRequest, {"code": "A", "commune_code": "12345", "device_name": "   "}
    )


def test_responses_ignore_fields_a_newer_server_adds() -> None:
    answer = PushResponse.model_validate(
        {
            "batch_id": "b",
            "statuses": "r",
            "problems": [
                {"index": 0, "table": "persons", "id": "i", "status": "rejected", "later": 1}
            ],
            "server_time": "2025-01-01T00:00:00Z",
            "pull_hint": "x",
        }
    )
    assert answer.problems[0] == ItemResult(index=0, table="persons", id="i", status="rejected")


def test_error_text_lists_a_few_fields_then_counts_the_rest() -> None:
    message = _message(RecordItem, {})
    assert message.count("thiếu giá trị bắt buộc") == 5
    assert message.endswith("… và 1 lỗi khác")
