"""The analyst's de-identified export (security row 42): HIPAA Safe Harbor at least. Not a bundle.

A reader whose records are de-identified only (the access policy's ``DEIDENTIFIED`` rows: the
analyst) gets this instead of a bundle. Its files are named ``deidentified_<file>.csv``, beside
a ``DEIDENTIFIED.txt`` that says what it is, and its columns are not a bundle's: the importer
refuses a folder or zip holding either (``vip.interchange.reader``), so de-identified data can
never come back in as records.

The rule, column by column, is ``RULES`` below (docs/deidentification.md is generated from it by
``vip docs``). In short:

- **keys** (the program's and every source system's: person ids, police incident numbers,
  hospital referral numbers, ...) become pseudonyms keyed by a random key made for this one
  export and never stored: the same person gets unrelated pseudonyms in two exports, while the
  files of one export still join;
- **dates** become a number of days from the person's own **origin** (their first referral's
  date; without a referral, their first record's date) and the person carries the origin's
  year alone; times of day are dropped. An incident (the record of several people) keeps its
  year alone, with no day count, so that it ties no two people's origins together;
- a person's **day of death** becomes its year alone (``died_year``);
- **ages** at the origin, in whole years, those over 89 grouped as ``90+``;
- **geography** no finer than the program's configured area (police area command); every part
  of an address (street, city, state, ZIP code) is left out;
- **names, phone numbers, free text and source references** are left out;
- rows are written in the order of their pseudonyms, so that no row's place tells when it was
  recorded.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Min, QuerySet

from vip.core.access import Show, lookup_treatment
from vip.core.access.docs import table
from vip.core.access.policy import ANALYST
from vip.core.crypto import Pseudonyms
from vip.interchange.mapping import EXPORT
from vip.interchange.schema import (
    FILES,
    INCIDENTS,
    INVOLVEMENTS,
    NOTIFICATIONS,
    OUTCOMES,
    PEOPLE,
    REFERRALS,
    SERVICE_REFERRALS,
    TEAM_ORDER,
    FileSpec,
)

MANIFEST = "DEIDENTIFIED.txt"
PREFIX = "deidentified_"
# Ages above this are reported as one group (Safe Harbor: "ages over 89").
OLDEST_AGE = 89


class Rule(enum.StrEnum):
    PSEUDONYM = "pseudonym keyed per export"
    CODE = "kept (a coded value)"
    DAYS = "days from the person's origin"
    YEAR = "year only"
    AGE = "age in years at the person's origin, over 89 as 90+"
    NAME = "left out: a name"
    CONTACT = "left out: a phone number"
    PLACE = "left out: part of an address (the area is the place kept)"
    FREE_TEXT = "left out: free text"
    SOURCE = "left out: a source system's reference"


KEPT = {Rule.PSEUDONYM, Rule.CODE, Rule.DAYS, Rule.YEAR, Rule.AGE}


@dataclass(frozen=True)
class Out:
    """One bundle column's fate in the de-identified export."""

    source: str  # the bundle column
    rule: Rule
    name: str = ""  # the column written (kept columns only)
    lookup: str = ""  # what the query reads (kept columns only)


def _key(source: str, kind: str, lookup: str) -> Out:
    return Out(source, Rule.PSEUDONYM, f"{kind}_pseudonym", lookup)


def _code(source: str, lookup: str | None = None) -> Out:
    return Out(source, Rule.CODE, source, lookup or source)


def _days(source: str, name: str, lookup: str | None = None) -> Out:
    return Out(source, Rule.DAYS, name, lookup or source)


