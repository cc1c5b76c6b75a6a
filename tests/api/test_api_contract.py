"""Contract tests generated from the OpenAPI document (schemathesis): every operation, fed generated valid and
invalid input inside an engagement the token may write to, never answers with a server error. The run is kept
small (a few examples per operation) so the whole file takes well under two minutes."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from app.services.api_tokens import create_token
from app.services.catalog.elements import save_element


@pytest.fixture
def api_schema(app):
    # The coverage phase alone sends dozens of boundary cases per operation; generated cases suffice here.
    config = SchemathesisConfig.from_dict({"seed": 24, "generation": {"mode": "all"},
                                          "phases": {"coverage": {"enabled": False}}})
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def seeded(session, user, engagement):
    """A token, and an engagement holding a system so reads and writes reach real rows."""
    save_element(session, engagement, "system", {"name": "Order hub", "category": "oms"})
    secret = create_token(session, user, "contract").secret
    session.commit()
    return engagement.id, secret


@schema.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_operation_answers_with_a_server_error(case, seeded):
    eid, secret = seeded
    if "eid" in (case.path_parameters or {}):
        case.path_parameters["eid"] = eid
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=[not_a_server_error])
