"""The evaluator's dataset (security row 42): a scan for anything finer than a year, any key or
name, the over-89 group, pseudonyms keyed per export, the rows it holds, who may have it and
that its release is audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from vip.audit.models import AuditEvent
from vip.cli import main
from vip.evaluation.dataset import evaluator_dataset
from vip.evaluation.models import EvaluationRun
from vip.evaluation.tests.test_comparison import candidate_pairs
from vip.evaluation.tests.test_survival import PLAN, _build, attempt, person
from vip.identification.models import Incident
from vip.people.models import Person

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2025, 6, 30)
DAY = re.compile(r"\d{4}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")


@pytest.fixture
def city(program: Any) -> dict[str, Any]:
    _build(PLAN, AS_OF)
    candidate_pairs(6, comparison_hurt_every=2)
    elder = person(born=dt.date(1930, 2, 1))  # 94 at origin
    attempt(elder, dt.date(2024, 4, 2))
    return {"elder": elder}


def read(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_nothing_finer_than_a_year_no_key_no_name(city: dict[str, Any]) -> None:
    content = evaluator_dataset(user=None, as_of=AS_OF)
    text = content.decode()
    assert not DAY.search(text), DAY.search(text)
    forbidden = {p.key for p in Person.objects.all()} | {p.last_name for p in Person.objects.all()}
    forbidden |= set(Incident.objects.values_list("key", flat=True))
    cells = {cell for row in csv.reader(io.StringIO(text)) for cell in row}
    assert not cells & forbidden
    rows = read(content)
    assert len(rows) == len(PLAN) + 6 + 1 + 6  # the notified (planned, candidates, the elder) and the matches
    assert {r["group"] for r in rows} == {"notified", "comparison"}
    assert [r["person_pseudonym"] for r in rows] == sorted(r["person_pseudonym"] for r in rows)
    sets = {r["matched_set"] for r in rows if r["group"] == "comparison"}
    assert len(sets) == 6 and all(s.startswith("S") for s in sets)
    assert sum(r["event"] == "1" for r in rows if r["group"] == "comparison") == 3


def test_ages_over_89_are_one_group(city: dict[str, Any]) -> None:
    rows = read(evaluator_dataset(user=None, as_of=AS_OF))
    elder = [r for r in rows if r["age_at_origin"] == "90+"]
    assert len(elder) == 1 and elder[0]["birth_year"] == ""  # no year of birth that gives the age away
    assert elder[0]["origin_year"] == "2024"
    others = [r for r in rows if r["age_at_origin"] not in {"90+", ""}]
    assert others and all(r["birth_year"] == "2000" for r in others)


def test_pseudonyms_are_keyed_per_export(city: dict[str, Any]) -> None:
    first = {r["person_pseudonym"] for r in read(evaluator_dataset(user=None, as_of=AS_OF))}
    second = {r["person_pseudonym"] for r in read(evaluator_dataset(user=None, as_of=AS_OF))}
    assert len(first) == len(second) and not first & second


def test_who_may_have_it_and_its_release_is_audited(city: dict[str, Any], make_user: Any, client: Any) -> None:
    for role in ("peer", "police", "admin"):
        with pytest.raises(PermissionDenied):
            evaluator_dataset(user=make_user(role), as_of=AS_OF)
    analyst = make_user("analyst")
    rows = read(evaluator_dataset(user=analyst, as_of=AS_OF))
    event = AuditEvent.objects.filter(action="evaluation.dataset").latest("id")
    assert (event.actor_id, event.object_id, event.changes["rows"]) == (analyst.pk, AS_OF.isoformat(), len(rows))
    # From a kept run's page: the run's day.
    from vip.evaluation.services import evaluation_run_record

    run = evaluation_run_record(actor=analyst, as_of=AS_OF, audience="public")
    client.force_login(analyst)
    download = client.get(reverse("evaluation:run_dataset", args=[run.pk]))
    assert download.status_code == 200 and len(read(download.content)) == len(rows)
    client.force_login(make_user("analyst"))  # another analyst's run: not theirs
    assert client.get(reverse("evaluation:run_dataset", args=[run.pk])).status_code == 404
    assert EvaluationRun.objects.count() == 1


def test_vip_evaluate_writes_it_when_asked(city: dict[str, Any], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["evaluate", "--as-of", AS_OF.isoformat(), "--out", str(tmp_path), "--dataset"])
    assert result.exit_code == 0, result.output
    assert not DAY.search((tmp_path / "evaluation-dataset.csv").read_text(encoding="utf-8"))
