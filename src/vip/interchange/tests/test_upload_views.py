"""The Data page's uploads: a manager uploads a police export with its mapping, checks it, sees
its problems as ``file:line: column: message`` (counted, a page at a time), uploads it fixed,
imports it and sees the counts; nobody else uploads or reads uploads."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from vip.audit.models import AuditEvent
from vip.interchange.models import SavedMapping, Upload
from vip.interchange.tests.helpers import table_counts
from vip.people.models import Person

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[4] / "docs" / "examples"
EXPORT = (EXAMPLES / "police-rms-export.csv").read_text(encoding="utf-8")
MAPPING = (EXAMPLES / "police-rms-mapping.toml").read_bytes()
OTHER_ROLES = ("peer", "police", "analyst", "admin", "integration")


@pytest.fixture(autouse=True)
def folder(settings, tmp_path: Path) -> Path:
    settings.VIP_UPLOAD_DIR = tmp_path / "uploads"
    return settings.VIP_UPLOAD_DIR


def _file(content: str | bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(content.encode("utf-8") if isinstance(content, str) else content)
    handle.name = name
    return handle


def _post(client, export: str = EXPORT, *, check: bool = True, **more):
    data = {"source": _file(export, "apd-november.csv"), **more}
    if "saved_mapping" not in more:
        data["mapping"] = _file(MAPPING, "apd.toml")
    if check:
        data["dry_run"] = "on"
    return client.post(reverse("data:mapped"), data)


def _problems(page: str) -> list[str]:
    found = re.search(r'<ol class="mono problems"[^>]*>(.*?)</ol>', page, re.S)
    if not found:
        return []
    import html

    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def _with_bad_dates(lines: list[int]) -> str:
    rows = EXPORT.splitlines(keepends=True)
    for line in lines:
        rows[line - 1] = rows[line - 1].replace("/19", "-19").replace("/20", "-20", 1)
    return "".join(rows)


def test_check_fix_import_and_the_counts(client, program, make_user) -> None:
    client.force_login(make_user("manager"))
    assert client.get(reverse("data:mapped")).status_code == 200
    bad = EXPORT.splitlines(keepends=True)
    bad[2] = bad[2].replace("01/31/1999", "31/01/1999")
    before = table_counts()
    page = _post(client, "".join(bad)).content.decode()
    assert "Not imported: 1 problem" in page
    assert _problems(page) == ["apd-november.csv:3: DOB: '31/01/1999' is not a date in the format '%m/%d/%Y'"]
    after = table_counts()
    after.pop("audit.AuditEvent"), before.pop("audit.AuditEvent")
    assert after == before and not Person.objects.exists()

    page = _post(client).content.decode()  # fixed, checked again
    assert "No problem found (nothing written)" in page
    assert "Rows checked (nothing written)" in page
    assert not Person.objects.exists()
    checked = Upload.objects.latest("id")
    assert checked.status == Upload.Status.CHECKED and checked.importable
    answer = client.post(reverse("data:upload_import", args=[checked.pk]))
    imported = Upload.objects.latest("id")
    assert answer.status_code == 302 and answer["Location"] == reverse("data:upload", args=[imported.pk])
    page = client.get(answer["Location"]).content.decode()
    assert "Imported" in page and "What the import changed" in page
    assert re.search(r"People <span class=\"muted\">\(people.csv\)</span></th><td[^>]*>4</td><td[^>]*>4</td>", page)
    assert Person.objects.count() == 4
    # Imported already: the checked upload's file went with the import.
    assert client.post(reverse("data:upload_import", args=[checked.pk])).status_code == 409

    page = _post(client, check=False).content.decode()  # the same export again
    assert "Imported" in page
    assert re.search(
        r"People <span class=\"muted\">\(people.csv\)</span></th><td[^>]*>4</td><td[^>]*>0</td>"
        r"<td[^>]*>0</td><td[^>]*>4</td>",
        page,
    )
    assert Person.objects.count() == 4

    listing = client.get(reverse("data:uploads")).content.decode()
    assert listing.count("apd-november.csv</a>") == 4


def test_many_problems_are_counted_and_paged(client, program, make_user) -> None:
    client.force_login(make_user("manager"))
    header, row = EXPORT.splitlines()[:2]
    rows = [header] + [row.replace("02/29/2000", f"13/{n % 28 + 1:02}/2000") for n in range(120)]
    page = _post(client, "\n".join(rows) + "\n").content.decode()
    upload = Upload.objects.get()
    count = upload.result["problem_count"]
    assert count >= 120
    assert f"Not imported: {count} problems" in page
    first = _problems(page)
    assert len(first) == 50 and first[0].startswith("apd-november.csv:2: DOB: '13/01/2000' is not a date")
    assert f'href="{reverse("data:upload", args=[upload.pk])}?page=2"' in page
    second = _problems(client.get(reverse("data:upload", args=[upload.pk]), {"page": 2}).content.decode())
    assert len(second) == 50 and second[0].startswith("apd-november.csv:52: DOB: ")
    assert all(re.match(r"^apd-november\.csv:\d+: [^:]+: .+", p) for p in first + second)


def test_a_saved_mapping_is_offered_and_used(client, program, make_user) -> None:
    client.force_login(make_user("manager"))
    _post(client, save_as="APD records system")
    saved = SavedMapping.objects.get()
    form = client.get(reverse("data:mapped")).content.decode()
    assert "APD records system" in form
    page = _post(client, check=False, saved_mapping=str(saved.pk)).content.decode()
    assert "Imported" in page and "mapping apd.toml" in page
    assert Person.objects.count() == 4
    neither = client.post(reverse("data:mapped"), {"source": _file(EXPORT, "e.csv")}).content.decode()
    assert "Choose a saved mapping or upload a mapping file" in neither


def test_bundles_keep_their_page_and_show_problems_in_the_same_form(client, program, make_user) -> None:
    client.force_login(make_user("manager"))
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("people.csv", "person_key,first_name,last_name,date_of_birth\nP1,Ana,García,2001-02-30\n")
    bad.seek(0)
    bad.name = "city.zip"
    page = client.post(reverse("data:index"), {"bundle": bad}).content.decode()
    assert _problems(page) == ["people.csv:2: date_of_birth: '2001-02-30' is not a real calendar date"]
    assert Upload.objects.get().kind == Upload.Kind.BUNDLE
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("people.csv", "person_key,first_name,last_name\nP1,Ana,García\n")
    good.seek(0)
    good.name = "city.zip"
    page = client.post(reverse("data:index"), {"bundle": good, "dry_run": "on"}).content.decode()
    assert "No problem found (nothing written)" in page and not Person.objects.exists()
    checked = Upload.objects.latest("id")
    answer = client.post(reverse("data:upload_import", args=[checked.pk]))
    page = client.get(answer["Location"]).content.decode()
    assert "What the import changed" in page
    assert Person.objects.get().key == "P1"


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_managers_upload_or_read_uploads(client, program, make_user, role) -> None:
    manager = make_user("manager")
    client.force_login(manager)
    _post(client)
    upload = Upload.objects.get()
    client.force_login(make_user(role))
    for url in (
        reverse("data:mapped"),
        reverse("data:uploads"),
        reverse("data:upload", args=[upload.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert _post(client).status_code == 403
    assert client.post(reverse("data:upload_import", args=[upload.pk])).status_code == 403
    assert Upload.objects.count() == 1 and not Person.objects.exists()


def test_the_upload_list_shows_what_the_policy_allows(client, program, make_user) -> None:
    first, second = make_user("manager"), make_user("manager")
    client.force_login(first)
    _post(client)
    client.force_login(second)
    listing = client.get(reverse("data:uploads"))
    assert [u.uploaded_by for u in listing.context["page"]] == [first]  # managers see the program's uploads
    missing = client.get(reverse("data:upload", args=[Upload.objects.get().pk + 1]))
    assert missing.status_code == 404
    shown = client.get(reverse("data:upload", args=[Upload.objects.get().pk]))
    assert shown.status_code == 200
    assert AuditEvent.objects.filter(action="upload.read", actor=second).exists()