RULES: dict[str, tuple[Out, ...]] = {
    PEOPLE.name: (
        _key("person_key", "person", "id"),
        Out("first_name", Rule.NAME),
        Out("last_name", Rule.NAME),
        Out("middle_name", Rule.NAME),
        Out("date_of_birth", Rule.AGE, "age_at_origin", "date_of_birth"),
        _code("sex"),
        _code("race"),
        _code("ethnicity"),
        Out("address", Rule.PLACE),
        Out("city", Rule.PLACE),
        Out("state", Rule.PLACE),
        Out("postal_code", Rule.PLACE),
        _code("area", "area__code"),
        Out("phone", Rule.CONTACT),
        # Its year alone, like an incident's: a day of death is public (a death notice), and a
        # count of days from the origin to it would give away the origin, so every other date.
        Out("died_on", Rule.YEAR, "died_year", "died_on"),
    ),
    REFERRALS.name: (
        _key("referral_key", "referral", "id"),
        _key("person_key", "person", "person_id"),
        _days("received_on", "received_day"),
        _code("source"),
        Out("referred_by", Rule.SOURCE),
        _code("area", "area__code"),
        Out("reason", Rule.FREE_TEXT),
    ),
    INCIDENTS.name: (
        _key("incident_key", "incident", "id"),
        Out("occurred_at", Rule.YEAR, "occurred_year", "occurred_on"),
        _code("type"),
        _code("area", "area__code"),
        Out("address", Rule.PLACE),
    ),
    INVOLVEMENTS.name: (
        _key("incident_key", "incident", "incident_id"),
        _key("person_key", "person", "person_id"),
        _code("role"),
    ),
    NOTIFICATIONS.name: (
        _key("attempt_key", "attempt", "id"),
        _key("person_key", "person", "person_id"),
        _key("referral_key", "referral", "referral_id"),
        _days("attempted_at", "attempted_day", "attempted_on"),
        _code("outcome"),
        _code("team", "team_peer_support"),
        _code("area", "area__code"),
        _code("legal_risk_explained"),
        _code("offer_of_help"),
        _code("letter_given"),
        Out("notes", Rule.FREE_TEXT),
    ),
    SERVICE_REFERRALS.name: (
        _key("service_referral_key", "service_referral", "id"),
        _key("person_key", "person", "person_id"),
        _code("category", "category__code"),
        Out("provider", Rule.SOURCE),
        _days("referred_on", "referred_day"),
        _code("status"),
        _days("connected_on", "connected_day"),
        _days("closed_on", "closed_day"),
    ),
    OUTCOMES.name: (
        _key("outcome_key", "outcome", "id"),
        _key("person_key", "person", "person_id"),
        _days("occurred_on", "occurred_day"),
        _code("type"),
        Out("source_ref", Rule.SOURCE),
        Out("notes", Rule.FREE_TEXT),
    ),
}
# Columns of the people file that are not a bundle column's: the origin's year and what it is.
PEOPLE_EXTRA = ("origin_year", "origin")
# Values some columns read besides their own lookup.
EXTRA_LOOKUPS: dict[str, tuple[str, ...]] = {
    NOTIFICATIONS.name: ("team_police", "team_community_leader", "team_other"),
}


def file_name(spec: FileSpec) -> str:
    return PREFIX + spec.name


def header(spec: FileSpec) -> list[str]:
    names = [out.name for out in RULES[spec.name] if out.rule in KEPT]
    return [*names, *PEOPLE_EXTRA] if spec is PEOPLE else names


def check_rules() -> list[str]:
    """What is wrong with ``RULES`` against the bundle and the access policy (empty: nothing).

    Every column of the bundle has a rule (a new column must be classified before it reaches an
    analyst), and a column the policy withholds from analysts is left out or transformed, never
    kept as it is."""
    problems = []
    for spec in FILES:
        columns = [c.name for c in spec.columns]
        ruled = [out.source for out in RULES.get(spec.name, ())]
        if ruled != columns:
            problems.append(f"{spec.name}: rules for {ruled}, columns {columns}")
        lookups = {c.name: c.lookup for c in EXPORT[spec.name]}
        for out in RULES.get(spec.name, ()):
            if out.rule in {Rule.CODE, Rule.PSEUDONYM} and out.source in lookups:
                shown = lookup_treatment(ANALYST, spec.model, lookups[out.source])
                allowed = Show.MASKED if out.rule == Rule.PSEUDONYM else Show.SHOWN
                if shown != allowed:
                    problems.append(f"{spec.name}: {out.source} kept as {out.rule}, but the policy says {shown}")
            elif out.rule not in KEPT and out.source in lookups:
                # The policy is the one declaration: what the rules leave out, it withholds too.
                shown = lookup_treatment(ANALYST, spec.model, lookups[out.source])
                if shown == Show.SHOWN:
                    problems.append(
                        f"{spec.name}: {out.source} left out ({out.rule}), but the policy shows it to analysts: "
                        "declare its sensitivity on the model"
                    )
    return problems


