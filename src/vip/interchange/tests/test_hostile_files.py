"""Security row 24: hostile files are refused cleanly. Whatever bytes arrive (odd unicode,
byte-order marks, other encodings, NUL bytes, huge fields, formula prefixes, zip bombs, wrong
magic bytes, truncated or damaged zips, paths leaving the bundle), the importer answers with
problems naming the file (and the line and column where there is one), never an exception,
and writes nothing. The same holds through the data screen's upload."""

from __future__ import annotations

import csv
import io
import os
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vip.interchange import reader
from vip.interchange.services import ImportResult, bundle_import
from vip.interchange.tests.helpers import PEOPLE, PEOPLE_HEADER, table_counts

pytestmark = pytest.mark.django_db

ODD_CELLS = [
    '=HYPERLINK("http://x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\ufeffP1",  # a byte-order mark inside a cell
    "\u202eevil\u202c",  # right-to-left override
    "e\u0301",  # a combining accent
    "zero\u200bwidth",
    "\uff21\uff4e\uff41",  # full-width letters
    "\U0001d538\U0001d55f\U0001d552",  # letters outside the basic plane
    "\x00",
    "\x00P1",
    "line\r\nbreak",
    '"',
    '""',
    ",",
    "\x1b[31m",
    "\ud7ff\ue000\uffff",
    "P1",
    "2000-02-29",
    "southeast",
]
cells = st.one_of(
    st.sampled_from(ODD_CELLS),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
)
rows = st.lists(st.lists(cells, max_size=8), max_size=5)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252", "utf-32"]


def _checked(path: Path, actor: object) -> ImportResult:
    """Import; whatever happens: no exception, clear problems, nothing written if refused."""
    before = table_counts()
    result = bundle_import(actor=actor, path=path)  # type: ignore[arg-type]
    for problem in result.problems:
        assert problem.file and problem.message, problem
        assert "Traceback" not in problem.message and 'File "' not in problem.message
        assert problem.line >= 0
    if not result.written:
        assert table_counts() == before, [str(p) for p in result.problems]
    else:
        assert result.valid
    return result


def _csv_bytes(header: list[str], body: list[list[str]], encoding: str, quoted: bool) -> bytes:
    buffer = io.StringIO()
    if quoted:
        csv.writer(buffer).writerows([header, *body])
    else:  # no quoting at all: commas, quotes and line breaks in cells break the layout
        buffer.write("".join(",".join(row) + "\n" for row in [header, *body]))
    return buffer.getvalue().encode(encoding, errors="replace")


@settings(
    max_examples=int(os.environ.get("VIP_FUZZ_EXAMPLES", "40")),
    derandomize=os.environ.get("VIP_FUZZ_RANDOM") != "1",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    header=st.one_of(
        st.just(PEOPLE_HEADER.strip().split(",")),
        st.lists(st.sampled_from(["person_key", "first_name", "last_name", "area", "", "PERSON_KEY "]), max_size=6),
        st.lists(cells, max_size=4),
    ),
    body=rows,
    encoding=st.sampled_from(ENCODINGS),
    quoted=st.booleans(),
    noise=st.binary(max_size=16),
    noise_at=st.integers(min_value=0, max_value=400),
    zipped=st.booleans(),
    cut=st.one_of(st.none(), st.integers(min_value=0, max_value=600)),
)
def test_row_24_importer_survives_hostile_files(
    program, make_user, tmp_path_factory, header, body, encoding, quoted, noise, noise_at, zipped, cut
) -> None:
    manager = make_user("manager")
    data = _csv_bytes(header, body, encoding, quoted)
    data = data[:noise_at] + noise + data[noise_at:]
    folder = tmp_path_factory.mktemp("hostile")
    if zipped:
        path = folder / "bundle.zip"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("people.csv", data)
        packed = buffer.getvalue()
        path.write_bytes(packed if cut is None else packed[:cut])
    else:
        path = folder
        (folder / "people.csv").write_bytes(data if cut is None else data[:cut])
    _checked(path, manager)


