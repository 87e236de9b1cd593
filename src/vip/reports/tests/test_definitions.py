"""Every figure the report shows has its plain-words definition on the definitions page and in the docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from vip.core.dates import Month
from vip.reports.definitions import CURRENT_VERSION, FIELD_DEFINITIONS, definitions
from vip.reports.render import TABLE_METRICS
from vip.reports.services import report_generate

DOCS = Path(__file__).parents[4] / "docs" / "report-definitions.md"


def metrics_shown(data: dict) -> set[str]:
    return {t["metric"] for t in data["tables"]} | {h["metric"] for h in data["headline"]}


def test_every_table_names_a_defined_metric() -> None:
    defined = {d.id for d in (*definitions(), *FIELD_DEFINITIONS)}
    assert set(TABLE_METRICS.values()) <= defined


@pytest.mark.django_db
def test_definitions_page_and_docs_explain_every_metric_shown(program) -> None:
    run = report_generate(actor=None, month=Month(2022, 11), formats=["html", "json"])
    data = json.loads(bytes(run.files.get(format="json").content))
    html = bytes(run.files.get(format="html").content).decode()
    docs = DOCS.read_text(encoding="utf-8")
    shown = metrics_shown(data)
    assert shown, "the report shows no figure?"
    by_id = {d.id: d for d in definitions(data["definitions_version"])}
    for metric in shown:
        assert metric in by_id, f"{metric} has no definition in version {data['definitions_version']}"
        definition = by_id[metric]
        assert len(definition.text.split()) >= 12, f"{metric}: the definition is too short to explain anything"
        assert f'id="def-{metric}"' in html, f"{metric} is missing from the definitions page"
        assert definition.text in html.replace("&#x27;", "'"), f"{metric}: the page's text differs"
        assert f"(`{metric}`)" in docs, f"{metric} is missing from docs/report-definitions.md"
        assert " ".join(definition.text.split()) in " ".join(docs.split()), f"{metric}: the docs' text differs"
    assert f"## Version {CURRENT_VERSION}" in docs
    assert re.search(rf"Definitions version</dt><dd>{re.escape(CURRENT_VERSION)}", html)
