"""Funder reports: one half-year worked out by hand (the edges of the period, the local day of a
contact, engaged once however many ways, new only at the first delivery), the quarterly calendar,
the public edition, who may read one, the audit, the page and `vip funder-report`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import ContactFactory, PersonFactory, UserFactory
from vip.audit.models import AuditEvent
from vip.cli import main
from vip.evaluation.funders import TEMPLATES, funder_report, latest_period, period_of
from vip.evaluation.tests.test_survival import attempt, connected

pytestmark = pytest.mark.django_db
DENVER = ZoneInfo("America/Denver")


def contact(person: Any, moment: dt.datetime) -> None:
    ContactFactory(person=person, actor=person.assigned_peer, contacted_at=moment)


@pytest.fixture
def half_year(program: Any) -> None:
    """2025H1 (1 January to 30 June 2025), worked out by hand:

    - ana: delivered 2024-11-05 and again 2025-02-10 -> engaged, not new;
    - ben: delivered 2025-06-30 (the last day) -> engaged, new;
    - cruz: delivered 2024-12-31 (the day before) only -> neither;
    - dee: a contact at 00:30 on 1 January (local) -> engaged;
    - eli: a contact at 23:30 on 31 December (local; already 1 January in UTC) -> not engaged;
    - fay: a housing referral connected 2025-03-01 and an employment one 2025-03-02, and delivered
      2025-03-05 -> engaged once, new;
    - gus: a housing referral connected 2025-07-01 (the day after) -> nothing.
    So: engaged 4 (ana, ben, dee, fay), new 2 (ben, fay), delivered 3 (ana, ben, fay), housing 1,
    employment 1."""
    peer = UserFactory(role="peer")
    ana, ben, cruz, dee, eli, fay, gus = (PersonFactory(peer=peer) for _ in range(7))
    attempt(ana, dt.date(2024, 11, 5))
    attempt(ana, dt.date(2025, 2, 10))
    attempt(ben, dt.date(2025, 6, 30))
    attempt(cruz, dt.date(2024, 12, 31))
    attempt(cruz, dt.date(2025, 1, 3), outcome="not_found")  # not delivered: nothing
    contact(dee, dt.datetime(2025, 1, 1, 0, 30, tzinfo=DENVER))
    contact(eli, dt.datetime(2024, 12, 31, 23, 30, tzinfo=DENVER))
    connected(fay, dt.date(2025, 3, 1))
    from vip.core.models import ServiceCategory
    from vip.service_referrals.services import service_referral_create, service_referral_move

    employment = ServiceCategory.objects.get(code="employment")
    referral = service_referral_create(actor=None, person=fay, category=employment, referred_on=dt.date(2025, 3, 2))
    service_referral_move(
        actor=None, referral=referral, status="connected", on=dt.date(2025, 3, 2), expected_version=referral.version
    )
    attempt(fay, dt.date(2025, 3, 5))
    connected(gus, dt.date(2025, 7, 1))


def values(report: Any) -> dict[tuple[str, str], int | None]:
    return {(row.measure, row.category): row.value for row in report.rows}


def test_a_half_year_worked_out_by_hand(half_year: None, program: Any) -> None:
    got = values(funder_report(user=None, template="cvipi", period="2025H1"))
    assert got[("engaged", "")] == 4
    assert got[("new_participants", "")] == 2
    assert got[("notifications_delivered", "")] == 3
    assert got[("services_connected", "housing")] == 1
    assert got[("services_connected", "employment")] == 1
    assert {v for (m, c), v in got.items() if m == "services_connected" and c not in {"housing", "employment"}} == {0}
    # The next half-year holds gus's connection only.
    later = values(funder_report(user=None, template="cvipi", period="2025h2"))
    assert later[("engaged", "")] == 1 and later[("services_connected", "housing")] == 1


def test_the_calendars() -> None:
    cvipi, quarterly = TEMPLATES["cvipi"], TEMPLATES["quarterly"]
    assert period_of(cvipi, "2026H2") == period_of(quarterly, "2026Q3").__class__(
        dt.date(2026, 7, 1), dt.date(2026, 12, 31)
    )
    assert period_of(quarterly, "2024Q1").end == dt.date(2024, 3, 31)
    assert period_of(quarterly, "2024Q4").end == dt.date(2024, 12, 31)
    with pytest.raises(ValidationError, match="2026H1"):
        period_of(cvipi, "2026Q1")
    assert latest_period(cvipi, dt.date(2026, 12, 6)) == "2026H1"
    assert latest_period(cvipi, dt.date(2026, 3, 6)) == "2025H2"
    assert latest_period(quarterly, dt.date(2026, 12, 6)) == "2026Q3"
    assert latest_period(quarterly, dt.date(2026, 2, 1)) == "2025Q4"


def test_the_public_edition_and_who_may_read_it(half_year: None, make_user: Any) -> None:
    analyst = make_user("analyst")
    public = values(funder_report(user=analyst, template="cvipi", period="2025H1", audience="public"))
    assert public[("engaged", "")] is None and public[("services_connected", "other")] == 0  # 4: withheld; 0 shown
    with pytest.raises(PermissionDenied):
        funder_report(user=analyst, template="cvipi", period="2025H1", audience="official")
    for role in ("peer", "police", "admin"):
        with pytest.raises(PermissionDenied):
            funder_report(user=make_user(role), template="cvipi", period="2025H1", audience="public")
    event = AuditEvent.objects.filter(action="funder_report.read").latest("id")
    assert (event.actor_id, event.object_id, event.changes) == (
        analyst.pk,
        "cvipi/2025H1",
        {"audience": "public", "format": "page"},
    )
    with pytest.raises(ValidationError, match="has not ended"):
        funder_report(user=None, template="quarterly", period=f"{dt.date.today().year + 1}Q1")
    with pytest.raises(ValidationError, match="Unknown template"):
        funder_report(user=None, template="federal", period="2025H1")


def test_the_page_and_its_files(half_year: None, client: Any, make_user: Any) -> None:
    client.force_login(make_user("manager"))
    page = client.get(reverse("evaluation:funders"), {"template": "cvipi", "period": "2025H1", "audience": "official"})
    text = page.content.decode()
    assert page.status_code == 200 and "At-risk individuals engaged in the program" in text
    query = {"template": "cvipi", "period": "2025H1", "audience": "official"}
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("evaluation:funders"), {**query, "format": "csv"}).content.decode())
        )
    )
    assert {"measure": "engaged", "category": "", "value": "4"}.items() <= next(
        r for r in rows if r["measure"] == "engaged"
    ).items()
    data = json.loads(client.get(reverse("evaluation:funders"), {**query, "format": "json"}).content)
    assert data["period"] == "2025H1" and data["rows"][0] == {"measure": "engaged", "category": "", "value": 4}
    pdf = client.get(reverse("evaluation:funders"), {**query, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    from vip.evaluation.tests.test_pages import pdf_text

    assert "At-risk individuals engaged in the program 4" in pdf_text(pdf.content)
    book = client.get(reverse("evaluation:funders"), {**query, "format": "xlsx"})
    assert book["Content-Disposition"] == 'attachment; filename="funder-cvipi-2025H1-official.xlsx"'
    assert book.content[:2] == b"PK"
    bad = client.get(reverse("evaluation:funders"), {"template": "cvipi", "period": "2025Q1"})
    assert bad.status_code == 200 and "is not a period" in bad.content.decode()
    client.force_login(make_user("peer"))
    assert client.get(reverse("evaluation:funders")).status_code == 403


def test_vip_funder_report(half_year: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["funder-report", "--template", "cvipi", "--period", "2025H1", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "At-risk individuals engaged in the program" in result.output and " 4" in result.output
    assert (tmp_path / "funder-cvipi-2025H1-official.csv").exists()
    assert (tmp_path / "funder-cvipi-2025H1-official.pdf").read_bytes().startswith(b"%PDF")
    assert json.loads((tmp_path / "funder-cvipi-2025H1-official.json").read_text())["rows"][0]["value"] == 4
    bad = CliRunner().invoke(
        main, ["funder-report", "--template", "cvipi", "--period", "2025Q1", "--out", str(tmp_path)]
    )
    assert bad.exit_code == 2 and "is not a period" in bad.output


def test_a_citys_own_template_from_its_profile(half_year: None, tmp_path: Path) -> None:
    from vip.configuration.services import profile_load
    from vip.evaluation.tests.test_settings import profile

    base = Path(profile(tmp_path, "")).read_text(encoding="utf-8")
    table = (
        "[evaluation.funder_templates.state_grant]\n"
        'title = "State violence-reduction grant"\ncalendar = "year"\nmeasures = ["engaged", "services_connected"]\n'
    )

    def load(text: str) -> None:
        path = tmp_path / "city.toml"
        path.write_text(base + "\n" + text, encoding="utf-8")
        profile_load(actor=None, name=str(path))

    load(table)
    report = funder_report(user=None, template="state_grant", period="2025")
    assert (report.period.start, report.period.end) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    got = values(report)
    assert {m for m, _c in got} == {"engaged", "services_connected"}
    assert got[("engaged", "")] == 5  # the half-year's four, and gus in July
    with pytest.raises(ValueError, match="calendar must be"):
        load(table.replace('calendar = "year"', 'calendar = "week"'))
    load(table.replace('"services_connected"', '"smiles"'))  # measures are checked where they are read
    with pytest.raises(ValueError, match="unknown measure"):
        funder_report(user=None, template="state_grant", period="2025")
