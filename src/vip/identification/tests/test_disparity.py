"""The disparity report of identification: hand-built people, incidents, candidacies and
notifications (through the real services), exact counts per group, ratios, period edges,
disclosure control and its audit, who may read it, and that reading is audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vip.audit.models import AuditEvent
from vip.core.config import program_today
from vip.core.dates import Period, fiscal_year
from vip.core.models import Area
from vip.identification.disparity import (
    MEASURES,
    DisparityFacts,
    DisparityReport,
    PersonRow,
    compute,
    default_period,
    disparity_report,
    ratio_display,
    to_csv,
)
from vip.identification.models import Candidate, DisparityRun
from vip.identification.services import (
    Reason,
    candidate_decide,
    candidate_propose,
    candidates_expire,
    incident_record,
    involvement_add,
)
from vip.jobs.models import Job
from vip.notifications.services import attempt_record
from vip.people.services import person_create
from vip.stats.disclosure import audit, protect
from vip.stats.tables import PRIMARY

pytestmark = pytest.mark.django_db
DENVER = ZoneInfo("America/Denver")
PERIOD = Period(dt.date(2022, 1, 1), dt.date(2022, 6, 30))
FISCAL = Period(dt.date(2021, 7, 1), dt.date(2022, 6, 30))  # the fiscal year holding PERIOD


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=DENVER)


class World:
    """Five people; each line says which columns they count in, and why.

    - A (born 2000-06-15, male, Black, not Hispanic, Southeast): shot 2022-03-10 (and on
      2021-12-31, before the period); proposed 03-12, approved 03-14, notified 04-01.
    - B (born 2004-06-30, male, White, Hispanic, Valley): killed in a homicide on 06-30 at
      23:00, his 18th birthday (18-24); proposed 06-30 at 23:30 local (already 07-01 in UTC:
      in the period); approved 07-01 at 00:10 local (after the period).
    - C (no birth date, female, nothing else recorded): shot 01-01 at 00:30 (the first
      hour of the period); victim of an aggravated assault and suspect in a shooting (neither
      counts); proposed 01-01 at 00:05, declined; a delivery on 2021-12-31 (before) and a
      "not found" attempt in the period (not delivered).
    - D (born 1980-01-01, male, Black, not Hispanic, Southeast): never a victim; proposed
      2021-12-31 at 23:59 (before the period), approved 02-01 and expired since; delivered
      twice in the period (02-10 and 03-01): one person notified.
    - E (born 1987-03-01, female, Asian, ethnicity unknown, Northeast): shot 02-01 (aged 34)
      and 05-10 (aged 35): counted once, aged 34; proposed twice (02-02 and 05-11): once.
    """

    def __init__(self, make_user: Any) -> None:
        self.police = make_user("police")
        self.manager = make_user("manager")
        southeast = Area.objects.get(code="southeast")
        self.a = person_create(
            actor=None,
            first_name="Ana",
            last_name="A",
            date_of_birth=dt.date(2000, 6, 15),
            sex="male",
            race="black",
            ethnicity="not_hispanic",
            area=southeast,
        )
        self.b = person_create(
            actor=None,
            first_name="Beto",
            last_name="B",
            date_of_birth=dt.date(2004, 6, 30),
            sex="male",
            race="white",
            ethnicity="hispanic",
            area=Area.objects.get(code="valley"),
        )
        self.c = person_create(actor=None, first_name="Cruz", last_name="C", sex="female")
        self.d = person_create(
            actor=None,
            first_name="Dan",
            last_name="D",
            date_of_birth=dt.date(1980, 1, 1),
            sex="male",
            race="black",
            ethnicity="not_hispanic",
            area=southeast,
        )
        self.e = person_create(
            actor=None,
            first_name="Eva",
            last_name="E",
            date_of_birth=dt.date(1987, 3, 1),
            sex="female",
            race="asian",
            area=Area.objects.get(code="northeast"),
        )
        self.n = 0
        self.victim(self.a, local(2022, 3, 10, 21), "shooting")
        self.victim(self.a, local(2021, 12, 31, 22), "shooting")
        self.victim(self.b, local(2022, 6, 30, 23), "homicide")
        self.victim(self.c, local(2022, 1, 1, 0, 30), "shooting")
        self.victim(self.c, local(2022, 2, 1, 12), "aggravated_assault")
        self.victim(self.c, local(2022, 3, 1, 12), "shooting", role="suspect")
        self.victim(self.e, local(2022, 2, 1, 12), "shooting")
        self.victim(self.e, local(2022, 5, 10, 12), "shooting")

        self.candidate(self.a, local(2022, 3, 12, 9), decided=local(2022, 3, 14, 9), approve=True)
        self.candidate(self.b, local(2022, 6, 30, 23, 30), decided=local(2022, 7, 1, 0, 10), approve=True)
        self.candidate(self.c, local(2022, 1, 1, 0, 5), decided=local(2022, 1, 3, 9), approve=False)
        self.candidate(self.d, local(2021, 12, 31, 23, 59), decided=local(2022, 2, 1, 9), approve=True)
        self.candidate(self.e, local(2022, 2, 2, 9))
        self.candidate(self.e, local(2022, 5, 11, 9))
        candidates_expire(actor=None, today=dt.date(2099, 1, 1))  # D's (and A's, B's) approval ran out

        self.attempt(self.a, local(2022, 4, 1, 10), "delivered")
        self.attempt(self.c, local(2021, 12, 31, 10), "delivered")
        self.attempt(self.c, local(2022, 2, 1, 10), "not_found")
        self.attempt(self.d, local(2022, 2, 10, 10), "delivered")
        self.attempt(self.d, local(2022, 3, 1, 10), "delivered")

    def victim(self, person: Any, when: dt.datetime, kind: str, role: str = "victim") -> None:
        self.n += 1
        incident = incident_record(actor=self.police, key=f"22-{self.n:04d}", occurred_at=when, type=kind)
        involvement_add(actor=self.police, incident=incident, person=person, role=role)

    def candidate(
        self, person: Any, proposed: dt.datetime, *, decided: dt.datetime | None = None, approve: bool = True
    ) -> None:
        reason = Reason("manual", "named at the shooting review", "identification.shootingreview", "1")
        candidate = candidate_propose(actor=self.police, person=person, reasons=[reason])
        Candidate.objects.filter(pk=candidate.pk).update(proposed_at=proposed)  # the services stamp "now"
        if decided is not None:
            candidate = candidate_decide(
                actor=self.manager, candidate=Candidate.objects.get(pk=candidate.pk), approve=approve, reason="ok"
            )
            Candidate.objects.filter(pk=candidate.pk).update(decided_at=decided)

    def attempt(self, person: Any, when: dt.datetime, outcome: str) -> None:
        attempt_record(actor=None, person=person, attempted_at=when, outcome=outcome, team={"peer_support"})


@pytest.fixture
def world(program: Any, make_user: Any) -> World:
    return World(make_user)


def counts(report: Any, dimension: str) -> dict[str, tuple[int | None, ...]]:
    table = next(t for t in report.tables if t.dimension == dimension)
    return {row.key: tuple(f.count for f in row.figures) for row in table.rows}


def figures(report: Any, dimension: str, group: str) -> dict[str, Any]:
    table = next(t for t in report.tables if t.dimension == dimension)
    row = next(r for r in table.rows if r.key == group)
    return dict(zip(MEASURES, row.figures, strict=True))


# ---- exact counts, official ------------------------------------------------------------------------


def test_exact_counts_by_group(world: World) -> None:
    report = disparity_report(user=world.manager, period=PERIOD, audience="official")
    # columns: victims, proposed, approved, notified
    assert counts(report, "age") == {
        "band0": (0, 0, 0, 0),  # Under 18: B turned 18 on the day he was killed
        "band1": (2, 2, 1, 1),  # 18-24: A, B | A, B | A | A
        "band2": (1, 1, 0, 0),  # 25-34: E (aged 34 at her first shooting and first proposal)
        "band3": (0, 0, 1, 1),  # 35 and over: D
        "unknown": (1, 1, 0, 0),  # C: no birth date
        "total": (4, 4, 2, 2),
    }
    assert counts(report, "sex") == {
        "male": (2, 2, 2, 2),
        "female": (2, 2, 0, 0),
        "other": (0, 0, 0, 0),
        "unknown": (0, 0, 0, 0),
        "total": (4, 4, 2, 2),
    }
    race = counts(report, "race")
    assert race["black"] == (1, 1, 2, 2)
    assert race["white"] == (1, 1, 0, 0)
    assert race["asian"] == (1, 1, 0, 0)
    assert race["unknown"] == (1, 1, 0, 0)
    assert sum(v[0] for k, v in race.items() if k != "total") == 4
    assert counts(report, "ethnicity") == {
        "hispanic": (1, 1, 0, 0),
        "not_hispanic": (1, 1, 2, 2),
        "unknown": (2, 2, 0, 0),
        "total": (4, 4, 2, 2),
    }
    area = counts(report, "area")
    assert list(area) == ["southeast", "northeast", "northwest", "foothills", "southwest", "valley", "na", "total"]
    assert area["southeast"] == (1, 1, 2, 2)
    assert area["northeast"] == (1, 1, 0, 0)
    assert area["valley"] == (1, 1, 0, 0)
    assert area["na"] == (1, 1, 0, 0)
    assert report.published.suppressed == {}


def test_shares_and_ratios(world: World) -> None:
    report = disparity_report(user=world.manager, period=PERIOD, audience="official")
    male = figures(report, "sex", "male")
    assert (male["victims"].share, male["victims"].ratio) == ("50%", "")
    assert (male["proposed"].share, male["proposed"].ratio) == ("50%", "1.00")
    assert (male["approved"].share, male["approved"].ratio) == ("100%", "2.00")
    female = figures(report, "sex", "female")
    assert (female["approved"].share, female["approved"].ratio) == ("0%", "0.00")
    black = figures(report, "race", "black")
    assert (black["notified"].share, black["notified"].ratio) == ("100%", "4.00")
    # No shooting victim in the group: no ratio.
    older = figures(report, "age", "band3")
    assert (older["approved"].count, older["approved"].ratio) == (1, "\u2014")
    total = figures(report, "age", "total")
    assert [f.ratio for f in total.values()] == ["", "", "", ""]
    assert total["victims"].share == "100%"


def test_ratio_arithmetic() -> None:
    assert ratio_display(1, 3, 1, 2) == "0.67"  # (1/3) / (1/2)
    assert ratio_display(3, 8, 1, 4) == "1.50"
    assert ratio_display(1, 200, 1, 1) == "0.01"  # 0.005 rounds half up
    assert ratio_display(0, 5, 2, 4) == "0.00"
    assert ratio_display(1, 5, 0, 4) == "\u2014"
    assert ratio_display(None, 5, 2, 4) == "\u2014"
    assert ratio_display(1, 5, None, 4) == "\u2014"
    assert ratio_display(0, 0, 2, 4) == "\u2014"


def test_period_edges(world: World) -> None:
    # One day later: B's approval (07-01 00:10 local) counts, the rest of the first half-year does not move.
    later = disparity_report(user=None, period=Period(dt.date(2022, 1, 2), dt.date(2022, 7, 1)), audience="official")
    assert figures(later, "sex", "total")["approved"].count == 3
    # C's first-hour shooting and first-five-minutes proposal fall out of a period starting on 01-02.
    assert figures(later, "age", "unknown")["victims"].count == 0
    assert figures(later, "age", "unknown")["proposed"].count == 0
    # One day earlier: A's 2021-12-31 shooting, D's proposal (23:59 local) and C's delivery count.
    earlier = disparity_report(
        user=None, period=Period(dt.date(2021, 12, 31), dt.date(2022, 6, 29)), audience="official"
    )
    total = figures(earlier, "sex", "total")
    assert total["victims"].count == 3  # A, C, E (B was killed on 06-30)
    assert total["proposed"].count == 4  # A, C, D, E (B was proposed on 06-30 local)
    assert total["notified"].count == 3  # A, C, D
    # A's age band is the one of his first shooting in the period (2021-12-31: aged 21 as well).
    assert figures(earlier, "age", "band1")["victims"].count == 1


def test_default_period_is_the_last_twelve_complete_months() -> None:
    assert default_period(dt.date(2022, 11, 15)) == Period(dt.date(2021, 11, 1), dt.date(2022, 10, 31))
    assert default_period(dt.date(2023, 1, 1)) == Period(dt.date(2022, 1, 1), dt.date(2022, 12, 31))


# ---- disclosure control -------------------------------------------------------------------------------


def test_public_withholds_small_counts_and_derived_figures(world: World) -> None:
    report = disparity_report(user=world.manager, period=FISCAL, audience="public")
    assert report.threshold == 10
    published = report.published
    table = published.table
    for r, row in enumerate(table.cells):
        for c, value in enumerate(row):
            if 1 <= value <= 10:
                assert published.suppressed[(r, c)] == PRIMARY
    male = figures(report, "sex", "male")
    assert male["victims"].display == "<11"
    assert male["victims"].count is None
    assert male["approved"].share == "\u2014"
    assert male["approved"].ratio == "\u2014"
    assert figures(report, "sex", "total")["victims"].display == "<11"
    assert audit(published) == []
    assert audit(published, strict=True) == []
    assert "2.00" not in to_csv(report).decode()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10_000), size=st.integers(min_value=0, max_value=160))
def test_every_public_table_passes_the_audit(program: Any, seed: int, size: int) -> None:
    """Random populations: the one table behind the five dimensions is protected jointly, so the
    audit (LP, and the strict integer reader) finds no withheld count a reader can pin."""
    rng = random.Random(seed)
    area_ids = [*program.area_ids.values(), None]
    people = {
        i: PersonRow(
            born=rng.choice([None, dt.date(rng.randint(1960, 2010), rng.randint(1, 12), rng.randint(1, 28))]),
            sex=rng.choice(["male", "male", "female", ""]),
            race=rng.choice(["black", "white", "asian", "american_indian", "", "multiple"]),
            ethnicity=rng.choice(["hispanic", "not_hispanic", ""]),
            area_id=rng.choice(area_ids),
        )
        for i in range(size)
    }
    first_day = {
        measure: {i: dt.date(2022, rng.randint(1, 6), rng.randint(1, 28)) for i in people if rng.random() < keep}
        for measure, keep in zip(MEASURES, (0.8, 0.5, 0.3, 0.2), strict=True)
    }
    table = compute(program, DisparityFacts(PERIOD, first_day, people))
    published = protect(table, program.suppression_threshold)
    assert audit(published) == []
    assert audit(published, strict=True) == []
    for r, row in enumerate(table.cells):
        assert row[0] == len(first_day[MEASURES[r]])
        for c, value in enumerate(row):
            if 1 <= value <= program.suppression_threshold:
                assert (r, c) in published.suppressed


def test_one_total_across_dimensions(program: Any) -> None:
    """A count withheld in one dimension cannot be worked out from the total published with another."""
    people = {i: PersonRow(None, "male", "black", "", None) for i in range(40)}
    people[40] = PersonRow(None, "female", "black", "", None)
    first_day = {m: {i: dt.date(2022, 3, 1) for i in people} for m in MEASURES}
    table = compute(program, DisparityFacts(PERIOD, first_day, people))
    published = protect(table, program.suppression_threshold)
    col = table.col_keys.index("sex:female")
    assert (0, col) in published.suppressed  # the one woman
    assert (0, table.col_keys.index("sex:male")) in published.suppressed  # else 41 - 40 gives her away
    assert audit(published, strict=True) == []


# ---- who may read it, and the audit trail --------------------------------------------------------------


def test_roles_of_the_service(world: World, make_user: Any) -> None:
    analyst = make_user("analyst")
    assert disparity_report(user=analyst, period=FISCAL, audience="public").audience == "public"
    with pytest.raises(PermissionDenied):
        disparity_report(user=analyst, period=PERIOD, audience="official")
    for role in ("peer", "police", "admin", "integration"):
        with pytest.raises(PermissionDenied):
            disparity_report(user=make_user(role), period=FISCAL, audience="public")
    with pytest.raises(ValidationError):
        disparity_report(user=world.manager, period=PERIOD, audience="everyone")


QUERY = {"start": "2022-01-01", "end": "2022-06-30", "audience": "official"}


def ask(client: Any, data: dict[str, str]) -> DisparityRun:
    """Press *Show*: the page puts the report on the task queue and sends the browser to the job's
    page (the test settings' immediate backend has run it by then); the job links to the run."""
    response = client.post(reverse("identification:disparity"), data)
    job = Job.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job", args=[job.pk])
    assert job.kind == "disparity.run" and job.status == Job.Status.DONE, job.error
    run = DisparityRun.objects.get(pk=job.result["run"])
    job_page = client.get(response["Location"]).content.decode()
    assert reverse("identification:disparity_run", args=[run.pk]) in job_page
    return run


@pytest.mark.parametrize("role", ["police", "peer", "admin"])
def test_other_roles_are_refused(world: World, client: Any, make_user: Any, role: str) -> None:
    client.force_login(world.manager)
    run = ask(client, QUERY)
    client.force_login(make_user(role))
    before = AuditEvent.objects.filter(action="disparity.read").count()
    for method, url in (
        ("get", reverse("identification:disparity")),
        ("post", reverse("identification:disparity")),
        ("get", reverse("identification:disparity_run", args=[run.pk])),
        ("get", reverse("identification:disparity_csv", args=[run.pk])),
    ):
        response = getattr(client, method)(url, QUERY if method == "post" else None)
        assert response.status_code in (403, 404), url
        assert b"Southeast" not in response.content
    assert AuditEvent.objects.filter(action="disparity.read").count() == before
    assert Job.objects.count() == 1  # the manager's only


def test_manager_reads_exact_counts_and_the_read_is_audited(world: World, client: Any) -> None:
    client.force_login(world.manager)
    run = ask(client, QUERY)
    computed = AuditEvent.objects.filter(action="disparity.read").latest("id")
    assert (computed.actor_id, computed.object_id) == (world.manager.pk, "2022-01-01/2022-06-30")
    assert computed.changes == {"audience": "official", "format": "job"}
    kept = AuditEvent.objects.get(action="disparity.run")
    assert kept.object_id == str(run.pk)
    assert kept.changes == {"start": "2022-01-01", "end": "2022-06-30", "audience": "official", "withheld": 0}
    page = client.get(reverse("identification:disparity_run", args=[run.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "official: exact counts" in body
    assert "4.00" in body  # Black people among those notified, against victims
    assert "style=" not in body
    event = AuditEvent.objects.filter(action="disparity.read").latest("id")
    assert event.actor_id == world.manager.pk
    assert event.object_id == "2022-01-01/2022-06-30"
    assert event.changes == {"audience": "official", "format": "page", "run": run.pk}
    download = client.get(reverse("identification:disparity_csv", args=[run.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "disparity-2022-01-01-2022-06-30-official.csv" in download["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    black = next(r for r in rows if (r["dimension"], r["group"], r["measure"]) == ("race", "black", "notified"))
    assert (black["count"], black["share"], black["ratio"]) == ("2", "100%", "4.00")
    assert AuditEvent.objects.filter(action="disparity.read").latest("id").changes["format"] == "csv"
    # The form page lists the run to open it again.
    assert (
        reverse("identification:disparity_run", args=[run.pk])
        in client.get(reverse("identification:disparity")).content.decode()
    )


def test_the_page_and_the_csv_show_the_computation_kept(world: World, client: Any) -> None:
    """Opening a run again does not compute the report again: a victim recorded since changes a new
    report, not the run's page nor its CSV (both the same figures as when it was computed)."""
    client.force_login(world.manager)
    run = ask(client, QUERY)
    world.victim(world.d, local(2022, 4, 2, 12), "shooting")
    fresh = disparity_report(user=world.manager, period=PERIOD, audience="official")
    assert figures(fresh, "sex", "total")["victims"].count == 5
    stored = DisparityReport.from_dict(run.report)
    assert figures(stored, "sex", "total")["victims"].count == 4
    page = client.get(reverse("identification:disparity_run", args=[run.pk]))
    assert page.context["report"] == stored
    download = client.get(reverse("identification:disparity_csv", args=[run.pk]))
    assert download.content == to_csv(stored)
    total = next(
        r
        for r in csv.DictReader(io.StringIO(download.content.decode()))
        if (r["dimension"], r["group"], r["measure"]) == ("sex", "total", "victims")
    )
    assert total["count"] == "4"


def test_the_kept_report_is_the_computed_one(world: World) -> None:
    """to_dict / from_dict keep every figure, the CSV byte for byte, public and official."""
    for period, audience in ((PERIOD, "official"), (FISCAL, "public")):
        report = disparity_report(user=world.manager, period=period, audience=audience)
        again = DisparityReport.from_dict(json.loads(json.dumps(report.to_dict())))
        assert again.tables == report.tables
        assert (again.period, again.audience, again.threshold, again.withheld, again.generated_at) == (
            report.period,
            report.audience,
            report.threshold,
            report.withheld,
            report.generated_at,
        )
        assert to_csv(again) == to_csv(report)
        assert again.suppression_note == report.suppression_note


def test_analyst_always_gets_the_public_version(world: World, client: Any, make_user: Any) -> None:
    client.force_login(make_user("analyst"))
    fiscal = {**QUERY, "start": "2021-07-01"}  # the public edition is for whole fiscal years (row 41)
    form = client.get(reverse("identification:disparity")).content.decode()
    assert 'name="audience"' not in form  # not offered
    run = ask(client, fiscal)  # asks for official anyway
    assert run.audience == "public" and Job.objects.get().params["audience"] == "public"
    page = client.get(reverse("identification:disparity_run", args=[run.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "public: small counts withheld" in body
    assert "&lt;11" in body
    assert "4.00" not in body
    download = client.get(reverse("identification:disparity_csv", args=[run.pk]))
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert {r["count"] for r in rows if r["suppressed"]} == {""}
    assert all(r["count"] in {"", "0"} for r in rows)  # every count here is 1..10, or 0
    assert AuditEvent.objects.filter(action="disparity.read").latest("id").changes["audience"] == "public"


def test_default_page_and_bad_periods(world: World, client: Any) -> None:
    client.force_login(world.manager)
    page = client.get(reverse("identification:disparity"))
    assert page.status_code == 200
    assert b"Definitions" in page.content
    bad = client.post(reverse("identification:disparity"), {"start": "2022-06-30", "end": "2022-01-01"})
    assert bad.status_code == 200
    assert b"The period ends before it starts." in bad.content
    refused = client.post(reverse("identification:disparity"), {"start": "2022-13-01", "end": "2022-01-01"})
    assert refused.status_code == 200
    assert b"Enter a valid date." in refused.content
    # A period in the address fills the form in and says what is wrong with it; it asks for nothing.
    shown = client.get(reverse("identification:disparity"), {"start": "2022-06-30", "end": "2022-01-01"})
    assert b"The period ends before it starts." in shown.content
    assert client.get(reverse("identification:disparity"), QUERY).status_code == 200
    assert not Job.objects.exists()
    assert not AuditEvent.objects.filter(action="disparity.read").exists()
    assert client.get(reverse("identification:disparity_csv", args=[987654])).status_code == 404


# ---- the command line -------------------------------------------------------------------------------------


def test_cli_writes_the_csv_and_prints_a_summary(world: World, tmp_path: Any, make_user: Any) -> None:
    from click.testing import CliRunner

    from vip.cli import main

    result = CliRunner().invoke(
        main, ["disparity", "--from", "2022-01-01", "--to", "2022-06-30", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "Disparity report 2022-01-01 to 2022-06-30 (official):" in result.output
    assert "Candidates proposed" in result.output
    path = tmp_path / "disparity-2022-01-01-2022-06-30-official.csv"
    assert str(path) in result.output
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    total = {r["measure"]: r["count"] for r in rows if (r["dimension"], r["group"]) == ("area", "total")}
    assert total == {"victims": "4", "proposed": "4", "approved": "2", "notified": "2"}
    assert AuditEvent.objects.filter(action="disparity.read", actor=None).latest("id").changes == {
        "audience": "official",
        "format": "cli",
    }

    make_user("analyst", username="eval")
    result = CliRunner().invoke(main, ["disparity", "--audience", "official", "--as", "eval", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "withheld only" in result.output
    result = CliRunner().invoke(main, ["disparity", "--from", "2022-07-01", "--to", "2022-01-01"])
    assert result.exit_code == 2
    assert "before it starts" in result.output
    result = CliRunner().invoke(main, ["disparity", "--from", "2022-02-30"])
    assert result.exit_code == 2


def test_cli_help() -> None:
    from click.testing import CliRunner

    from vip.cli import main

    result = CliRunner().invoke(main, ["disparity", "--help"])
    assert result.exit_code == 0
    for option in ("--from", "--to", "--audience", "--out", "--as"):
        assert option in result.output


# ---- security row 41: no public edition of a chosen period ----------------------------------------------


def test_row_41_two_public_ranges_a_day_apart_are_refused(world: World, make_user: Any, client: Any) -> None:
    """A public (or analyst) edition exists for whole, complete fiscal years only: two ranges a day
    apart, or any period that is not a fiscal year, are refused on every channel."""
    analyst = make_user("analyst")
    for user in (world.manager, analyst):
        for period in (
            Period(dt.date(2021, 7, 1), dt.date(2022, 6, 29)),
            Period(dt.date(2021, 7, 2), dt.date(2022, 6, 30)),
            PERIOD,
        ):
            with pytest.raises(ValidationError, match="whole fiscal years"):
                disparity_report(user=user, period=period, audience="public")
    assert disparity_report(user=analyst, period=FISCAL, audience="public").audience == "public"
    year = fiscal_year(program_today(), 7)
    with pytest.raises(ValidationError, match="has not ended"):
        disparity_report(user=analyst, period=Period(year.start, year.end), audience="public")
    # The page: an analyst asking for a chosen range gets the form's error, and nothing is computed.
    client.force_login(analyst)
    response = client.post(reverse("identification:disparity"), {"start": "2021-07-02", "end": "2022-06-30"})
    assert response.status_code == 200
    assert "whole fiscal years" in response.content.decode()
    assert not Job.objects.exists()
    assert ask(client, {"start": "2021-07-01", "end": "2022-06-30"}).audience == "public"
    # The official edition (managers) keeps any period.
    assert disparity_report(user=world.manager, period=PERIOD, audience="official").audience == "official"
