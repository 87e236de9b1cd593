"""The evaluation's pages: asked for on /evaluation/, computed by the task queue (the database
backend, the worker run in this process), kept as a run whose page, CSV and JSON are its
requester's (and the managers'); an official edition never reaches an analyst; who else is refused."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from vip.audit.models import AuditEvent
from vip.evaluation.models import EvaluationRun
from vip.evaluation.tests.test_comparison import candidate_pairs
from vip.evaluation.tests.test_survival import PLAN, _build
from vip.jobs.models import Job
from vip.jobs.worker import run_pending

AS_OF = dt.date(2025, 6, 30)


def pdf_text(content: bytes) -> str:
    """The PDF's text (poppler's pdftotext, as the report's tests read theirs)."""
    import subprocess

    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)  # noqa: S607
    return " ".join(done.stdout.decode().split())


@pytest.fixture
def city(settings: Any, transactional_db: None, program: Any) -> None:
    """The database backend of the production settings; people notified, and a comparison group."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _build(PLAN, AS_OF)
    candidate_pairs(12, comparison_hurt_every=3)


def ask(client: Any, audience: str | None = "official") -> EvaluationRun:
    """Press *Compute*, run the worker: the run it made."""
    data = {"as_of": AS_OF.isoformat(), **({"audience": audience} if audience else {})}
    response = client.post(reverse("evaluation:index"), data)
    job = Job.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job", args=[job.pk])
    assert job.kind == "evaluation.run" and job.status == Job.Status.QUEUED  # the request computed nothing
    assert run_pending() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    run = EvaluationRun.objects.get(pk=job.result["run"])
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert f'href="{reverse("evaluation:run", args=[run.pk])}"' in partial and "Open the evaluation" in partial
    return run


def test_a_manager_computes_and_reads_an_evaluation(city: None, client: Any, make_user: Any) -> None:
    manager = make_user("manager")
    client.force_login(manager)
    page = client.get(reverse("evaluation:index")).content.decode()
    assert 'name="audience"' in page and "not proof" in page
    run = ask(client, "official")
    assert (run.requested_by_id, run.audience, run.as_of) == (manager.pk, "official", AS_OF)
    assert run.definitions_version == "eval-1" and len(run.data_fingerprint) == 64
    assert AuditEvent.objects.get(action="evaluation.run").actor_id == manager.pk
    assert AuditEvent.objects.get(action="evaluation.read").changes["format"] == "job"
    shown = client.get(reverse("evaluation:run", args=[run.pk])).content.decode()
    total = len(PLAN) + 12  # the planned people and the notified candidates
    assert f'<td class="mono">{total}</td>' in shown
    assert "Hazard ratio of violent re-involvement" in shown
    assert "official: exact counts" in shown and "<img" in shown  # the survival chart
    assert "Day 730" in shown and "Engagement funnel" in shown and "Areas over time" in shown
    listed = client.get(reverse("evaluation:index")).content.decode()
    assert reverse("evaluation:run", args=[run.pk]) in listed
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("evaluation:run_csv", args=[run.pk])).content.decode())))
    assert {"section": "matching", "group": "", "cohort": "", "at": "", "measure": "matched", "value": "12"} in rows
    data = json.loads(client.get(reverse("evaluation:run_json", args=[run.pk])).content)
    assert data == run.result and data["definitions"] == "eval-1"
    pdf = client.get(reverse("evaluation:run_document", args=[run.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert "Evaluation as of 2025-06-30" in text and "Hazard ratio of violent re-involvement" in text
    assert "not proof" in text
    book = client.get(reverse("evaluation:run_document", args=[run.pk, "xlsx"]))
    assert book.content[:2] == b"PK"
    sheets = load_workbook(io.BytesIO(book.content)).sheetnames
    assert sheets[0] == "about" and {"survival", "matching", "funnel", "areas"} <= set(sheets)
    html = client.get(reverse("evaluation:run_document", args=[run.pk, "html"]))
    assert html["Content-Type"].startswith("text/html") and "attachment" in html["Content-Disposition"]
    assert "Hazard ratio of violent re-involvement" in html.content.decode()
    assert client.get(reverse("evaluation:run_document", args=[run.pk, "docx"])).status_code == 404
    formats = AuditEvent.objects.filter(action="evaluation.read").values_list("changes__format", flat=True)
    assert sorted(formats) == ["csv", "html", "job", "json", "page", "pdf", "xlsx"]


def test_an_analyst_gets_the_public_edition_only(city: None, client: Any, make_user: Any) -> None:
    manager, analyst = make_user("manager"), make_user("analyst")
    client.force_login(manager)
    official = ask(client, "official")
    client.force_login(analyst)
    page = client.get(reverse("evaluation:index")).content.decode()
    assert 'name="audience"' not in page
    assert client.get(reverse("evaluation:run", args=[official.pk])).status_code == 404
    mine = ask(client, None)
    assert mine.audience == "public"
    shown = client.get(reverse("evaluation:run", args=[mine.pk])).content.decode()
    assert "public: small counts withheld" in shown and "withheld" in shown
    assert client.post(reverse("evaluation:index"), {"as_of": AS_OF.isoformat(), "audience": "official"})
    assert EvaluationRun.objects.filter(requested_by=analyst, audience="official").count() == 0
    # Another analyst does not see this one's run.
    client.force_login(make_user("analyst"))
    assert client.get(reverse("evaluation:run", args=[mine.pk])).status_code == 404
    assert client.get(reverse("evaluation:run_csv", args=[mine.pk])).status_code == 404
    # A manager sees every run.
    client.force_login(manager)
    assert client.get(reverse("evaluation:run", args=[mine.pk])).status_code == 200


@pytest.mark.parametrize("role", ["peer", "police", "admin", "integration"])
def test_other_roles_are_refused(city: None, client: Any, make_user: Any, role: str) -> None:
    client.force_login(make_user(role))
    assert client.get(reverse("evaluation:index")).status_code == 403
    assert client.post(reverse("evaluation:index"), {"as_of": AS_OF.isoformat()}).status_code == 403
    assert not Job.objects.exists()
    home = client.get(reverse("home")).content.decode()
    assert reverse("evaluation:index") not in home


def test_a_future_day_is_refused_with_its_reason(city: None, client: Any, make_user: Any) -> None:
    client.force_login(make_user("manager"))
    later = dt.date.today() + dt.timedelta(days=40)
    response = client.post(reverse("evaluation:index"), {"as_of": later.isoformat(), "audience": "official"})
    assert response.status_code == 200 and "choose a past day" in response.content.decode()
    assert not Job.objects.exists()


def test_a_public_edition_asks_for_a_months_last_day(city: None, client: Any, make_user: Any) -> None:
    client.force_login(make_user("analyst"))
    response = client.post(reverse("evaluation:index"), {"as_of": "2025-06-29"})
    page = response.content.decode()
    assert response.status_code == 200 and "the last day of a month, such as 2025-05-31" in page
    assert not Job.objects.exists()


def test_an_analysts_public_edition_is_as_of_the_latest_months_end_or_a_fiscal_years(
    city: None, client: Any, make_user: Any
) -> None:
    client.force_login(make_user("analyst"))
    response = client.post(reverse("evaluation:index"), {"as_of": "2025-05-31"})
    assert response.status_code == 200 and "the end of the latest complete month" in response.content.decode()
    assert not Job.objects.exists()
