"""The criteria's history (`vip identify --history-from`): the runs the criteria would have made
on records loaded from before vip, each run's proposals stamped with its day, expired as the days
pass, written only before every proposal there is, all or nothing, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied, ValidationError

from vip.audit.models import AuditEvent
from vip.identification.choices import CandidateStatus
from vip.identification.engine import identify
from vip.identification.models import Candidate
from vip.identification.services import identify_history, identify_propose
from vip.identification.tests.test_identify import DENVER, City, D

START = D - dt.timedelta(days=70)  # runs on START, START+7, ... START+63 (10 runs to D-7)
END = D - dt.timedelta(days=1)


@pytest.fixture
def team(program, make_user) -> dict[str, Any]:
    return {"police": make_user("police"), "manager": make_user("manager"), "peer": make_user("peer")}


@pytest.fixture
def city(team) -> City:
    return City(team["police"])


def _days(person: object) -> list[tuple[dt.date, int, str]]:
    """(local proposal day, proposal hour, status) of each of the person's candidacies, in order."""
    return [
        (c.proposed_at.astimezone(DENVER).date(), c.proposed_at.astimezone(DENVER).hour, c.status)
        for c in Candidate.objects.filter(person=person).order_by("proposed_at")
    ]


def test_each_run_proposes_on_its_own_day_and_the_proposals_expire_as_the_days_pass(city, team) -> None:
    # Shot 60 days before D: the first run on or after that day proposes; 30 days later the
    # proposal has expired, and the next run proposes again while the shooting is within 90 days.
    city.incident("S-1", 60, victim="early")
    # Shot 5 days before D: after the last run (D-7), so the history never proposes them.
    city.incident("S-2", 5, victim="late")
    summary = identify_history(actor=team["manager"], start=START, end=END)
    assert summary.runs == 10 and summary.first == START and summary.last == START + dt.timedelta(days=63)
    shot = D - dt.timedelta(days=60)
    runs = [START + dt.timedelta(days=7 * n) for n in range(10)]
    first = next(day for day in runs if day >= shot)
    # Open until a run 30 days on expires it; the same run proposes again (still shot within 90 days).
    second = next(day for day in runs if day >= first + dt.timedelta(days=30))
    assert _days(city.person("early")) == [
        (first, 12, CandidateStatus.EXPIRED),
        (second, 12, CandidateStatus.PROPOSED),
    ]
    assert _days(city.person("late")) == []
    assert summary.proposed == 2 and summary.expired == 1
    # Today's run then goes on from the history: the open proposal stays, the new shooting is proposed.
    today = identify_propose(actor=team["manager"], result=identify(as_of=D))
    assert today.already_open == 1 and today.proposed == 1
    assert _days(city.person("late"))[0][0] > D  # stamped when it ran (now), not backdated


def test_the_history_is_audited_run_by_run_and_as_a_whole(city, team) -> None:
    city.incident("S-1", 40, victim="someone")
    identify_history(actor=team["manager"], start=START, end=END, every_days=14)
    runs = AuditEvent.objects.filter(action="candidate.propose_run").order_by("pk")
    assert [r.changes["as_of"] for r in runs] == [(START + dt.timedelta(days=14 * n)).isoformat() for n in range(5)]
    assert all(r.changes["backdated"] is True and r.actor_id == team["manager"].pk for r in runs)
    whole = AuditEvent.objects.get(action="identify.history")
    assert whole.changes == {
        "start": START.isoformat(),
        "end": END.isoformat(),
        "every_days": 14,
        "runs": 5,
        "proposed": 1,
        "expired": 0,
    }


def test_the_history_goes_only_before_every_proposal_there_is(city, team) -> None:
    city.incident("S-1", 20, victim="someone")
    identify_propose(actor=team["manager"], result=identify(as_of=D))  # proposed now
    with pytest.raises(ValidationError, match="already proposed"):
        identify_history(actor=team["manager"], start=START, end=END)
    assert Candidate.objects.count() == 1
    assert not AuditEvent.objects.filter(action="identify.history").exists()


def test_the_history_ends_before_today_and_starts_before_it_ends(city, team) -> None:
    from vip.core.config import program_today

    with pytest.raises(ValidationError, match="ends before today"):
        identify_history(actor=team["manager"], start=START, end=program_today())
    with pytest.raises(ValidationError, match="after its end"):
        identify_history(actor=team["manager"], start=END, end=START)
    with pytest.raises(ValidationError, match="one day apart"):
        identify_history(actor=team["manager"], start=START, end=END, every_days=0)


def test_only_managers_write_the_history(city, team) -> None:
    city.incident("S-1", 20, victim="someone")
    for role in ("police", "peer"):
        with pytest.raises(PermissionDenied):
            identify_history(actor=team[role], start=START, end=END)
    assert not Candidate.objects.exists()


def test_a_history_that_fails_half_way_writes_nothing(city, team, monkeypatch) -> None:
    from vip.identification import engine

    city.incident("S-1", 60, victim="early")
    real, calls = engine.identify, []

    def failing(*, as_of: dt.date, **kwargs: object) -> object:
        calls.append(as_of)
        if len(calls) == 6:
            raise RuntimeError("the disk is full")
        return real(as_of=as_of)

    monkeypatch.setattr(engine, "identify", failing)
    with pytest.raises(RuntimeError):
        identify_history(actor=team["manager"], start=START, end=END)
    assert len(calls) == 6
    assert not Candidate.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["candidate.propose_run", "identify.history"]).exists()


def test_vip_identify_history_from_prints_what_it_wrote(city, team) -> None:
    from vip.cli import main

    city.incident("S-1", 60, victim="early")
    runner = CliRunner()
    args = ["identify", "--history-from", START.isoformat(), "--as-of", END.isoformat(), "--every", "7"]
    done = runner.invoke(main, args)
    assert done.exit_code == 0, done.output
    assert f"10 runs, every 7 days from {START} to {START + dt.timedelta(days=63)}; 2 proposals" in done.output
    again = runner.invoke(main, args)
    assert again.exit_code == 2 and "already proposed" in again.output
    dry = runner.invoke(main, [*args, "--dry-run"])
    assert dry.exit_code == 2 and "no --dry-run" in dry.output
