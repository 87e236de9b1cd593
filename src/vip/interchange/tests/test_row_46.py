"""Security row 46: an importer line or cell larger than the configured limit is refused before it
is held in memory; memory stays bounded whatever the file.

The file of the row's test: 300 rows of 4 MB lines (1.2 GB). Each is refused with its file, line
and column; nothing is written; the importer's peak memory (traced by tracemalloc in the test,
and the resident size of a separate process reading the file, ``bench/peak_rss.py``) stays far
under 500 MB.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from vip.interchange import services
from vip.interchange.mapped import mapped_import
from vip.interchange.reader import max_line_bytes
from vip.interchange.services import bundle_import
from vip.interchange.tests.helpers import table_counts

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[4]
LINE = 4 * 1024 * 1024  # 4 MB
ROWS = 300
PEAK = 500 * 1024 * 1024


def _huge_people(path: Path, header: str = "person_key,first_name,last_name,area\n") -> Path:
    """``ROWS`` rows whose first name is a 4 MB cell: 1.2 GB, written without holding it."""
    cell = b"a" * LINE
    with open(path, "wb") as handle:
        handle.write(header.encode())
        for n in range(ROWS):
            handle.write(f"P{n},".encode() + cell + b",Baca,valley\n")
    return path


def test_row_46_the_limit_is_configured_with_a_sensible_default() -> None:
    assert settings.VIP_IMPORT_MAX_LINE_BYTES == 64 * 1024 == max_line_bytes()
    assert settings.FILE_UPLOAD_HANDLERS == ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440


def test_row_46_300_rows_of_4_mb_lines_are_refused_with_file_line_and_column(
    program, make_user, tmp_path: Path
) -> None:
    folder = tmp_path / "bundle"
    folder.mkdir()
    _huge_people(folder / "people.csv")
    manager = make_user("manager")
    before = table_counts()
    tracemalloc.start()
    try:
        result = bundle_import(actor=manager, path=folder)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not result.written
    assert [str(p) for p in result.problems] == [
        f"people.csv:{line}: first_name: line longer than 65536 bytes: refused" for line in range(2, ROWS + 2)
    ]
    assert table_counts() == before  # nothing written, not even an audit event
    assert peak < 64 * 1024 * 1024, peak  # a few chunks of 64 KiB, never a 4 MB line


def test_row_46_the_mapped_import_refuses_them_too(program, make_user, tmp_path: Path) -> None:
    source = _huge_people(tmp_path / "rms.csv", "MNI,FIRST,LAST,AREA\n")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[incidents]\nincident_key = { value = "X" }\noccurred_at = { value = "2022-01-01" }\n'
        'type = { value = "shooting" }\n[people]\nperson_key = "MNI"\nfirst_name = "FIRST"\n'
        'last_name = "LAST"\n[involvements]\nrole = { value = "victim" }\n',
        encoding="utf-8",
    )
    manager = make_user("manager")
    before = table_counts()
    tracemalloc.start()
    try:
        result = mapped_import(actor=manager, path=source, mapping_path=mapping)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not result.written
    shown = [str(p) for p in result.problems]
    assert shown[:2] == [
        "rms.csv:2: FIRST: line longer than 65536 bytes: refused",
        "rms.csv:3: FIRST: line longer than 65536 bytes: refused",
    ]
    assert len(shown) == ROWS
    assert table_counts() == before
    assert peak < 64 * 1024 * 1024, peak


def test_row_46_peak_resident_memory_of_a_process_reading_the_file(tmp_path: Path) -> None:
    """The reader in a process of its own (Django set up, no database), its peak resident size
    measured by bench/peak_rss.py (the kernel's ru_maxrss)."""
    folder = tmp_path / "bundle"
    folder.mkdir()
    _huge_people(folder / "people.csv")
    script = (
        "import django; django.setup()\n"
        "from pathlib import Path\n"
        "from vip.interchange.reader import BundleSource\n"
        "from vip.interchange.schema import PEOPLE\n"
        "problems = []\n"
        f"with BundleSource(Path({str(folder)!r})) as source:\n"
        "    rows = sum(1 for _ in source.rows(PEOPLE, problems.append))\n"
        "print(rows, len(problems), problems[0])\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "sqlite:///:memory:",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
    }
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, str(ROOT / "bench" / "peak_rss.py"), sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"0 {ROWS} people.csv:2: first_name: line longer than"), done.stdout
    peak_kb = int(done.stderr.rsplit("PEAK_RSS_KB=", 1)[1].split()[0])
    assert peak_kb * 1024 < PEAK, peak_kb