def rules_table() -> str:
    """docs/deidentification.md's table: each bundle column, and what the analyst gets of it."""
    body = []
    for spec in FILES:
        body.append([f"**`{spec.name}`** → `{file_name(spec)}`", "", ""])
        for out in RULES[spec.name]:
            body.append([f"`{out.source}`", f"`{out.name}`" if out.rule in KEPT else "—", str(out.rule)])
        if spec is PEOPLE:
            body.append(["(the person's origin)", "`origin_year`", "the year of the person's origin"])
            body.append(
                ["(the person's origin)", "`origin`", "what the origin is: `referral` (first referral) or `record`"]
            )
    return table(["bundle file, column", "de-identified column", "rule"], body)


def _origins(plan: Any) -> dict[int, tuple[int, str]]:
    """Each person's origin, as ``{person id: (date ordinal, "referral" | "record")}``: their first
    referral's date; without one, their first dated record's in this export."""
    found: dict[int, tuple[int, str]] = {}
    files = {spec.name for spec in plan.files}

    def earliest(queryset: QuerySet[Any], person: str, day: str) -> Iterator[tuple[int, dt.date]]:
        yield from queryset.order_by().values(person).annotate(first=Min(day)).values_list(person, "first")

    if REFERRALS.name in files:
        for person_id, day in earliest(plan.queryset(REFERRALS), "person_id", "received_on"):
            found[person_id] = (day.toordinal(), "referral")
    others: list[tuple[FileSpec, str, str]] = [
        (NOTIFICATIONS, "person_id", "attempted_on"),
        (SERVICE_REFERRALS, "person_id", "referred_on"),
        (OUTCOMES, "person_id", "occurred_on"),
    ]
    for spec, person, day_lookup in others:
        if spec.name not in files:
            continue
        for person_id, day in earliest(plan.queryset(spec), person, day_lookup):
            _earlier(found, person_id, day)
    if INVOLVEMENTS.name in files:
        involvements = plan.queryset(INVOLVEMENTS).filter(incident__in=plan.queryset(INCIDENTS).values("pk"))
        for person_id, day in earliest(involvements, "person_id", "incident__occurred_on"):
            _earlier(found, person_id, day)
    return found


def _earlier(found: dict[int, tuple[int, str]], person_id: int, day: dt.date | None) -> None:
    if day is None:
        return
    current = found.get(person_id)
    if current is None or (current[1] == "record" and day.toordinal() < current[0]):
        found[person_id] = (day.toordinal(), "record")


def _age(birth: dt.date | None, origin: int | None) -> str:
    if birth is None or origin is None:
        return ""
    day = dt.date.fromordinal(origin)
    years = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    if years < 0:
        return ""
    return f"{OLDEST_AGE + 1}+" if years > OLDEST_AGE else str(years)


