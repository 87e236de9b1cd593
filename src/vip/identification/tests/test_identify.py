"""The published criteria on hand-built networks: each rule, its window edges, the two-step
rule, the reasons attached, proposals, review by a second person, expiry and re-validation."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied, ValidationError

from vip.audit.models import AuditEvent
from vip.identification.choices import CandidateStatus
from vip.identification.criteria import CriteriaError, built_in, criteria_in_force, parse
from vip.identification.engine import identify
from vip.identification.models import Candidate, Incident
from vip.identification.services import (
    candidate_decide,
    candidate_revalidate,
    candidates_expire,
    criteria_publish,
    identify_propose,
    incident_record,
    involvement_add,
    review_identify,
    shooting_review_create,
)
from vip.outcomes.services import outcome_record
from vip.people.models import Person
from vip.people.services import person_create

DENVER = ZoneInfo("America/Denver")
D = dt.date(2026, 11, 1)  # the as-of date of every test


@pytest.fixture
def team(program, make_user) -> dict[str, Any]:
    return {
        "police": make_user("police"),
        "manager": make_user("manager"),
        "manager2": make_user("manager"),
        "peer": make_user("peer"),
    }


class City:
    """Hand-built police data: people by name, incidents by key, days counted back from D."""

    def __init__(self, police: Any) -> None:
        self.police = police
        self.people: dict[str, Person] = {}

    def person(self, name: str) -> Person:
        if name not in self.people:
            self.people[name] = person_create(actor=None, first_name=name, last_name="Test", key=f"P-{name}")
        return self.people[name]

    def incident(self, key: str, days_ago: int, type: str = "shooting", **roles: str | list[str]) -> Incident:
        """``roles`` maps a role to one name or a list of names, e.g. victim="a", suspect=["b", "c"]."""
        when = dt.datetime.combine(D - dt.timedelta(days=days_ago), dt.time(23, 30), tzinfo=DENVER)
        incident = incident_record(actor=self.police, key=key, occurred_at=when, type=type)
        for role, names in roles.items():
            for name in [names] if isinstance(names, str) else names:
                involvement_add(actor=self.police, incident=incident, person=self.person(name), role=role)
        return incident


@pytest.fixture
def city(team) -> City:
    return City(team["police"])


def met(as_of: dt.date = D) -> dict[str, set[str]]:
    """Person key -> the criteria met."""
    result = identify(as_of=as_of)
    return {key: {f.criterion for f in findings} for key, findings in result.findings.items()}


def test_the_built_in_criteria_are_the_published_version_one(program) -> None:
    criteria = criteria_in_force()
    assert criteria.version == "1"
    assert [c.code for c in criteria.criteria] == [
        "shot_recent",
        "shooting_suspect",
        "network_shot",
        "repeat_shootings",
    ]
    assert criteria.by_code("shot_recent").days == 90
    assert criteria.by_code("shooting_suspect").days == 180
    assert criteria.by_code("network_shot").steps == 2


def test_shot_in_the_last_90_days_counts_day_89_not_day_90(city) -> None:
    city.incident("S-IN", 89, victim="inside")
    city.incident("S-OUT", 90, victim="outside")
    city.incident("S-TODAY", 0, victim="today")
    city.incident("S-FUTURE", -1, victim="tomorrow")
    city.incident("A-1", 5, type="aggravated_assault", victim="assaulted")
    city.incident("S-W", 5, witness="witness")
    found = met()
    assert found["P-inside"] == {"shot_recent"}
    assert found["P-today"] == {"shot_recent"}
    for name in ("outside", "tomorrow", "assaulted", "witness"):
        assert f"P-{name}" not in found
    # The window moves with the date: a day later the 89-day-old shooting is 90 days old.
    assert "P-inside" not in met(D + dt.timedelta(days=1))


def test_homicide_counts_as_a_shooting_type(city) -> None:
    city.incident("H-1", 10, type="homicide", victim="h_victim", suspect="h_suspect")
    found = met()
    assert found["P-h_victim"] == {"shot_recent"}
    assert "shooting_suspect" in found["P-h_suspect"]


def test_suspect_or_arrestee_in_a_shooting_in_the_last_180_days(city) -> None:
    city.incident("S-1", 179, victim="v1", suspect="sus_in")
    city.incident("S-2", 180, victim="v2", suspect="sus_out")
    city.incident("S-3", 100, victim="v3", arrestee="arrested")
    city.incident("R-1", 10, type="robbery", victim="v4", suspect="robber")
    found = met()
    assert "shooting_suspect" in found["P-sus_in"]
    assert "shooting_suspect" in found["P-arrested"]
    assert "P-sus_out" not in found
    assert "P-robber" not in found or "shooting_suspect" not in found["P-robber"]


def test_two_or_more_shootings_in_a_year_counts_day_364_not_365(city) -> None:
    city.incident("S-A", 200, associate=["twice", "edge", "once"])
    city.incident("S-B", 364, associate=["twice"])
    city.incident("S-C", 365, associate=["edge"])
    city.incident("S-D", 300, witness=["witnessed"])
    city.incident("S-E", 310, witness=["witnessed"])
    found = met()
    assert found["P-twice"] == {"repeat_shootings"}
    assert "P-edge" not in found  # its second shooting is 365 days old: outside
    assert "P-once" not in found
    assert "P-witnessed" not in found  # witnesses never count


def test_the_two_step_rule_on_a_chain(city) -> None:
    # shot -- one (robbery) -- two (assault) -- three (assault): one and two steps only.
    city.incident("S-SEED", 30, victim="seed")
    city.incident("R-1", 100, type="robbery", suspect="seed", associate="one")
    city.incident("A-2", 200, type="aggravated_assault", victim="one", suspect="two")
    city.incident("A-3", 250, type="aggravated_assault", victim="two", suspect="three")
    found = met()
    assert found["P-one"] == {"network_shot"}
    assert found["P-two"] == {"network_shot"}
    assert "P-three" not in found  # three steps away
    assert found["P-seed"] == {"shot_recent"}  # not one's own seed


def test_the_network_window_edges_and_witnesses(city) -> None:
    city.incident("S-SEED", 30, victim="seed")
    city.incident("O-IN", 364, type="other", suspect="seed", associate="linked_in")
    city.incident("O-OUT", 365, type="other", suspect="seed", associate="linked_out")
    city.incident("O-W", 10, type="other", suspect="seed", witness="only_witness")
    found = met()
    assert found["P-linked_in"] == {"network_shot"}
    assert "P-linked_out" not in found
    assert "P-only_witness" not in found


def test_a_seed_shot_91_days_ago_links_nobody(city) -> None:
    city.incident("S-OLD", 90, victim="old_seed")
    city.incident("O-1", 10, type="other", suspect="old_seed", associate="friend")
    assert "P-friend" not in met()


def test_reasons_carry_every_rule_and_their_records(city) -> None:
    city.incident("22-104455", 20, victim="many", suspect="shooter")
    city.incident("22-104999", 150, suspect="many", victim="other")
    city.incident("22-200000", 60, type="other", associate=["many", "friend"])
    city.incident("22-300000", 5, victim="friend")
    result = identify(as_of=D)
    findings = {f.criterion: f for f in result.findings["P-many"] if not f.people}
    assert set(findings) == {"shot_recent", "shooting_suspect", "repeat_shootings"}
    shot = findings["shot_recent"]
    assert shot.incidents == ("22-104455",)
    assert "2026-10-12" in shot.text and "22-104455" in shot.text and "victim" in shot.text
    assert findings["shooting_suspect"].incidents == ("22-104999",)
    assert findings["repeat_shootings"].incidents == ("22-104455", "22-104999")
    network = [f for f in result.findings["P-many"] if f.people]
    # Linked to "friend" (shot 5 days ago) through 22-200000, and to the shooter and "other".
    by_seed = {f.people[0]: f for f in network}
    assert set(by_seed) == {"P-friend"}  # the other people linked to "many" were not shot
    assert by_seed["P-friend"].incidents == ("22-300000",)
    assert "22-200000" in by_seed["P-friend"].text and "1 step" in by_seed["P-friend"].text
    # The shooter is one step from "many" (shot), through the shooting itself.
    shooter = {f.criterion for f in result.findings["P-shooter"]}
    assert shooter == {"shooting_suspect", "network_shot"}


def test_people_known_dead_are_not_proposed_but_still_link(city) -> None:
    city.incident("H-1", 10, type="homicide", victim="killed")
    outcome_record(
        actor=city.police, person=city.person("killed"), occurred_on=D - dt.timedelta(days=10), type="killed"
    )
    city.incident("O-1", 40, type="other", associate=["killed", "brother"])
    result = identify(as_of=D)
    assert "P-killed" not in result.findings
    assert result.excluded_deceased == 1
    assert {f.criterion for f in result.findings["P-brother"]} == {"network_shot"}


def test_a_recorded_day_of_death_counts_as_known_dead(city) -> None:
    from vip.people.services import person_update

    city.incident("S-1", 10, victim="died_later", suspect="alive")
    someone = Person.objects.get(pk=city.person("died_later").pk)
    person_update(actor=None, person=someone, expected_version=someone.version, died_on=D - dt.timedelta(days=2))
    result = identify(as_of=D)
    assert "P-died_later" not in result.findings and "P-alive" in result.findings
    assert result.excluded_deceased == 1
    assert "P-died_later" in identify(as_of=D - dt.timedelta(days=3)).findings  # not yet dead then


def test_proposals_are_reviewed_by_a_second_person_and_expire(city, team) -> None:
    city.incident("S-1", 10, victim="victim", suspect="suspect")
    summary = identify_propose(actor=team["manager"], result=identify(as_of=D))
    assert summary.proposed == 2
    victim = Candidate.objects.get(person=city.person("victim"))
    assert victim.status == CandidateStatus.PROPOSED and victim.proposed_by is None
    assert victim.criteria_version == "1"
    assert victim.score == built_in().score({"shot_recent"}) == 4
    # The suspect is one step from the victim, through the shooting itself.
    assert Candidate.objects.get(person=city.person("suspect")).score == 3 + 1
    reason = victim.reasons.get(criterion="shot_recent")
    assert reason.source_type == "identification.incident" and reason.source_ids == ["S-1"]
    # Run again: nothing new (an open proposal is not proposed twice).
    assert identify_propose(actor=team["manager"], result=identify(as_of=D)).already_open == 2
    # Police never decide; a manager decides, with a reason.
    with pytest.raises(PermissionDenied):
        candidate_decide(actor=team["police"], candidate=victim, approve=True, reason="ok")
    with pytest.raises(ValidationError, match="reason"):
        candidate_decide(actor=team["manager2"], candidate=victim, approve=True, reason=" ")
    # The manager who ran the criteria proposed them: another manager decides (row 44).
    with pytest.raises(ValidationError, match="cannot also approve"):
        candidate_decide(actor=team["manager"], candidate=victim, approve=True, reason="meets the criteria")
    victim = candidate_decide(actor=team["manager2"], candidate=victim, approve=True, reason="meets the criteria")
    suspect = Candidate.objects.get(person=city.person("suspect"))
    candidate_decide(actor=team["manager2"], candidate=suspect, approve=False, reason="already in custody")
    # Declined: not proposed again on the same records, proposed again on a new one.
    again = identify_propose(actor=team["manager"], result=identify(as_of=D))
    assert again.declined_before == 1 and again.proposed == 0
    city.incident("S-2", 3, suspect="suspect", victim="new_victim")
    again = identify_propose(actor=team["manager"], result=identify(as_of=D))
    assert again.proposed == 2  # the suspect on the new shooting, and its victim
    # Re-validation extends an approval; without it, it expires.
    assert victim.expires_on is not None
    assert candidates_expire(actor=None, today=victim.expires_on, proposal_days=10_000) == 0
    assert candidates_expire(actor=None, today=victim.expires_on + dt.timedelta(days=1), proposal_days=10_000) == 1
    assert Candidate.objects.get(pk=victim.pk).status == CandidateStatus.EXPIRED


def test_an_unreviewed_proposal_expires_after_the_published_days(city, team) -> None:
    city.incident("S-1", 10, victim="waiting")
    identify_propose(actor=team["manager"], result=identify(as_of=D))
    candidate = Candidate.objects.get()
    proposed_on = candidate.proposed_at.astimezone(DENVER).date()
    days = criteria_in_force().proposal_expiry_days
    assert candidates_expire(actor=None, today=proposed_on + dt.timedelta(days=days - 1)) == 0
    assert candidates_expire(actor=None, today=proposed_on + dt.timedelta(days=days)) == 1


def test_self_approval_and_self_revalidation_are_refused(city, team) -> None:
    review = shooting_review_create(actor=team["manager"], held_on=D)
    incident = city.incident("S-1", 3, victim="named")
    review_identify(
        actor=team["manager"],
        review=review,
        person=city.person("named"),
        incident=incident,
        role="victim",
        decision="propose_candidate",
    )
    candidate = Candidate.objects.get(person=city.person("named"))
    assert candidate.proposed_by == team["manager"]
    reason = candidate.reasons.get()
    assert reason.source_type == "identification.reviewidentification" and "S-1" in reason.text
    with pytest.raises(ValidationError, match="cannot also approve"):
        candidate_decide(actor=team["manager"], candidate=candidate, approve=True, reason="ok")
    candidate = candidate_decide(actor=team["manager2"], candidate=candidate, approve=True, reason="seen at review")
    with pytest.raises(ValidationError, match="cannot also re-validate"):
        candidate_revalidate(actor=team["manager"], candidate=candidate, reason="still at risk")
    before = candidate.expires_on
    candidate = candidate_revalidate(actor=team["manager2"], candidate=candidate, reason="still at risk")
    assert candidate.revalidated_by == team["manager2"]
    assert candidate.expires_on is not None and before is not None and candidate.expires_on >= before
    assert AuditEvent.objects.filter(action="candidate.revalidate", object_id=str(candidate.pk)).exists()


def test_only_managers_run_the_criteria(city, team) -> None:
    for role in ("police", "peer"):
        with pytest.raises(PermissionDenied):
            identify_propose(actor=team[role], result=identify(as_of=D))


def test_publishing_a_new_version_is_checked_and_audited(program, team) -> None:
    text = built_in().source.replace('version = "1"', 'version = "2"').replace("days = 90", "days = 60")
    with pytest.raises(PermissionDenied):
        criteria_publish(actor=team["police"], text=text)
    criteria_publish(actor=team["manager"], text=text, name="v2.toml")
    assert criteria_in_force().version == "2"
    assert criteria_in_force().by_code("shot_recent").days == 60
    with pytest.raises(ValidationError, match="already published"):
        criteria_publish(actor=team["manager"], text=text)
    assert AuditEvent.objects.filter(action="criteria.publish").count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("days = 90", "days = 0"), "criteria 'shot_recent': 'days' must be between"),
        (('roles = ["victim"]', 'roles = ["bystander"]'), "unknown value(s) ['bystander']"),
        (('seed = "shot_recent"', 'seed = "nothing"'), "'seed' must name an involvement criterion"),
        (('kind = "network"', 'kind = "score"'), "'kind' must be one of"),
        (("weight = 4", "weight = 4\nopaque_score = 1"), "unknown key 'opaque_score'"),
        (("proposal_expiry_days = 30", "proposal_expiry_days = 0"), "'proposal_expiry_days' must be between"),
    ],
)
def test_a_bad_criteria_document_names_the_file_and_key(change: tuple[str, str], message: str) -> None:
    text = built_in().source.replace(*change)
    with pytest.raises(CriteriaError) as caught:
        parse(text, name="v2.toml")
    assert str(caught.value).startswith("v2.toml")
    assert message in str(caught.value)


def test_vip_identify_prints_a_summary_and_proposes(city, team) -> None:
    from vip.cli import main

    city.incident("S-1", 2, victim="cli_victim", suspect="cli_suspect")
    runner = CliRunner()
    dry = runner.invoke(main, ["identify", "--as-of", D.isoformat(), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "shot_recent" in dry.output and "people meeting at least one criterion: 2" in dry.output
    assert not Candidate.objects.exists()
    done = runner.invoke(main, ["identify", "--as-of", D.isoformat()])
    assert done.exit_code == 0, done.output
    assert "Proposed 2 for review" in done.output
    assert Candidate.objects.count() == 2
    refused = runner.invoke(main, ["identify", "--as", team["police"].username])
    assert refused.exit_code == 1 and "may not" in refused.output


# --- row 44: two-person approval on every path ---------------------------------------------------


@pytest.fixture
def managers(team, make_user) -> dict[str, Any]:
    return {"a": team["manager"], "b": team["manager2"], "c": make_user("manager")}


def _refused_everything(candidate: Candidate, account: Any) -> None:
    """``account`` may neither approve, decline nor (once approved) re-validate ``candidate``."""
    candidate = Candidate.objects.get(pk=candidate.pk)
    if candidate.status == CandidateStatus.PROPOSED:
        for approve in (True, False):
            with pytest.raises(ValidationError, match="cannot also approve or decline"):
                candidate_decide(actor=account, candidate=candidate, approve=approve, reason="mine")
    else:
        with pytest.raises(ValidationError, match="cannot also re-validate"):
            candidate_revalidate(actor=account, candidate=candidate, reason="mine")
    assert Candidate.objects.get(pk=candidate.pk).status == candidate.status


def _review_propose(actor: Any, person: Person, incident: Incident | None = None) -> None:
    review = shooting_review_create(actor=actor, held_on=D)
    review_identify(
        actor=actor, review=review, person=person, incident=incident, role="victim", decision="propose_candidate"
    )


def test_row_44_the_account_that_ran_the_criteria_never_decides_or_revalidates(city, managers) -> None:
    city.incident("S-1", 10, victim="victim")
    identify_propose(actor=managers["a"], result=identify(as_of=D))
    candidate = Candidate.objects.get(person=city.person("victim"))
    assert candidate.proposed_by is None  # the criteria proposed; the runner is its proposer all the same
    assert list(candidate.hands.values_list("account", "how")) == [(managers["a"].pk, "criteria_run")]
    _refused_everything(candidate, managers["a"])
    candidate = candidate_decide(actor=managers["b"], candidate=candidate, approve=True, reason="meets criteria")
    _refused_everything(candidate, managers["a"])
    candidate_revalidate(actor=managers["b"], candidate=candidate, reason="still at risk")


def test_row_44_a_shooting_review_proposal_on_an_existing_candidacy_makes_a_proposer(city, managers) -> None:
    incident = city.incident("S-1", 10, victim="victim")
    identify_propose(actor=None, result=identify(as_of=D))  # the operator: no account
    candidate = Candidate.objects.get(person=city.person("victim"))
    # Manager A names the person at the shooting review: the reason joins the open candidacy.
    _review_propose(managers["a"], city.person("victim"), incident)
    assert Candidate.objects.filter(person=city.person("victim")).count() == 1
    assert candidate.reasons.filter(source_type="identification.reviewidentification").count() == 1
    assert AuditEvent.objects.filter(action="candidate.reason_add", object_id=str(candidate.pk)).exists()
    _refused_everything(candidate, managers["a"])
    candidate = candidate_decide(actor=managers["b"], candidate=candidate, approve=True, reason="seen at review")
    _refused_everything(candidate, managers["a"])
    # B decided it; B names the person at a later review: B is a proposer now and may not re-validate.
    _review_propose(managers["b"], city.person("victim"))
    _refused_everything(candidate, managers["b"])
    candidate_revalidate(actor=managers["c"], candidate=Candidate.objects.get(pk=candidate.pk), reason="still")


def test_row_44_an_added_reason_makes_a_proposer(city, managers) -> None:
    from vip.identification.services import Reason, candidate_propose, candidate_reason_add

    person = city.person("someone")
    reason = Reason("manual", "named by the hospital", "referrals.referral", "R-1")
    candidate = candidate_propose(actor=managers["c"], person=person, reasons=[reason])
    candidate_reason_add(actor=managers["a"], candidate=candidate, reasons=[Reason("manual", "also", "x.y", "2")])
    _refused_everything(candidate, managers["a"])
    _refused_everything(candidate, managers["c"])
    candidate_decide(actor=managers["b"], candidate=candidate, approve=False, reason="not now")
    with pytest.raises(ValidationError, match="open candidacy"):
        candidate_reason_add(actor=managers["a"], candidate=candidate, reasons=[reason])


def test_row_44_decline_then_re_propose_keeps_every_proposer_out(city, managers) -> None:
    from vip.identification.services import Reason, candidate_propose

    person = city.person("again")
    first = candidate_propose(
        actor=managers["a"], person=person, reasons=[Reason("manual", "seen", "referrals.referral", "R-1")]
    )
    candidate_decide(actor=managers["b"], candidate=first, approve=False, reason="not enough")
    # A proposes the person again: still A's proposal.
    second = candidate_propose(
        actor=managers["a"], person=person, reasons=[Reason("manual", "seen again", "referrals.referral", "R-2")]
    )
    _refused_everything(second, managers["a"])
    candidate_decide(actor=managers["b"], candidate=second, approve=False, reason="still not enough")
    # The criteria (run by B) propose the person on a new shooting: A proposed this person before, and
    # B ran the criteria: a third manager decides.
    city.incident("S-9", 5, victim="again")
    identify_propose(actor=managers["b"], result=identify(as_of=D))
    third = Candidate.objects.get(person=person, status=CandidateStatus.PROPOSED)
    assert dict(third.hands.values_list("account", "how")) == {
        managers["a"].pk: "earlier_candidacy",
        managers["b"].pk: "criteria_run",
    }
    _refused_everything(third, managers["a"])
    _refused_everything(third, managers["b"])
    candidate_decide(actor=managers["c"], candidate=third, approve=True, reason="shot last week")


def test_row_44_the_candidate_page_refuses_a_proposer(city, managers, client) -> None:
    city.incident("S-1", 10, victim="victim")
    identify_propose(actor=managers["a"], result=identify(as_of=D))
    candidate = Candidate.objects.get(person=city.person("victim"))
    client.force_login(managers["a"])
    url = f"/identification/candidates/{candidate.pk}/"
    page = client.get(url).content.decode()
    assert "ran the criteria that proposed the person" in page
    response = client.post(url, {"form": "decide", "decide-decision": "approve", "decide-reason": "ok"})
    assert response.status_code == 200 and "cannot also approve or decline" in response.content.decode()
    assert Candidate.objects.get(pk=candidate.pk).status == CandidateStatus.PROPOSED


def test_row_44_the_database_refuses_a_proposer_as_decider(city, managers) -> None:
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from vip.identification.models import CandidateHand

    city.incident("S-1", 10, victim="victim")
    identify_propose(actor=managers["a"], result=identify(as_of=D))
    candidate = Candidate.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CandidateHand.objects.create(candidate=candidate, account=managers["a"], part="decided", at=timezone.now())


def test_row_44_the_migration_fills_the_hands_of_candidacies_already_recorded(city, managers, team) -> None:
    """Proposers, deciders, and the accounts whose criteria runs the audit trail names."""
    import importlib

    from django.apps import apps
    from django.db import transaction

    from vip.audit.services import audit_record
    from vip.identification.models import CandidateHand
    from vip.identification.services import Reason, candidate_propose

    candidate = candidate_propose(
        actor=team["police"], person=city.person("old"), reasons=[Reason("manual", "t", "x.y", "1")]
    )
    candidate_decide(actor=managers["a"], candidate=candidate, approve=True, reason="ok")
    with transaction.atomic():
        audit_record(
            actor=managers["b"],
            action="candidate.propose_run",
            object_type="x",
            changes={"candidate_ids": [candidate.pk]},
        )
    CandidateHand.objects.all().delete()  # as before the migration
    importlib.import_module("vip.identification.migrations.0003_candidate_hands").backfill(apps, None)
    assert set(CandidateHand.objects.values_list("account_id", "part", "how")) == {
        (team["police"].pk, "proposed", "proposed"),
        (managers["a"].pk, "decided", ""),
        (managers["b"].pk, "proposed", "criteria_run"),
    }


def test_a_run_of_many_proposals_names_those_that_fit_in_the_audit_events_object_id(city, team) -> None:
    """Thousands of ids do not fit in an audit event's object id (PostgreSQL refuses it): the run's
    event names the first that fit and lists them all in its changes; the expiry's likewise."""
    city.incident("S-1", 10, victim="seed")
    city.incident("R-1", 20, type="robbery", associate=["seed", *(f"n{i:03}" for i in range(80))])
    summary = identify_propose(actor=team["manager"], result=identify(as_of=D))
    assert summary.proposed == 81
    run = AuditEvent.objects.get(action="candidate.propose_run")
    named = run.object_id.split(",")
    assert 0 < len(run.object_id) <= 200 and len(",".join(map(str, summary.candidate_ids))) > 200
    assert named == [str(pk) for pk in summary.candidate_ids[: len(named)]]
    assert run.changes["candidate_ids"] == summary.candidate_ids
    proposed_on = Candidate.objects.earliest("proposed_at").proposed_at.astimezone(DENVER).date()
    days = criteria_in_force().proposal_expiry_days
    expired = candidates_expire(actor=team["manager"], today=proposed_on + dt.timedelta(days=days))
    event = AuditEvent.objects.get(action="candidate.expire")
    assert expired == 81 and event.changes["count"] == 81
    assert 0 < len(event.object_id) <= 200 and set(event.object_id.split(",")) <= set(map(str, summary.candidate_ids))


def test_each_candidacy_keeps_its_first_reasons_criterion_and_the_migration_fills_it(city, team) -> None:
    """The criteria's runs and a person's proposal record the criterion of the first reason; the
    migration fills it for candidacies recorded before (the evaluation's comparison group reads it)."""
    import importlib

    from django.db import connection

    from vip.identification.services import Reason, candidate_propose

    city.incident("S-1", 10, victim="victim", suspect="suspect")
    identify_propose(actor=team["manager"], result=identify(as_of=D))
    by_hand = candidate_propose(
        actor=team["police"],
        person=city.person("other"),
        reasons=[Reason("manual", "t", "x.y", "1"), Reason("shot_recent", "u", "x.y", "2")],
    )
    recorded = dict(Candidate.objects.values_list("person__key", "first_criterion"))
    assert recorded == {"P-victim": "shot_recent", "P-suspect": "shooting_suspect", "P-other": "manual"}
    Candidate.objects.update(first_criterion="")  # as before the migration
    fill = importlib.import_module("vip.identification.migrations.0005_candidate_first_criterion").FILL
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert dict(Candidate.objects.values_list("person__key", "first_criterion")) == recorded
    assert by_hand.first_criterion == "manual"
