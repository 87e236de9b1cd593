"""Acceptance: the seed report's area command table, exactly, in every format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.db import transaction

from vip.configuration.services import profile_load
from vip.core.config import forget_program_header
from vip.core.dates import Month
from vip.interchange.services import bundle_import
from vip.reports.services import report_generate
from vip.reports.tests import formats

pytestmark = pytest.mark.django_db  # pytest-django sets the test database up for marked tests only

FIXTURE = Path(__file__).parent / "fixtures" / "seed_november_2022"
SEED = {
    "Southeast": ["9", "0", "1", "22"],
    "Northeast": ["4", "0", "1", "11"],
    "Northwest": ["12", "1", "0", "17"],
    "Foothills": ["3", "0", "0", "7"],
    "Southwest": ["4", "2", "0", "13"],
    "Valley": ["8", "0", "0", "12"],
    "N/A": ["1", "18", "16", "35"],
    "Total": ["41", "21", "18", "117"],
}


@pytest.fixture(scope="module")
def seed_files(django_db_setup, django_db_blocker) -> dict[str, bytes]:
    """The seed report (official, November 2022, every format), generated once for the module:
    the tests only read its files. It is generated in a transaction rolled back at once, so the
    database is left as it was; the files' bytes are what the tests get."""
    with django_db_blocker.unblock(), transaction.atomic():
        profile_load(actor=None, name="albuquerque")  # as the program fixture does
        result = bundle_import(actor=None, path=FIXTURE)
        assert result.written, [str(p) for p in result.problems]
        run = report_generate(actor=None, month=Month(2022, 11), audience="official")
        files = {f.format: bytes(f.content) for f in run.files.all()}
        transaction.set_rollback(True)
    forget_program_header()  # the program loaded here is gone
    return files


def test_area_command_table_matches_the_seed_in_every_format(seed_files) -> None:
    files = dict(seed_files)
    assert set(files) == {"pdf", "html", "xlsx", "csv", "json"}
    layout = json.loads(files["json"])
    area = next(t for t in layout["tables"] if t["id"] == "area_command")
    assert [c["label"] for c in area["columns"]] == ["NOV", "OCT", "SEPT", "FYTD"]
    assert [r["label"] for r in area["rows"]] == list(SEED)

    shown = formats.from_json(files["json"])
    by_format = {
        "json": shown,
        "csv": formats.from_csv(files["csv"], shown),
        "xlsx": formats.from_xlsx(files["xlsx"], layout),
        "html": formats.from_html(files["html"], layout),
    }
    for name, figures in by_format.items():
        table = {
            row["label"]: [figures[("area_command", row["key"], c["key"])] for c in area["columns"]]
            for row in area["rows"]
        }
        assert table == SEED, name

    text = formats.pdf_text(files["pdf"])
    assert formats.pdf_table_rows(text, list(SEED), 4) == SEED
    squeezed = re.sub(r"\s+", "", text)  # letter-spaced titles come out of pdftotext spaced
    assert "NOVEMBER2022" in squeezed
    assert "NOVEMBERSUMMARYBYAGEGROUP" in squeezed  # the title comes from the report month
    assert "SEPTEMBERSUMMARY" not in squeezed
    assert "CABQ.GOV/VIP" in squeezed
    assert "Definitionsversion2022.1" in squeezed


def test_every_format_carries_the_same_numbers(seed_files) -> None:
    files = dict(seed_files)
    layout = json.loads(files["json"])
    shown = formats.from_json(files["json"])
    assert formats.from_csv(files["csv"], shown) == shown
    assert formats.from_xlsx(files["xlsx"], layout) == shown
    html = formats.from_html(files["html"], layout)
    assert html == {key: value for key, value in shown.items() if key in html}
    shown_tables = {key[0] for key in html}
    assert shown_tables >= {
        "area_command",
        "summary_by_age_group",
        "services_connected",
        "referrals_by_source",
        "enforcement",
        "further_violence",
        "running_success_rate",
    }
    # The headline figures come from the same cells.
    headline = {item["title"]: item["display"] for item in layout["headline"]}
    assert headline["Custom notifications delivered, NOV"] == "41"
    assert headline["Custom notifications delivered, FYTD"] == "117"