def _cell(out: Out, row: dict[str, Any], origin: int | None, pseudonym: Callable[[str, Any], str]) -> str:
    value = row[out.lookup]
    if out.rule == Rule.PSEUDONYM:
        return pseudonym(out.name.removesuffix("_pseudonym"), value)
    if out.rule == Rule.DAYS:
        return "" if value is None or origin is None else str(value.toordinal() - origin)
    if out.rule == Rule.YEAR:
        return "" if value is None else str(value.year)
    if out.rule == Rule.AGE:
        return _age(value, origin)
    if out.source == "team":
        return ";".join(role for role in TEAM_ORDER if row[f"team_{role}"])
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def deidentified_export(plan: Any, out_dir: Path, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write the de-identified files of ``plan`` (the reader's export plan) to ``out_dir``.

    Rows go through an on-disk SQLite file ordered by pseudonym, so memory stays flat and the
    order tells nothing. Returns the rows per file written."""
    pseudonym = Pseudonyms()
    origins = _origins(plan)
    counts: dict[str, int] = {}
    (out_dir / MANIFEST).write_text(MANIFEST_TEXT, encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="vip-deid-") as tmp:
        db = sqlite3.connect(Path(tmp) / "rows.sqlite3")
        try:
            db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
            for spec in plan.files:
                counts[file_name(spec)] = _write_file(plan, spec, out_dir, db, origins, pseudonym, progress)
        finally:
            db.close()
    return counts


def _write_file(
    plan: Any,
    spec: FileSpec,
    out_dir: Path,
    db: sqlite3.Connection,
    origins: dict[int, tuple[int, str]],
    pseudonym: Callable[[str, Any], str],
    progress: Callable[[int], None] | None,
) -> int:
    kept = [out for out in RULES[spec.name] if out.rule in KEPT]
    person_of = "id" if spec is PEOPLE else None if spec is INCIDENTS else "person_id"
    extra = [*([person_of] if person_of else []), *EXTRA_LOOKUPS.get(spec.name, ())]
    lookups = list(dict.fromkeys([*(out.lookup for out in kept), *extra]))
    queryset = plan.queryset(spec)
    if spec is INVOLVEMENTS and any(s is INCIDENTS for s in plan.files):
        queryset = queryset.filter(incident__in=plan.queryset(INCIDENTS).values("pk"))
    db.execute("DROP TABLE IF EXISTS rows")
    db.execute("CREATE TABLE rows (sort TEXT NOT NULL, n INTEGER NOT NULL, cells TEXT NOT NULL)")
    n = 0
    batch: list[tuple[str, int, str]] = []
    for row in queryset.values(*lookups).iterator(chunk_size=5000):
        origin = origins.get(row[person_of]) if person_of else None
        day = None if origin is None else origin[0]
        cells = [_cell(out, row, day, pseudonym) for out in kept]
        if spec is PEOPLE:
            cells += ["", ""] if origin is None else [str(dt.date.fromordinal(origin[0]).year), origin[1]]
        batch.append((cells[0], n, _joined(cells)))
        n += 1
        if len(batch) >= 5000:
            db.executemany("INSERT INTO rows VALUES (?, ?, ?)", batch)
            if progress is not None:
                progress(len(batch))
            batch = []
    db.executemany("INSERT INTO rows VALUES (?, ?, ?)", batch)
    if progress is not None and batch:
        progress(len(batch))
    with open(out_dir / file_name(spec), "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header(spec))
        for (cells,) in db.execute("SELECT cells FROM rows ORDER BY sort, n"):
            writer.writerow(cells.split("\x1f"))
    return n


def _joined(cells: list[str]) -> str:
    # Cells are pseudonyms, codes and numbers: none holds the separator.
    return "\x1f".join(cells)


MANIFEST_TEXT = """\
De-identified export of a violence intervention program (vip).

This is NOT an interchange bundle and cannot be imported: the importer refuses a folder or zip
holding this file or any deidentified_*.csv file. Its data are de-identified by the HIPAA Safe
Harbor rule at least (docs/deidentification.md in the vip source):

- pseudonyms in place of every key, keyed by a random key made for this export alone and never
  stored: they join the files of this export, and nothing else (another export of the same
  people has unrelated pseudonyms);
- dates as days from each person's origin (their first referral; without one, their first
  record), the origin's year on the person's row (origin_year); no times of day; an
  incident's year only, and a day of death's (died_year);
- ages at the origin, over 89 grouped as 90+;
- no place smaller than the program's area (police area command); no names, addresses, ZIP
  codes, phone numbers, free text, or source systems' references.

Do not try to re-identify anyone, nor link these rows with other data about the same people.
"""
