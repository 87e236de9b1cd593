"""The incentives' pages, as each role: the list, the approvals queue, one incentive and its steps,
proposing, budgets, the finance export and the case file's card.

A page about one incentive, payment or person is a 404 for a reader who may not see it or take
its step, and the refusal is on record; a valid form writes through the service; a refused one
comes back with the reason and writes nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from tests.factories import AuditTrail
from vip.core.config import program_today
from vip.incentives.figures import fiscal_year_of
from vip.incentives.models import Incentive, IncentiveBudget, IncentivePayment
from vip.incentives.tests.helpers import FY, NOV_1, approved, budget, paid, proposed

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _text(response) -> str:
    return response.content.decode()


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_shows_what_the_reader_sees_and_the_total_paid(client, world) -> None:
    budget(world)
    paid(world, "intake")
    paid(world, "days_90", person="elsewhere")
    trail = AuditTrail()
    page = _text(_as(client, world["peer"]).get("/incentives/"))
    assert "Ana Quintana" in page and "Luis Otero" not in page
    assert "Paid net for the incentives shown by these filters: $25.00" in page
    assert [e.action for e in trail.events()] == ["incentive.list_read"]
    page = _text(_as(client, world["manager"]).get("/incentives/"))
    assert "Ana Quintana" in page and "Luis Otero" in page
    assert "$125.00" in page
    assert "Finance export" in page  # the managers' download form


def test_the_list_filters_by_status_milestone_fiscal_year_and_person(client, world) -> None:
    budget(world)
    approved(world, "intake")
    proposed(world, "days_90", person="elsewhere")
    proposed(world, "job_or_school", reached_on=dt.date(2021, 3, 1))  # FY2021
    client = _as(client, world["manager"])

    def rows(query: str) -> int:  # the incentives listed: each links to its page
        return len(re.findall(r'href="/incentives/\d+/"', _text(client.get(f"/incentives/?{query}"))))

    assert rows("") == 3
    assert rows("status=proposed") == 2
    assert rows("milestone=intake") == 1
    assert rows(f"fiscal_year={FY}") == 2
    assert rows("fiscal_year=2020") == 1
    assert rows("q=otero") == 1
    assert rows(f"q={world['own'].key}") == 2
    assert rows(f"person={world['elsewhere'].pk}") == 1
    assert "These filters were not understood" in _text(client.get("/incentives/?status=paid&fiscal_year=x"))


@pytest.mark.parametrize("role", ["police", "analyst", "admin", "integration"])
def test_the_list_approvals_budgets_and_export_refuse_other_roles(client, world, role) -> None:
    client = _as(client, world[role])
    for url in ("/incentives/", "/incentives/approvals/", "/incentives/budgets/", "/incentives/finance.csv"):
        assert client.get(url).status_code == 403, url


# --- one incentive ------------------------------------------------------------------------------------


def test_a_peer_reads_their_persons_incentive_with_the_note_and_the_read_is_audited(client, world) -> None:
    budget(world)
    incentive = proposed(world, note="Finished intake with his aunt")
    trail = AuditTrail()
    page = _text(_as(client, world["peer"]).get(f"/incentives/{incentive.pk}/"))
    assert "Finished intake with his aunt" in page
    assert "Withdraw the proposal" in page
    assert "Save the decision" not in page and "Record the payment" not in page
    event = trail.single()
    assert (event.action, event.outcome, event.object_id) == ("incentive.read", "success", str(incentive.pk))


def test_a_manager_reads_it_without_the_note_and_decides(client, world) -> None:
    budget(world)
    incentive = proposed(world, note="Finished intake with his aunt")
    page = _text(_as(client, world["manager"]).get(f"/incentives/{incentive.pk}/"))
    assert "Finished intake with his aunt" not in page
    assert "kept with the peer support worker" in page
    assert "Save the decision" in page
    assert "$1,000.00 of $1,000.00 (FY2023)" in page  # the budget left


@pytest.mark.parametrize(("role", "who"), [("other_peer", "peer"), ("police", "police"), ("analyst", "analyst")])
def test_an_incentive_is_a_404_for_who_does_not_see_it_and_the_refusal_is_on_record(client, world, role, who) -> None:
    budget(world)
    payment = paid(world)
    trail = AuditTrail()
    client = _as(client, world[role])
    for url in (
        f"/incentives/{payment.incentive_id}/",
        f"/incentives/{payment.incentive_id}/decide/",
        f"/incentives/{payment.incentive_id}/pay/",
        f"/incentives/{payment.incentive_id}/withdraw/",
        f"/incentives/payments/{payment.pk}/reverse/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Quintana" not in _text(response)
    assert {(e.outcome, e.actor_role) for e in trail.events()} == {("denied", who)}


def test_a_manager_approves_from_the_queue_but_never_their_own_proposal(client, world) -> None:
    budget(world)
    theirs = proposed(world)
    mine = proposed(world, "days_90", actor=world["manager"])
    client = _as(client, world["manager"])
    queue = _text(client.get("/incentives/approvals/"))
    assert queue.count('name="decision" value="approve"') == 1
    assert "You proposed it: another manager decides." in queue
    assert "$1,000.00" in queue  # the budget left
    response = client.post(
        f"/incentives/{theirs.pk}/decide/", {"decision": "approve", "version": 1, "next": "/incentives/approvals/"}
    )
    assert (response.status_code, response["Location"]) == (302, "/incentives/approvals/")
    assert Incentive.objects.get(pk=theirs.pk).status == "approved"
    response = client.post(f"/incentives/{mine.pk}/decide/", {"decision": "approve", "version": 1})
    assert response.status_code == 200
    assert "You proposed this incentive: another manager decides on it." in _text(response)
    assert Incentive.objects.get(pk=mine.pk).status == "proposed"


def test_a_decision_over_the_budget_comes_back_with_the_reason(client, world) -> None:
    budget(world, 2_000)
    incentive = proposed(world)
    response = _as(client, world["manager"]).post(
        f"/incentives/{incentive.pk}/decide/", {"decision": "approve", "version": 1}
    )
    assert response.status_code == 200
    assert "would exceed the FY2023 budget" in _text(response)
    assert Incentive.objects.get(pk=incentive.pk).status == "proposed"


def test_a_stale_decision_is_a_conflict_on_the_form(client, world) -> None:
    budget(world)
    incentive = proposed(world)
    client = _as(client, world["manager"])
    client.post(f"/incentives/{incentive.pk}/decide/", {"decision": "decline", "reason": "early", "version": 1})
    response = client.post(f"/incentives/{incentive.pk}/decide/", {"decision": "approve", "version": 1})
    assert "changed by someone else" in _text(response)
    assert Incentive.objects.get(pk=incentive.pk).status == "declined"


def test_a_manager_pays_reverses_and_pays_again(client, world) -> None:
    budget(world)
    incentive = approved(world)
    client = _as(client, world["manager"])
    response = client.post(
        f"/incentives/{incentive.pk}/pay/", {"paid_on": "2022-11-10", "method": "gift_card", "reference": "GC 88"}
    )
    assert response.status_code == 302
    payment = IncentivePayment.objects.get()
    page = _text(client.get(f"/incentives/{incentive.pk}/"))
    assert "GC 88" in page and "+$25.00" in page and "Reverse…" in page
    response = client.post(f"/incentives/payments/{payment.pk}/reverse/", {"reason": ""})
    assert response.status_code == 200  # the reason is needed
    assert IncentivePayment.objects.count() == 1
    client.post(f"/incentives/payments/{payment.pk}/reverse/", {"reason": "Card never activated"})
    page = _text(client.get(f"/incentives/{incentive.pk}/"))
    assert "-$25.00" in page and "reverses the payment of 2022-11-10: Card never activated" in page
    assert "Reverse…" not in page and "Record the payment of $25.00" in page
    client.post(f"/incentives/{incentive.pk}/pay/", {"paid_on": "2022-11-12", "method": "cash"})
    assert sum(IncentivePayment.objects.values_list("amount_cents", flat=True)) == 2_500


def test_a_peer_withdraws_their_proposal(client, world) -> None:
    incentive = proposed(world)
    response = _as(client, world["peer"]).post(f"/incentives/{incentive.pk}/withdraw/", {"version": 1, "reason": ""})
    assert response.status_code == 302
    assert Incentive.objects.get(pk=incentive.pk).status == "withdrawn"
    page = _text(client.get(f"/incentives/{incentive.pk}/"))
    assert "Withdrawn" in page and "Withdraw the proposal" not in page


@pytest.mark.parametrize("step", ["decide", "pay"])
def test_a_peer_may_not_decide_or_pay(client, world, step) -> None:
    budget(world)
    incentive = approved(world) if step == "pay" else proposed(world)
    response = _as(client, world["peer"]).post(
        f"/incentives/{incentive.pk}/{step}/",
        {"decision": "approve", "version": 1, "paid_on": "2022-11-10", "method": "cash"},
    )
    assert response.status_code == 404
    assert IncentivePayment.objects.count() == 0
    assert Incentive.objects.get(pk=incentive.pk).decided_by_id in {None, world["manager"].pk}


# --- proposing -----------------------------------------------------------------------------------------


def test_a_peer_proposes_from_the_form_with_the_profiles_milestones(client, world) -> None:
    client = _as(client, world["peer"])
    url = f"/incentives/people/{world['own'].pk}/propose/"
    page = _text(client.get(url))
    assert "Safety plan made ($25.00)" in page and "Started a job or school ($150.00)" in page
    response = client.post(
        url, {"milestone": "job_or_school", "reached_on": "2022-11-01", "note": "Started at the bakery"}
    )
    assert (response.status_code, response["Location"]) == (302, f"/people/{world['own'].pk}/")
    incentive = Incentive.objects.get()
    assert (incentive.amount_cents, incentive.note, incentive.recorded_by_id) == (
        15_000,
        "Started at the bakery",
        world["peer"].pk,
    )
    response = client.post(url, {"milestone": "job_or_school", "reached_on": "2022-11-01"})
    assert "a milestone is paid once" in _text(response)
    response = client.post(url, {"milestone": "intake", "reached_on": "2999-01-01"})
    assert Incentive.objects.count() == 1


def test_proposing_in_spanish_shows_the_profiles_spanish_names(client, world) -> None:
    client = _as(client, world["peer"])
    page = _text(client.get(f"/incentives/people/{world['own'].pk}/propose/", headers={"Accept-Language": "es"}))
    assert "Plan de seguridad hecho ($25.00)" in page


@pytest.mark.parametrize(("role", "person"), [("peer", "elsewhere"), ("police", "own"), ("analyst", "own")])
def test_proposing_is_a_404_for_who_may_not(client, world, role, person) -> None:
    trail = AuditTrail()
    url = f"/incentives/people/{world[person].pk}/propose/"
    assert _as(client, world[role]).get(url).status_code == 404
    assert _as(client, world[role]).post(url, {"milestone": "intake", "reached_on": "2022-11-01"}).status_code == 404
    assert Incentive.objects.count() == 0
    assert {e.outcome for e in trail.events()} == {"denied"}


# --- budgets and the export ------------------------------------------------------------------------------


def test_a_manager_sets_and_changes_a_budget_on_the_page(client, world) -> None:
    year = fiscal_year_of(program_today())  # the page offers this year, the next and two before
    client = _as(client, world["manager"])
    page = _text(client.get("/incentives/budgets/"))
    assert "Set a budget" in page and "not set" in page  # this fiscal year's line, without a budget
    response = client.post("/incentives/budgets/", {"fiscal_year": year, "amount": "1500.00", "note": "Council"})
    assert response.status_code == 302
    assert IncentiveBudget.objects.get().amount_cents == 150_000
    page = _text(client.get("/incentives/budgets/"))
    assert f'<option value="{year}"' not in page  # a new budget: only the years without one
    assert f'<option value="{year + 1}"' in page
    page = _text(client.get(f"/incentives/budgets/?year={year}"))
    assert page.count("<option") == 1 and f'<option value="{year}" selected>' in page
    assert "Change a budget" in page and 'name="version" value="1"' in page and "$1,500.00" in page
    response = client.post("/incentives/budgets/", {"fiscal_year": year, "amount": "1600", "version": 1})
    assert IncentiveBudget.objects.get().amount_cents == 160_000
    response = client.post("/incentives/budgets/", {"fiscal_year": year, "amount": "1700", "version": 1})
    assert response.status_code == 400 and "changed by someone else" in _text(response)
    assert IncentiveBudget.objects.get().amount_cents == 160_000


def test_a_peer_reads_the_budgets_but_sets_none(client, world) -> None:
    budget(world, 50_000)
    paid(world)
    client = _as(client, world["peer"])
    page = _text(client.get("/incentives/budgets/"))
    assert "$500.00" in page and "$475.00" in page  # the budget and what is left
    assert "Set a budget" not in page
    assert client.post("/incentives/budgets/", {"fiscal_year": FY, "amount": "1"}).status_code == 403
    assert IncentiveBudget.objects.get().amount_cents == 50_000


def test_the_finance_export_downloads_for_a_manager(client, world) -> None:
    budget(world)
    paid(world)
    client = _as(client, world["manager"])
    response = client.get("/incentives/finance.csv?from=2022-11-01&to=2022-11-30")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="incentive-payments-2022-11-01-2022-11-30.csv"' in response["Content-Disposition"]
    assert response.content.decode().count("\r\n") == 2
    assert client.get("/incentives/finance.csv").status_code == 200  # the form
    response = client.get("/incentives/finance.csv?from=2022-11-30&to=2022-11-01")
    assert response.status_code == 400 and "The period ends before it starts." in _text(response)
    assert client.get("/incentives/finance.csv?from=junk&to=2022-11-01").status_code == 400
    assert _as(client, world["peer"]).get("/incentives/finance.csv?from=2022-11-01&to=2022-11-30").status_code == 403


# --- the case file's card --------------------------------------------------------------------------------


def _card(world, role: str, person: str = "own") -> str:
    request = RequestFactory().get("/")
    request.user = world[role]
    return Template("{% load incentives_tags %}{% incentives_card person %}").render(
        Context({"request": request, "person": world[person]})
    )


def test_the_card_shows_the_persons_incentives_as_the_reader_sees_them(world) -> None:
    budget(world)
    paid(world, "intake")
    proposed(world, "days_90")
    card = _card(world, "peer")
    assert "Intake and needs assessment completed" in card and "90 days engaged without violence" in card
    assert "Paid net in all: $25.00" in card
    assert "Propose an incentive" in card and 'id="incentive-milestone"' in card
    manager = _card(world, "manager")
    assert "Paid net in all: $25.00" in manager and "Propose an incentive" in manager
    assert "Propose an incentive" not in _card(world, "other_peer")  # sees no incentive of this person
    assert "90 days" not in _card(world, "other_peer")
    for role in ("police", "analyst", "admin"):
        assert _card(world, role).strip() == ""


def test_the_case_file_carries_the_card(client, world) -> None:
    from vip.core.models import ServiceCategory
    from vip.service_referrals.services import service_referral_create

    # A person with a service referral too: the case file shows the card whatever else it holds.
    service_referral_create(
        actor=world["peer"],
        person=world["own"],
        category=ServiceCategory.objects.get(code="housing"),
        referred_on=NOV_1,
    )
    budget(world)
    paid(world)
    assert "Paid net in all: $25.00" in _text(_as(client, world["peer"]).get(f"/people/{world['own'].pk}/"))
    page = _text(_as(client, world["police"]).get(f"/people/{world['own'].pk}/"))
    assert "Paid net in all" not in page and "Intake and needs assessment completed" not in page