def test_row_46_a_cell_spanning_lines_and_a_row_are_bounded_too(program, make_user, write_bundle) -> None:
    limit = max_line_bytes()
    short_lines = b"a\n" * (limit // 2 + 10)  # a quoted cell of many short lines, over the limit
    path = write_bundle({"people.csv": b'person_key,first_name,last_name\nP1,"' + short_lines + b'",Baca\n'})
    result = bundle_import(actor=make_user("manager"), path=path)
    assert not result.written
    assert [str(p) for p in result.problems] == ["people.csv:2: -: a cell longer than 65536 characters: refused"]
    # Eight cells of 40 KB, each of short lines: no line and no cell over the limit, the row is.
    cell = b'"' + b"a\n" * 20_000 + b'"'
    path = write_bundle(
        {"people.csv": b"person_key,first_name,last_name,x1,x2,x3,x4,x5\n" + b",".join([cell] * 8) + b"\n"}
    )
    result = bundle_import(actor=make_user("manager"), path=path)
    assert not result.written
    assert "row longer than 262144 bytes: refused" in str(result.problems[0])


def test_row_46_a_batch_holds_a_bounded_number_of_bytes() -> None:
    rows = ((n, None, ["x" * 60_000]) for n in range(1000))
    sizes = [len(batch) for batch in services._batches(rows, 2000)]
    assert sum(sizes) == 1000 and max(sizes) * 60_000 <= services.BATCH_MAX_BYTES + 60_000


def _workbook(cells: list[list[str]], shared: str = "") -> bytes:
    """A workbook of ``cells`` (openpyxl writes them as inline strings), with a table of shared
    strings holding ``shared`` when given."""
    from openpyxl import Workbook

    book = Workbook()
    for row in cells:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if shared:
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.writestr(
                "xl/sharedStrings.xml",
                '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
                f"<si><t>Ana</t></si><si><t>{shared}</t></si></sst>",
            )
    return buffer.getvalue()


@pytest.mark.parametrize("shared", [False, True], ids=["inline string", "shared string"])
def test_row_46_an_xlsx_cell_over_the_limit_is_refused_before_it_is_read(
    program, make_user, tmp_path: Path, shared: bool, settings
) -> None:
    # A workbook cell holds at most 32,767 characters: the limit is lowered to show the check.
    settings.VIP_IMPORT_MAX_LINE_BYTES = 1000
    source = tmp_path / "rms.xlsx"
    long = "a" * 1001
    rows = [["MNI", "FIRST", "LAST"], ["M1", "Ana" if shared else long, "Baca"]]
    source.write_bytes(_workbook(rows, long if shared else ""))
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[incidents]\nincident_key = { value = "X" }\noccurred_at = { value = "2022-01-01" }\n'
        'type = { value = "shooting" }\n[people]\nperson_key = "MNI"\nfirst_name = "FIRST"\n'
        'last_name = "LAST"\n[involvements]\nrole = { value = "victim" }\n',
        encoding="utf-8",
    )
    result = mapped_import(actor=make_user("manager"), path=source, mapping_path=mapping)
    assert not result.written
    shown = [str(p) for p in result.problems]
    assert len(shown) == 1 and "longer than 1000 characters" in shown[0], shown
    assert ("shared string 2" if shared else "cell B2 of sheet1") in shown[0], shown


def test_row_46_an_xlsx_expanding_past_the_cap_is_refused(program, make_user, tmp_path: Path, settings) -> None:
    settings.VIP_IMPORT_MAX_XLSX_BYTES = 1000
    source = tmp_path / "rms.xlsx"
    source.write_bytes(_workbook([["MNI", "FIRST", "LAST"], ["M1", "Ana", "Baca"]]))
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[incidents]\nincident_key = { value = "X" }\noccurred_at = { value = "2022-01-01" }\n'
        'type = { value = "shooting" }\n[people]\nperson_key = "MNI"\nfirst_name = "FIRST"\n'
        'last_name = "LAST"\n[involvements]\nrole = { value = "victim" }\n',
        encoding="utf-8",
    )
    result = mapped_import(actor=make_user("manager"), path=source, mapping_path=mapping)
    assert [str(p) for p in result.problems] == ["rms.xlsx:0: -: refused: the workbook expands to more than 1000 bytes"]


def test_row_46_the_upload_refuses_an_over_long_line(client, program, make_user) -> None:
    manager = make_user("manager")
    client.force_login(manager)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("people.csv", "person_key,first_name,last_name\nP1," + "a" * 100_000 + ",Baca\n")
    buffer.seek(0)
    buffer.name = "bundle.zip"
    before = table_counts()
    response = client.post(reverse("data:index"), {"bundle": buffer})
    assert response.status_code == 200
    problems = [str(p) for p in response.context["result"].problems]
    assert problems == ["people.csv:2: first_name: line longer than 65536 bytes: refused"]
    counts = table_counts()
    assert counts.pop("audit.AuditEvent") >= before.pop("audit.AuditEvent")
    assert counts == before
