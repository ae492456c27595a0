"""Schemathesis against the app's own OpenAPI schema: no 5xx, and every error has a stable code.

Runs in-process over ASGI with an admin key (so a generated ``POST /v1/keys`` does not lock the
generator out of open mode) and a rate limit high enough not to get in the way. Every operation
gets ``EXAMPLES`` generated cases (positive and negative data), which keeps the run under 2 minutes.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings

from mediasift.api.app import create_app
from mediasift.runtime import Runtime
from tests.ops.conftest import bearer, new_key

EXAMPLES = 40


def check_operation(operation, key: str, seen: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(headers=bearer(key))
        seen[operation.label] = seen.get(operation.label, 0) + 1
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
        if response.status_code >= 400:
            body = response.json()
            assert isinstance(body.get("code"), str) and body["code"], body
            assert isinstance(body.get("message"), str), body

    run()


def test_no_server_errors_and_every_error_has_a_code(make_runtime, tmp_path: Path):  # type: ignore[no-untyped-def]
    rt: Runtime = make_runtime(rate_limit_per_s=100_000.0, rate_limit_burst=100_000)
    key = new_key(rt, "default", "admin")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(rt))
    seen: dict[str, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        check_operation(operation, key, seen)
    print(f"schemathesis: {len(operations)} operations, {sum(seen.values())} requests: {seen}")
    assert len(seen) == len(operations) >= 20
