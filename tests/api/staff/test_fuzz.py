"""Schemathesis against the OpenAPI schema of a real uvicorn: no input gives a 5xx.

Every operation gets a bounded number of generated requests (``YIZHAN_FUZZ_EXAMPLES``,
30 by default), valid and invalid by the schema, with an admin's token, on a database
holding one station that some requests aim at, so that bodies reach the code behind
the checks. The run is bounded by the number of examples, not timed (speed is bench/'s).
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.helpers.staff import station

EXAMPLES = int(os.environ.get("YIZHAN_FUZZ_EXAMPLES", "30"))
SKIP = {("POST", "/api/v1/auth/logout")}  # would end the token the other calls use


def test_generated_requests_never_get_a_server_error(live_server, admin, client) -> None:
    sid = client.post("/api/v1/stations", json=station(), headers=admin).json()["id"]
    schema = schemathesis.openapi.from_url(f"{live_server}/openapi.json")
    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIP:
            continue

        strategies = [
            operation.as_strategy(),
            operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
        ]
        if "{station_id}" in operation.path:  # also aim at the station that exists
            strategies.append(
                operation.as_strategy(
                    path_parameters={"station_id": sid}, headers={"If-Match": 'W/"1"'}
                )
            )

        @given(case=st.one_of(strategies))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            response = case.call(base_url=live_server, headers=admin, timeout=10)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{response.text[:200]} (body {case.body!r:.200})"
                )

        check()
    assert not failures, "\n".join(failures[:10])
