"""Schemathesis against the served OpenAPI schema: generated requests never cause a 5xx.

Runs on SQLite and, in CI, on PostgreSQL (the ``app`` fixture's backends). Requests carry an
enrolled device's token, so the checks reach the push, pull and batch services, not only the
authentication wall. (Schemathesis is driven directly: its pytest plugin does not load under
the pytest this project uses.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.unit.sync.server.support import EnrolledDevice

EXAMPLES_PER_OPERATION = 60


def test_no_generated_request_makes_the_server_fail(
    app: FastAPI, enroll: Callable[[str], EnrolledDevice]
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    device = enroll("12345")
    checked: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        calls: list[int] = []

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            commune = (case.path_parameters or {}).get("commune_code")
            if isinstance(commune, str) and commune[:1] in "01234":
                # Half of the cases address the device's own commune and speak as the device,
                # so the push, pull and batch services run, not only the checks at the door.
                case.path_parameters["commune_code"] = "12345"
                if isinstance(case.body, dict) and "device_id" in case.body:
                    case.body["device_id"] = device.device_id
                    case.body["commune_code"] = "12345"
            response = case.call_and_validate(headers=device.headers, checks=[not_a_server_error])
            calls.append(response.status_code)  # noqa: B023 - run at once, in this iteration

        check()
        assert calls, operation.label
        checked.append(operation.label)
    assert {
        "GET /api/v1/info",
        "POST /api/v1/enroll",
        "POST /api/v1/communes/{commune_code}/push",
        "GET /api/v1/communes/{commune_code}/changes",
        "GET /api/v1/communes/{commune_code}/batches/{batch_id}",
    } <= set(checked)
