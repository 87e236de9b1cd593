"""The import reads a bundle once (docs/adr/0005-import-in-one-pass.md): rows are written as
their batch is validated, so a bundle refused after earlier batches were written must still
leave nothing behind; and the column-by-column parse must report exactly what the row-by-row
parse reports."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from vip.audit.models import AuditEvent
from vip.interchange.bulk import foreign_keys_from, secondary_indexes
from vip.interchange.cells import ParseContext, RowParser
from vip.interchange.reader import Header
from vip.interchange.schema import NOTIFICATIONS, PEOPLE
from vip.interchange.services import bundle_import
from vip.interchange.tests.helpers import PEOPLE_HEADER, messages, table_counts
from vip.notifications.models import NotificationAttempt
from vip.people.models import Person

pytestmark = pytest.mark.django_db

# More rows than a test batch (VIP_IMPORT_BATCH_SIZE = 50): several batches are written first.
MANY_PEOPLE = PEOPLE_HEADER + "".join(f"P{n},Ana,García,2000-02-29,female,southeast\n" for n in range(1, 181))
NOTIFICATIONS_HEADER = (
    "attempt_key,person_key,attempted_at,outcome,team,area,legal_risk_explained,offer_of_help,letter_given,notes\n"
)


def _notifications(last: str) -> str:
    good = "".join(f"N{n},P{n},2022-11-30T23:30:00,delivered,police,,yes,yes,no,\n" for n in range(1, 120))
    return NOTIFICATIONS_HEADER + good + last


def test_a_bundle_refused_in_its_last_file_leaves_nothing_written(program, write_bundle) -> None:
    before = table_counts()
    path = write_bundle(
        {"people.csv": MANY_PEOPLE, "notifications.csv": _notifications("N999,P1,2022-11-31,delivered,,,,,,\n")}
    )
    result = bundle_import(actor=None, path=path)
    assert not result.written
    assert messages(result) == [
        "notifications.csv:121: attempted_at: '2022-11-31' is not a real calendar date",
    ]
    assert table_counts() == before
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="interchange.import").exists()
    # Nothing is reported as created when nothing was kept.
    assert result.counts["people.csv"].read == 180
    assert result.counts["people.csv"].created == 0


def test_a_bundle_with_an_unreadable_last_file_writes_nothing_even_when_skipping(
    program, write_bundle, tmp_path
) -> None:
    before = table_counts()
    broken = _notifications("").encode() + b"N998,P1,2022-11-30,delivered,,,,,,\xff\n"
    path = write_bundle({"people.csv": MANY_PEOPLE})
    (path / "notifications.csv").write_bytes(broken)
    result = bundle_import(actor=None, path=path, skip_invalid=True, rejects_dir=tmp_path / "rejects")
    assert not result.written
    assert any("not valid UTF-8" in m for m in messages(result))
    assert table_counts() == before


def test_then_the_same_bundle_fixed_imports_whole(program, write_bundle) -> None:
    path = write_bundle(
        {"people.csv": MANY_PEOPLE, "notifications.csv": _notifications("N999,P1,2022-11-30,delivered,,,,,,\n")}
    )
    result = bundle_import(actor=None, path=path)
    assert result.written
    assert result.counts["people.csv"].created == 180
    assert result.counts["notifications.csv"].created == 120


@pytest.mark.parametrize(
    "bad",
    [
        "N9,P1,2022-11-30,deliverd,,,,,,",
        "N9,P1,2022-13-01,delivered,,,,,,",
        "N9,,2022-11-30,delivered,,,,,,",
        "N9,P1,2022-11-30,delivered,police;mayor,,,,,",
        "N9,P1,2022-11-30,delivered,,downtown,,,,",
        "N9,P1,2022-11-30,delivered,,,maybe,,,",
        "N9,P1,2099-11-30,delivered,,,,,,",
        ",P1,2022-11-30,delivered,,,,,,",
        "N9,P1,2022-11-30,delivered,,,,,",
    ],
)
def test_column_parse_reports_what_the_row_parse_reports(program, bad: str) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    ctx = ParseContext(
        zone=ZoneInfo("America/Denver"),
        areas=frozenset({"southeast", "northwest", "valley"}),
        categories=frozenset(),
        latest_day=dt.date(2026, 1, 1),
        latest_moment=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    names = NOTIFICATIONS_HEADER.strip().split(",")
    header = Header(names, {name: i for i, name in enumerate(names)})
    parser = RowParser(NOTIFICATIONS, header, ctx)
    good = ["N1", "P1", " 2022-11-30T23:30:00 ", "Delivered", "police", "", "yes", "", "no", "note"]
    rows = [good, bad.split(","), list(good)]
    assert parser.many(rows) == [parser(cells) for cells in rows]
    assert parser.many([good, list(good)]) == [parser(good), parser(good)]
    assert parser.many([good])[0][0]["outcome"] == "delivered"


def test_column_parse_of_people_matches_row_parse(program) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    ctx = ParseContext(zone=ZoneInfo("America/Denver"), areas=frozenset({"southeast"}), categories=frozenset())
    names = PEOPLE_HEADER.strip().split(",")
    header = Header(names, {name: i for i, name in enumerate(names)})
    parser = RowParser(PEOPLE, header, ctx)
    rows = [["P1", "Ana", "García", "2000-02-29", "female", "southeast"], ["P2", "Luis", "Baca", "", "", ""]]
    assert parser.many(rows) == [parser(cells) for cells in rows]
    assert parser.many(rows)[1][0]["date_of_birth"] is None
    assert dt.date(2000, 2, 29) == parser.many(rows)[0][0]["date_of_birth"]


def _indexes() -> dict[str, list[tuple[str, str]]]:
    tables = [Person._meta.db_table, NotificationAttempt._meta.db_table]
    return {table: secondary_indexes(table) for table in tables}


def test_empty_tables_get_their_indexes_back_after_the_load(program, write_bundle) -> None:
    """ADR 6, item 6: an empty table is loaded without its secondary indexes, which are built
    after the load, in the same transaction: the same indexes, the same definitions."""
    before = _indexes()
    assert all(before.values())  # the tables have secondary indexes to drop
    path = write_bundle(
        {"people.csv": MANY_PEOPLE, "notifications.csv": _notifications("N999,P1,2022-11-30,delivered,,,,,,\n")}
    )
    assert bundle_import(actor=None, path=path).written
    assert _indexes() == before
    # The rows are found through them, and the second import (tables no longer empty) keeps them.
    assert Person.objects.filter(search_name__startswith="ana").count() == 180
    again = bundle_import(actor=None, path=path)
    assert again.counts["people.csv"].unchanged == 180
    assert _indexes() == before


def test_a_refused_load_leaves_the_indexes_as_they_were(program, write_bundle) -> None:
    before = _indexes()
    path = write_bundle(
        {"people.csv": MANY_PEOPLE, "notifications.csv": _notifications("N999,P1,2022-11-31,delivered,,,,,,\n")}
    )
    assert not bundle_import(actor=None, path=path).written
    assert _indexes() == before
    assert not Person.objects.exists()


def test_foreign_keys_between_empty_tables_come_back_and_hold(program, write_bundle) -> None:
    """On PostgreSQL the foreign keys between empty tables are added again after the load (and
    check every row then); on SQLite there are none to treat so."""
    tables = [Person._meta.db_table, NotificationAttempt._meta.db_table]
    before = foreign_keys_from(tables)
    assert bool(before) == (connection.vendor == "postgresql")
    path = write_bundle(
        {"people.csv": MANY_PEOPLE, "notifications.csv": _notifications("N999,P1,2022-11-30,delivered,,,,,,\n")}
    )
    assert bundle_import(actor=None, path=path).written
    assert foreign_keys_from(tables) == before
    if before:
        # A row naming no person is refused again.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE notifications_notificationattempt SET person_id = -1")
            with pytest.raises(IntegrityError):
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            transaction.set_rollback(True)


def test_on_postgresql_only_a_program_without_records_loads_without_indexes(program, write_bundle, monkeypatch) -> None:
    """A program at work (here: one person already recorded) keeps its indexes on PostgreSQL,
    where dropping one would hold its pages waiting until the import commits; SQLite's readers
    never wait, so there an empty table is loaded without them all the same."""
    from vip.interchange import services

    seen: list[list[str]] = []
    real = services.indexes_built_after

    def spy(tables: list[str]) -> Any:
        seen.append(list(tables))
        return real(tables)

    monkeypatch.setattr(services, "indexes_built_after", spy)
    assert bundle_import(actor=None, path=write_bundle({"people.csv": MANY_PEOPLE})).written
    assert Person._meta.db_table in seen[-1]  # a new database: on both
    path = write_bundle({"notifications.csv": _notifications("N999,P1,2022-11-30,delivered,,,,,,\n")})
    assert bundle_import(actor=None, path=path).written
    if connection.vendor == "postgresql":
        assert seen[-1] == []
    else:
        assert NotificationAttempt._meta.db_table in seen[-1]
        assert Person._meta.db_table not in seen[-1]  # no longer empty