# ---- each kind of hostile file, with the message it gets ---------------------------------------


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _patch_central(packed: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Change one field of every entry of the zip's central directory (and local headers)."""
    data = bytearray(packed)
    local_offsets = {"<H@8": 6, "<H@10": 8, "<I@24": 22}  # flag, method, uncompressed size
    key = f"{fmt}@{offset}"
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        struct.pack_into(fmt, data, start + offset, value)
        start += 4
    start = 0
    while (start := data.find(b"PK\x03\x04", start)) != -1:
        struct.pack_into(fmt, data, start + local_offsets[key], value)
        start += 4
    return bytes(data)


def _flag(packed: bytes, bit: int) -> bytes:
    return _patch_central(packed, 8, "<H", bit)


def _method(packed: bytes, method: int) -> bytes:
    return _patch_central(packed, 10, "<H", method)


def _declared_size(packed: bytes, size: int) -> bytes:
    return _patch_central(packed, 24, "<I", size)


BIG = b"person_key,first_name,last_name\n" + b"P1,Ana," + b"a" * 30_000_000 + b"\n"
CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "zip bomb": (lambda: _zip({"people.csv": BIG}), "people.csv:0: -: refused: expands to"),
    "member larger than it declares": (
        lambda: _declared_size(_zip({"people.csv": PEOPLE.encode() * 50}), 60),
        "people.csv:",
    ),
    "truncated zip": (lambda: _zip({"people.csv": PEOPLE.encode() * 50})[:-30], "bundle.zip:0: -: damaged zip file"),
    "wrong magic bytes (PDF)": (
        lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj\n" * 20,
        "not a zip file or folder",
    ),
    "wrong magic bytes (gzip)": (lambda: b"\x1f\x8b\x08\x00" + os.urandom(64), "not a zip file or folder"),
    "empty file": (lambda: b"", "not a zip file or folder"),
    "zip signature and junk": (lambda: b"PK\x03\x04" + b"\x00" * 100, "damaged zip file: truncated"),
    "path out of the bundle": (
        lambda: _zip({"../people.csv": PEOPLE.encode()}),
        "../people.csv:0: -: refused: a file name that points outside the bundle",
    ),
    "absolute path": (
        lambda: _zip({"/etc/people.csv": PEOPLE.encode()}),
        "/etc/people.csv:0: -: refused: a file name that points outside the bundle",
    ),
    "encrypted member": (lambda: _flag(_zip({"people.csv": PEOPLE.encode()}), 1), "refused: the file is encrypted"),
    "unknown compression": (
        lambda: _method(_zip({"people.csv": PEOPLE.encode()}), 99),
        "people.csv:0: -: damaged zip member",
    ),
    "NUL bytes": (
        lambda: _zip({"people.csv": PEOPLE.encode() + b"P3,Eva\x00,Baca,,,\n"}),
        "people.csv:4: -: holds a NUL byte (0x00): not a CSV text file",
    ),
    "UTF-16": (
        lambda: _zip({"people.csv": PEOPLE.encode("utf-16")}),
        "people.csv:1: -: saved as UTF-16 (it starts with a UTF-16 byte-order mark); save the file as UTF-8",
    ),
    "Latin-1": (
        lambda: _zip({"people.csv": PEOPLE.encode("latin-1")}),
        "people.csv:2: -: not valid UTF-8 (byte 0xed); save the file as UTF-8",
    ),
    "huge field": (
        lambda: _zip({"people.csv": PEOPLE.encode() + b'P3,"' + b"a\n" * 600_000 + b'",Baca,,,\n'}),
        "people.csv:4: -: a cell longer than 65536 characters: refused",
    ),
    "huge line": (
        lambda: _zip({"people.csv": PEOPLE.encode() + b"P3," + b"a" * 5_000_000 + b",Baca,,,\n"}),
        "people.csv:4: first_name: line longer than 65536 bytes: refused",
    ),
    "too long for its column": (
        lambda: _zip({"people.csv": PEOPLE.encode() + b"P3," + b"a" * 5000 + b",Baca,,,\n"}),
        "people.csv:4: first_name: longer than",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_row_24_each_hostile_file_gets_a_clear_error(program, make_user, tmp_path: Path, case: str) -> None:
    make, expected = CASES[case]
    path = tmp_path / "bundle.zip"
    path.write_bytes(make())
    result = _checked(path, make_user("manager"))
    assert not result.valid and not result.written
    shown = [str(p) for p in result.problems]
    assert any(expected in text for text in shown), shown


def test_row_24_the_bundle_total_is_capped(program, make_user, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(reader, "MAX_TOTAL_BYTES", 1000)
    path = tmp_path / "bundle.zip"
    referrals = b"referral_key,person_key,received_on,source\n" + b"R1,P1,2022-11-01,hospital\n" * 30
    path.write_bytes(_zip({"people.csv": PEOPLE.encode() * 5, "referrals.csv": referrals}))
    result = _checked(path, make_user("manager"))
    assert [str(p) for p in result.problems] == ["bundle.zip:0: -: refused: the files expand to more than 1000 bytes"]


def test_row_24_formula_prefixes_are_data_not_errors(program, make_user, tmp_path: Path) -> None:
    """A name that looks like a formula is somebody's data: imported as text, exactly."""
    from vip.people.models import Person

    path = tmp_path / "bundle.zip"
    path.write_bytes(_zip({"people.csv": (PEOPLE_HEADER + 'P9,"=HYPERLINK(""http://x"")",@Baca,,,\n').encode()}))
    result = _checked(path, make_user("manager"))
    assert result.written
    person = Person.objects.get(key="P9")
    assert (person.first_name, person.last_name) == ('=HYPERLINK("http://x")', "@Baca")


@pytest.mark.parametrize(
    "case", ["zip bomb", "truncated zip", "wrong magic bytes (PDF)", "NUL bytes", "unknown compression"]
)
def test_row_24_the_upload_refuses_hostile_files_cleanly(client, program, make_user, case: str) -> None:
    make, expected = CASES[case]
    client.force_login(make_user("manager"))
    before = table_counts()
    upload = io.BytesIO(make())
    upload.name = "bundle.zip"
    response = client.post(reverse("data:index"), {"bundle": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Traceback" not in page
    assert any(expected.split(": ", 1)[-1][:30] in str(p) for p in response.context["result"].problems)
    # Nothing written but the record of the upload and of its end (vip.interchange.uploads), and
    # of the job that read it (asked for, done).
    after = table_counts()
    assert after.pop("audit.AuditEvent") == before.pop("audit.AuditEvent") + 4
    assert after == before
