"""schemathesis against the OpenAPI schema, with each role's token: no server error, no response
that breaks the schema, no peer-support content where it must not be."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection, positive_data_acceptance

# The committed schema (a test checks it is the one served): loading it needs no database.
schema = schemathesis.openapi.from_path(Path(__file__).parents[4] / "docs" / "openapi.yaml")
APP = get_wsgi_application()
ROLES = ("peer", "police", "manager", "analyst", "admin", "integration")
CANARY = "FUZZ-CANARY-NOTE"


@pytest.fixture
def keep_connection():
    """Like Django's test client: requests must not close the test's database connection."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def role_tokens(program, make_user, keep_connection):
    import datetime as dt

    from vip.accounts.tokens import token_create
    from vip.casework.services import case_note_write
    from vip.notifications.services import attempt_record
    from vip.people.services import person_assign_peer, person_create

    tokens = {}
    users = {}
    for role in ROLES:
        users[role] = make_user(role, second_factor=False)
        tokens[role] = token_create(actor=None, user=users[role], name="fuzz")[1]
    person = person_assign_peer(
        actor=None, person=person_create(actor=None, first_name="Ana", last_name="García"), peer=users["peer"]
    )
    attempt_record(
        actor=users["peer"],
        person=person,
        attempted_at=dt.datetime(2022, 11, 3, 18, tzinfo=dt.UTC),
        outcome="delivered",
        team={"peer_support"},
        notes=CANARY,
    )
    case_note_write(actor=users["peer"], person=person, text=CANARY)
    return tokens


@pytest.mark.django_db
@schema.parametrize()
# Derandomised: the suite gives the same cases on every run and every machine, so a red build
# means a change, not a draw. VIP_FUZZ_RANDOM=1 explores afresh (the hostile run does, with
# more examples: VIP_FUZZ_EXAMPLES); what it finds becomes a fixed test (see test_api.py).
@settings(
    max_examples=int(os.environ.get("VIP_FUZZ_EXAMPLES", "15")),
    derandomize=os.environ.get("VIP_FUZZ_RANDOM") != "1",
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_row_32_api_survives_fuzzing_as_every_role(case, role_tokens) -> None:
    for role, token in role_tokens.items():
        response = case.call(app=APP, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, f"{role}: {case.method} {case.formatted_path} -> {response.status_code}"
        # What is checked: no server error, and every response (status, content type, body) as the
        # schema says. Not checked: every call carries a valid token on purpose (no token is tested
        # in test_sign_in); unknown query parameters are ignored by design; and rules the schema
        # cannot state (an incident in year 1, a key already received) answer 400/409 with reasons.
        case.validate_response(
            response, excluded_checks=[ignored_auth, negative_data_rejection, positive_data_acceptance]
        )
        if role != "peer":
            assert CANARY not in response.text, f"{role} saw peer-support content"
