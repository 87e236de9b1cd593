"""The incentives' API: GET /api/v1/incentives/ (what the caller sees; the read audited) and POST
(propose), with a token, the same rules and wall as the pages."""

from __future__ import annotations

import pytest

from tests.factories import AuditTrail
from vip.accounts.tokens import token_create
from vip.incentives.models import Incentive
from vip.incentives.tests.helpers import budget, paid, proposed

pytestmark = pytest.mark.django_db
URL = "/api/v1/incentives/"


@pytest.fixture
def tokens(world):
    return {
        role: token_create(actor=None, user=world[role], name="t")[1]
        for role in world
        if role not in {"own", "elsewhere", "nobody"}
    }


def _get(client, token, query=""):
    return client.get(URL + query, HTTP_AUTHORIZATION=f"Bearer {token}")


def _post(client, token, body):
    return client.post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_peer_lists_their_caseloads_incentives_with_the_note_and_the_read_is_audited(client, world, tokens) -> None:
    budget(world)
    payment = paid(world, note="Finished intake")
    paid(world, person="elsewhere")
    trail = AuditTrail()
    response = _get(client, tokens["peer"])
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": payment.incentive_id,
            "person": world["own"].pk,
            "milestone": "intake",
            "amount_cents": 2_500,
            "reached_on": "2022-11-01",
            "status": "approved",
            "note": "Finished intake",
            "paid_cents": 2_500,
        }
    ]
    event = trail.single()
    assert (event.action, event.changes["shown"]) == ("incentive.list_read", [payment.incentive_id])


def test_a_manager_lists_every_incentive_without_the_note_and_filters(client, world, tokens) -> None:
    budget(world)
    paid(world, note="Finished intake")
    proposed(world, "days_90", person="elsewhere")
    body = _get(client, tokens["manager"]).json()
    assert body["count"] == 2
    assert {row["note"] for row in body["results"]} == {None}
    assert _get(client, tokens["manager"], f"?person={world['elsewhere'].pk}").json()["count"] == 1
    assert _get(client, tokens["manager"], "?status=proposed").json()["count"] == 1
    assert _get(client, tokens["manager"], "?status=paid").status_code == 400
    assert _get(client, tokens["manager"], "?person=x").status_code == 400


@pytest.mark.parametrize("role", ["police", "analyst", "admin", "integration"])
def test_other_roles_are_refused(client, world, tokens, role) -> None:
    budget(world)
    paid(world, note="Finished intake")
    response = _get(client, tokens[role])
    assert response.status_code == 403
    assert "Finished intake" not in response.content.decode()
    response = _post(
        client, tokens[role], {"person": world["own"].pk, "milestone": "intake", "reached_on": "2022-11-01"}
    )
    assert response.status_code == 404
    assert Incentive.objects.count() == 1


def test_a_peer_proposes_for_their_caseload_only(client, world, tokens) -> None:
    trail = AuditTrail()
    response = _post(
        client, tokens["peer"], {"person": world["own"].pk, "milestone": "safety_plan", "reached_on": "2022-11-01"}
    )
    assert response.status_code == 201, response.content
    assert (response.json()["amount_cents"], response.json()["status"]) == (2_500, "proposed")
    assert trail.single().action == "incentive.propose"
    response = _post(
        client,
        tokens["peer"],
        {"person": world["elsewhere"].pk, "milestone": "safety_plan", "reached_on": "2022-11-01"},
    )
    assert response.status_code == 404
    assert Incentive.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"milestone": "birthday"}, "milestone"),
        ({"reached_on": "2999-01-01"}, "reached_on"),
        ({"reached_on": "not a day"}, "reached_on"),
        ({"amount_cents": 1}, None),  # not taken: the amount is the profile's
    ],
)
def test_a_proposal_through_the_api_refuses_bad_fields_by_name(client, world, tokens, body, field) -> None:
    sent = {"person": world["own"].pk, "milestone": "intake", "reached_on": "2022-11-01", **body}
    response = _post(client, tokens["manager"], sent)
    if field is None:
        assert response.status_code == 201 and response.json()["amount_cents"] == 2_500
    else:
        assert response.status_code == 400
        assert field in response.json()
