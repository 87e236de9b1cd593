"""Importing an interchange bundle: validate every row, write only a valid bundle.

The bundle is read once, in batches, in dependency order (people before the
files that name them), inside one transaction:

1. **Validate** each batch: every cell (column by column: a repeated value is
   parsed once; a batch with a bad cell is parsed again row by row for its
   messages), every key (no duplicates; references resolve to this bundle or
   the database). Problems are reported as ``file:line: column: message``.
2. **Write** the batch's accepted rows at once while the import can still be
   written: new keys are created, changed rows updated, unchanged rows left
   alone; one audit event per batch names what changed. Re-importing the same
   bundle changes nothing.
3. If anything was invalid (strict, the default), or a file could not be read
   at all, the transaction is rolled back: nothing is written. With
   ``skip_invalid``, exactly the rejected rows are left out, and every row that
   refers to one; they go with their reasons to a rejects folder that is itself
   a bundle.

Memory stays flat: rows are read in batches, and keys seen so far live in an
on-disk key store (``keystore.py``).

A strict import into a program with no records at all is first tried through staging tables
(``staging.py``, ADR 6), set by set; if that gives up, the import runs as above.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DataError, connection, models, transaction
from django.utils import timezone

from vip.audit.services import Actor, audit_record
from vip.core import future
from vip.core.access import Channel, Rows, hidden_fields, require, rows, visible_rows
from vip.core.config import ProgramConfig, program_config
from vip.core.dates import local_date
from vip.identification.models import Incident, Involvement
from vip.interchange import field_files, staging
from vip.interchange.bulk import BulkInserter, column_in, indexes_built_after
from vip.interchange.cells import ParseContext, RowParser, row_key, show_key
from vip.interchange.keystore import KeyStore
from vip.interchange.mapping import Ids, to_fields
from vip.interchange.reader import BundleError, BundleSource, Header, Problem
from vip.interchange.schema import FILES, FORMAT_VERSION, INVOLVEMENTS, SERVICE_REFERRALS, FileSpec
from vip.interchange.selectors import is_voidable
from vip.people.models import Person
from vip.referrals.models import Referral
from vip.service_referrals.choices import CLOSING
from vip.service_referrals.models import ServiceReferral, ServiceReferralStatusChange

log = logging.getLogger(__name__)

# Columns computed from others (not in the bundle): updated along, not named in the audit.
DERIVED_FIELDS = {"search_name"}
# The apps whose tables a bundle fills (their statistics are refreshed after a large import).
IMPORTED_APPS = {"people", "referrals", "identification", "notifications", "service_referrals", "outcomes"}
# Problems kept for display; beyond this only the count goes on (rejects file has all).
MAX_PROBLEMS_KEPT = 1000

ProgressFn = Callable[[str, int, int], None]  # (phase, bytes done in this step, total bytes)

REF_MODELS: dict[str, type[models.Model]] = {
    "people.csv": Person,
    "referrals.csv": Referral,
    "incidents.csv": Incident,
}


@dataclass
class FileCounts:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class ImportResult:
    bundle: str
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    counts: dict[str, FileCounts] = field(default_factory=dict)
    unknown_files: list[str] = field(default_factory=list)
    rejects_dir: Path | None = None
    written: bool = False

    @property
    def valid(self) -> bool:
        return self.problem_count == 0

    @property
    def rejected(self) -> int:
        return sum(c.rejected for c in self.counts.values())

    def add_problem(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)


def _check_permission(actor: Actor, action: str = "interchange.import") -> None:
    require(actor, action)


# Security row 46: a batch holds at most this many bytes of cells, however few rows that is
# (2,000 rows of 64 KiB lines would otherwise be 128 MB, and more as Python strings).
BATCH_MAX_BYTES = 16 * 1024 * 1024


def _weight(row: Any) -> int:
    """The bytes of text a row holds (its cells), roughly."""
    if isinstance(row, tuple):  # a bundle's row: (line, header, cells), every cell text
        return sum(map(len, row[-1]))
    cells = row.cells if hasattr(row, "cells") else row[-1]
    return sum(len(cell) for cell in cells if isinstance(cell, str))


def _batches(rows: Iterator[Any], size: int, max_bytes: int = BATCH_MAX_BYTES) -> Iterator[list[Any]]:
    batch: list[Any] = []
    held = 0
    for row in rows:
        batch.append(row)
        held += _weight(row)
        if len(batch) >= size or held >= max_bytes:
            yield batch
            batch = []
            held = 0
    if batch:
        yield batch


class _Rejects:
    """The rejects folder: per file, the original columns plus the line and the reasons."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[str, tuple[Any, Any]] = {}

    def write(self, spec: FileSpec, header: Header | None, line: int, cells: list[str], reasons: list[str]) -> None:
        if spec.name not in self._files:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = open(self.folder / spec.name, "w", encoding="utf-8", newline="")  # noqa: SIM115
            writer = csv.writer(handle)
            names = header.names if header is not None else []
            writer.writerow([*names, "reject_line", "reject_reasons"])
            self._files[spec.name] = (handle, writer)
        self._files[spec.name][1].writerow([*cells, line, "; ".join(reasons)])

    def close(self) -> None:
        for handle, _ in self._files.values():
            handle.close()

    @property
    def used(self) -> bool:
        return bool(self._files)


class _Parsers:
    """A compiled row parser for the file being read (its header is read once per pass)."""

    ctx: ParseContext
    _current: tuple[Header, RowParser] | None = None

    def _parser(self, spec: FileSpec, header: Header) -> RowParser:
        if self._current is None or self._current[0] is not header:
            self._current = (header, RowParser(spec, header, self.ctx))
        return self._current[1]


class _Importer(_Parsers):
    """Reads the bundle once: each batch is validated and, while the import can still be
    written, its accepted rows are written at once (in the caller's transaction, which is
    rolled back if the import turns out not to be writable after all)."""

    def __init__(
        self,
        source: BundleSource,
        store: KeyStore,
        ctx: ParseContext,
        config: ProgramConfig,
        result: ImportResult,
        rejects: _Rejects | None,
        progress: ProgressFn | None,
        batch_size: int,
        actor: Actor = None,
        write: bool = True,
    ) -> None:
        self.source = source
        self.store = store
        self.ctx = ctx
        self.result = result
        self.rejects = rejects
        self.actor = actor
        self.progress = progress
        self.batch_size = batch_size
        self.unreadable: set[str] = set()  # files whose header or bytes made them unusable
        # Files whose table held nothing when the import began: no row of theirs can exist in
        # the database except what this import wrote, which the key store already knows (so
        # their lookups against the database are skipped).
        self.empty = _empty_tables()
        self.writer = _Writer(store, config, actor, result, batch_size, self.empty) if write else None

    @property
    def writing(self) -> bool:
        """Whether accepted rows are still written: not once the import is known to be refused
        (strict, and a problem found; or a file that cannot be read at all)."""
        if self.writer is None:
            return False
        if self.unreadable or (self.rejects is None and not self.result.valid):
            self.writer = None
            return False
        return True

    def on_bytes(self) -> Callable[[int], None]:
        """The reader's byte counts, reported as the import's progress."""
        total = self.source.total_size()

        def on_bytes(n: int) -> None:
            if self.progress is not None:
                self.progress("validate and write", n, total)

        return on_bytes

    def run(self) -> None:
        on_bytes = self.on_bytes()
        for spec in FILES:
            if spec.name in self.source.members:
                self.result.counts[spec.name] = FileCounts()
                self._file(spec, on_bytes)

    def _file(self, spec: FileSpec, on_bytes: Callable[[int], None]) -> None:
        counts = self.result.counts[spec.name]
        file_problems: list[Problem] = []
        rows = self.source.rows(spec, file_problems.append, on_bytes)
        for batch in _batches(rows, self.batch_size):
            self._flush_file_problems(spec, file_problems)
            accepted = self._batch(spec, batch, counts)
            if accepted and self.writing:
                assert self.writer is not None
                self.writer.batch(spec, accepted)
        self._flush_file_problems(spec, file_problems)

    def _flush_file_problems(self, spec: FileSpec, file_problems: list[Problem]) -> None:
        """Problems of the file itself (header, bytes, CSV syntax) make it unusable."""
        for problem in file_problems:
            self.result.add_problem(problem)
            self.unreadable.add(spec.name)
        file_problems.clear()

    def _batch(
        self, spec: FileSpec, batch: list[tuple[int, Header, list[str]]], counts: FileCounts
    ) -> list[dict[str, Any]]:
        """Validate a batch; the values of its accepted rows."""
        parser = self._parser(spec, batch[0][1])
        parsed = parser.many([cells for _, _, cells in batch])
        counts.read += len(parsed)
        single = len(spec.key) == 1
        key_name = spec.key[0]
        # Each row's key (None: its key cells are broken).
        row_keys = [
            None if (p and _key_broken(spec, v, p)) or not v else (v[key_name] if single else row_key(spec, v))
            for v, p in parsed
        ]

        # Duplicate keys, within this batch and against earlier batches.
        keys = {key: None for key in row_keys if key is not None}
        earlier = self.store.lines_of(spec.name, keys)
        seen_here: dict[str, int] = {}
        # References to other files: this bundle first, then the database.
        missing = self._missing_references(spec, parsed)
        ref_columns = [(c.name, missing[c.ref]) for c in spec.columns if c.ref is not None and missing[c.ref]]
        # Security row 35: a record the importing account may not read is never overwritten.
        # A voided entry is history: an import neither revives nor changes it (nor does an
        # export carry it; a bundle made before the voiding still names it).
        if spec.name in self.empty:
            unreadable: set[str] = set()
            voided: set[str] = set()
        else:
            unreadable = _unreadable_keys(self.actor, spec, keys)
            voided = _voided_keys(spec, keys)

        accepted: list[dict[str, Any]] = []
        accepted_keys: list[tuple[str, int]] = []
        rejected_lines: list[int] = []
        for (line, header, cells), (values, problems), key in zip(batch, parsed, row_keys, strict=True):
            if key is not None:
                first = earlier.get(key, seen_here.get(key))
                if first is not None:
                    problems.append(
                        (
                            key_name if single else "key",
                            f"duplicate key {show_key(key)!r} (first at line {first})",
                        )
                    )
                if key in unreadable:
                    problems.append((key_name, f"{key!r} names a record your account may not read: refused"))
                elif key in voided:
                    problems.append(
                        (key_name, f"{key!r} names an entry voided in the case file: an import does not change it")
                    )
            for name, absent in ref_columns:
                if values and values.get(name) in absent:
                    problems.append(
                        (
                            name,
                            f"unknown {name} {values[name]!r}: "
                            f"not among the valid rows of {spec.columns_by_name[name].ref} nor in the database",
                        )
                    )
            if problems:
                rejected_lines.append(line)
                counts.rejected += 1
                for column_name, message in problems:
                    self.result.add_problem(Problem(spec.name, line, column_name, message))
                if self.rejects is not None:
                    self.rejects.write(spec, header, line, cells, [f"{c}: {m}" for c, m in problems])
            else:
                assert key is not None
                seen_here[key] = line
                accepted_keys.append((key, line))
                accepted.append(values)
        self.store.add(spec.name, accepted_keys)
        self.store.reject(spec.name, rejected_lines)
        return accepted

    def _missing_references(
        self, spec: FileSpec, parsed: list[tuple[dict[str, Any], list[tuple[str, str]]]]
    ) -> dict[str, set[str]]:
        missing: dict[str, set[str]] = defaultdict(set)
        for column in spec.columns:
            if column.ref is None:
                continue
            wanted = {v[column.name] for v, _ in parsed if v.get(column.name)}
            if not wanted:
                continue
            # In strict mode, a file that could not be read is already an error; do not
            # repeat it as one dangling reference per row.
            if column.ref in self.unreadable and self.rejects is None:
                continue
            in_bundle = self.store.lines_of(column.ref, wanted)
            rest = wanted - set(in_bundle)
            if rest and column.ref in self.empty:
                missing[column.ref] |= rest
            elif rest:
                model = REF_MODELS[column.ref]
                in_db = set(model.objects.filter(column_in("key", rest)).values_list("key", flat=True))  # type: ignore[attr-defined]
                missing[column.ref] |= rest - in_db
        return missing


def _empty_tables() -> frozenset[str]:
    """The files whose tables hold no row yet (read once, when the import begins)."""
    return frozenset(spec.name for spec in FILES if not spec.model._base_manager.exists())


def _empty_tables_written(empty: frozenset[str], source: BundleSource) -> list[str]:
    """The database tables an import fills (or whose keys its rows name) that were empty when
    it began: loaded without their secondary indexes (``indexes_built_after``).

    On PostgreSQL only when the program holds no records at all (a new database, a restore):
    there a dropped index locks its table against readers until the import commits, and the
    pages of a program at work (a person page reads the involvements a first police export
    fills) must not wait for an import. SQLite's readers go on reading what was committed."""
    if connection.vendor == "postgresql" and len(empty) < len(FILES):
        return []
    named = set(source.members) | {c.ref for spec in FILES for c in spec.columns if c.ref is not None}
    loaded = empty & named
    tables = [spec.model._meta.db_table for spec in FILES if spec.name in loaded]
    if SERVICE_REFERRALS.name in loaded and not ServiceReferralStatusChange.objects.exists():
        tables.append(ServiceReferralStatusChange._meta.db_table)
    return tables


def _unreadable_keys(actor: Actor, spec: FileSpec, keys: Iterable[str]) -> set[str]:
    """The keys of existing records of ``spec`` that ``actor`` may not read (so may not overwrite).

    The operator and a role that reads every record of the file have none (no query); for a
    role that reads some, the records outside them; a role that reads none, or only in
    de-identified form, may overwrite none."""
    if actor is None or len(spec.key) != 1:
        return set()  # involvements: a triple exists or not; there is nothing in it to overwrite
    scope = rows(actor, spec.model, Channel.EXPORT)
    if scope == Rows.ALL:
        return set()
    wanted = list(keys)
    if not wanted:
        return set()
    # column_in is for a query on one table: the visibility rule joins, so it goes by id.
    found = dict(spec.model._base_manager.filter(column_in("key", wanted)).values_list("pk", "key"))
    if not found or scope in {Rows.NONE, Rows.DEIDENTIFIED, Rows.DEIDENTIFIED_NOT_HEALTH}:
        return set(found.values())
    existing = spec.model._base_manager.filter(pk__in=list(found))
    readable = set(visible_rows(existing, actor, Channel.EXPORT).values_list("pk", flat=True))
    return {key for pk, key in found.items() if pk not in readable}


def _voided_keys(spec: FileSpec, keys: Iterable[str]) -> set[str]:
    """The keys among ``keys`` of entries of ``spec`` that were voided (kept as history)."""
    wanted = list(keys)
    if not wanted or len(spec.key) != 1 or not is_voidable(spec.model):
        return set()
    found = spec.model._base_manager.filter(column_in("key", wanted), voided_at__isnull=False)
    return set(found.values_list("key", flat=True))


def _key_broken(spec: FileSpec, values: dict[str, Any], problems: list[tuple[str, str]]) -> bool:
    return not values or any(column in spec.key for column, _ in problems)


class _Writer:
    """Writes the accepted rows of a bundle, batch by batch."""

    def __init__(
        self,
        store: KeyStore,
        config: ProgramConfig,
        actor: Actor,
        result: ImportResult,
        batch_size: int,
        empty: frozenset[str] = frozenset(),
    ) -> None:
        self.store = store
        self.empty = empty
        self.config = config
        self.actor = actor
        self.result = result
        self.batch_size = batch_size
        self.now = timezone.now()
        self.today = local_date(self.now, config.zone)

    def batch(self, spec: FileSpec, rows: list[dict[str, Any]]) -> None:
        ids = self._resolve(spec, rows)
        counts = self.result.counts[spec.name]
        if spec is INVOLVEMENTS:
            created = self._write_involvements(rows, ids)
            changes: dict[str, Any] = {"created": created}
            counts.created += len(created)
            counts.unchanged += len(rows) - len(created)
        else:
            created, updated = self._upsert(spec, rows, ids)
            changes = {"created": created, "updated": updated}
            counts.created += len(created)
            counts.updated += len(updated)
            counts.unchanged += len(rows) - len(created) - len(updated)
        if changes.get("created") or changes.get("updated"):
            audit_record(
                actor=self.actor,
                action="interchange.import.batch",
                object_type=spec.model._meta.label_lower,
                object_id=spec.name,
                changes={"bundle": self.result.bundle, **changes},
            )

    def _resolve(self, spec: FileSpec, rows: list[dict[str, Any]]) -> Ids:
        def lookup(model: type[models.Model], column: str) -> dict[str, int]:
            keys = {row[column] for row in rows if row.get(column)}
            if not keys:
                return {}
            return dict(model.objects.filter(column_in("key", keys)).values_list("key", "id"))  # type: ignore[attr-defined]

        columns = spec.columns_by_name
        return Ids(
            people=lookup(Person, "person_key") if "person_key" in columns else {},
            referrals=lookup(Referral, "referral_key")
            if spec.name != "referrals.csv" and "referral_key" in columns
            else {},
            incidents=lookup(Incident, "incident_key") if spec is INVOLVEMENTS else {},
            areas=self.config.area_ids,
            categories=self.config.service_category_ids,
        )

    def _upsert(self, spec: FileSpec, rows: list[dict[str, Any]], ids: Ids) -> tuple[list[str], dict[str, list[str]]]:
        model = spec.model
        key_column = spec.key[0]
        incoming = {row[key_column]: to_fields(spec, row, ids) for row in rows}
        names = list(next(iter(incoming.values())))
        # A table empty at the start holds only this import's rows, none with these keys
        # (a key seen before in the bundle is refused as a duplicate).
        existing = (
            {}
            if spec.name in self.empty
            else {
                row["key"]: row
                for row in model.objects.filter(column_in("key", incoming)).values("id", "key", "version", *names)  # type: ignore[attr-defined]
            }
        )
        new_rows: list[tuple[str, dict[str, Any]]] = []
        changed_objects: list[tuple[models.Model, dict[str, Any]]] = []
        created: list[str] = []
        updated: dict[str, list[str]] = {}
        changed_fields: set[str] = set()
        # Security row 35: a value the importing account may not read is never cleared or
        # overwritten (a manager's export leaves the visit notes blank; re-imported, the notes stay).
        unreadable = sorted(hidden_fields(self.actor, model) & set(names))
        for key, sent in incoming.items():
            old = existing.get(key)
            if old is None:
                new_rows.append((key, sent))
                created.append(key)
                continue
            values = {**sent, **{name: old[name] for name in unreadable}} if unreadable else sent
            differing = [name for name in names if old[name] != values[name]]
            if differing:
                obj = model(id=old["id"], key=key, version=old["version"] + 1, updated_at=self.now, **values)
                changed_objects.append((obj, old))
                updated[key] = [n.removesuffix("_id") for n in differing if n not in DERIVED_FIELDS]
                changed_fields.update(differing)
        if new_rows:
            inserter = BulkInserter(model, ["key", *names], self.now)
            inserter.insert([(key, *sent.values()) for key, sent in new_rows])
        if changed_objects:
            model.objects.bulk_update(  # type: ignore[attr-defined]
                [obj for obj, _ in changed_objects],
                [*sorted(changed_fields), "version", "updated_at"],
                batch_size=self.batch_size,
            )
        if spec is SERVICE_REFERRALS:
            self._service_referral_history(new_rows, changed_objects)
        return created, updated

    def _service_referral_history(
        self, new_rows: list[tuple[str, dict[str, Any]]], changed: list[tuple[models.Model, dict[str, Any]]]
    ) -> None:
        """Status history: each status the referral reached, on the day it reached it."""
        history: list[tuple[int, str, dt.date, dt.datetime, int | None]] = []
        user_id = self.actor.pk if self.actor is not None else None

        def add(referral_id: int, status: str, day: dt.date) -> None:
            history.append((referral_id, status, day, self.now, user_id))

        ids = dict(
            ServiceReferral.objects.filter(column_in("key", [key for key, _ in new_rows])).values_list("key", "id")
        )
        for key, row in new_rows:
            pk = ids[key]
            add(pk, "referred", row["referred_on"])
            if row["connected_on"] is not None:
                add(pk, "connected", row["connected_on"])
            if row["status"] in CLOSING:
                add(pk, row["status"], row["closed_on"] or row["connected_on"] or row["referred_on"])
        for referral, old in changed:
            sr: Any = referral
            if old["connected_on"] is None and sr.connected_on is not None:
                add(sr.pk, "connected", sr.connected_on)
            if old["status"] != sr.status and sr.status not in {"referred", "connected"}:
                add(sr.pk, sr.status, sr.closed_on or self.today)
        BulkInserter(
            ServiceReferralStatusChange,
            ["service_referral_id", "status", "changed_on", "recorded_at", "recorded_by_id"],
            self.now,
        ).insert(history)

    def _write_involvements(self, rows: list[dict[str, Any]], ids: Ids) -> list[str]:
        wanted = {}
        for row in rows:
            fields = to_fields(INVOLVEMENTS, row, ids)
            wanted[(fields["incident_id"], fields["person_id"], fields["role"])] = row
        existing = (
            set()
            if INVOLVEMENTS.name in self.empty
            else set(
                Involvement.objects.filter(column_in("incident_id", {k[0] for k in wanted})).values_list(
                    "incident_id", "person_id", "role"
                )
            )
        )
        new = [triple for triple in wanted if triple not in existing]
        BulkInserter(Involvement, ["incident_id", "person_id", "role"], self.now).insert(new)
        return [show_key(row_key(INVOLVEMENTS, wanted[triple])) for triple in new]


def bundle_import(
    *,
    actor: Actor,
    path: Path,
    skip_invalid: bool = False,
    rejects_dir: Path | None = None,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    batch_size: int | None = None,
    label: str | None = None,
    audit_extra: dict[str, Any] | None = None,
) -> ImportResult:
    """Validate and import an interchange bundle (a folder or a .zip).

    Strict (default): nothing is written unless every row is valid.
    ``skip_invalid``: valid rows are written; rejected rows (and rows that refer
    to them) go with their reasons to ``rejects_dir``. ``dry_run``: validate only.
    ``label``: the name the audit gives the import instead of the path (the mapped
    import's source file); ``audit_extra`` goes into its summary event.
    """
    _check_permission(actor)
    config = program_config()
    batch_size = batch_size or settings.VIP_IMPORT_BATCH_SIZE
    result = ImportResult(bundle=label or str(path))
    # What happened cannot have happened tomorrow: every date and date-time of a bundle (a
    # referral received, an attempt, a service referral's days, an incident, an outcome, a
    # birth) is refused after now plus VIP_FUTURE_TOLERANCE_MINUTES, as the services refuse it.
    ctx = ParseContext(
        zone=config.zone,
        areas=frozenset(config.areas),
        categories=frozenset(config.service_categories),
        latest_day=future.latest_day(),
        latest_moment=future.latest_moment(),
    )
    try:
        source = BundleSource(path)
    except BundleError as exc:
        result.add_problem(exc.problem)
        return result
    result.unknown_files = list(source.unknown_files)
    if skip_invalid and rejects_dir is None:
        raise ValueError("skip_invalid needs a rejects_dir")
    rejects = _Rejects(rejects_dir) if skip_invalid and rejects_dir is not None else None
    with source, KeyStore() as store:
        write = not dry_run
        # One pass: rows are written as they are validated, in one transaction that is rolled
        # back if the import is refused after all (nothing half-written).
        with transaction.atomic() if write else nullcontext():
            importer = _Importer(source, store, ctx, config, result, rejects, progress, batch_size, actor, write)
            try:
                with indexes_built_after(_empty_tables_written(importer.empty, source) if write else ()):
                    if not _staged(importer, source, ctx, config, result, actor, batch_size):
                        importer.run()
                # Format 2: the field records' files, after version 1's, in the same transaction.
                fields = field_files.FieldImport(
                    source=source,
                    store=store,
                    ctx=ctx,
                    config=config,
                    actor=actor,
                    add_problem=result.add_problem,
                    counts=result.counts,
                    counts_factory=FileCounts,
                    bundle=result.bundle,
                    rejects=rejects,
                    batch_size=batch_size,
                    unreadable_files=importer.unreadable,
                )
                fields.validate()
                if write and not importer.unreadable and (result.valid or rejects is not None):
                    fields.write()
            finally:
                if rejects is not None:
                    rejects.close()
            if rejects is not None and rejects.used:
                result.rejects_dir = rejects.folder
            # Strict: any problem refuses the whole bundle. With skip_invalid, a file that
            # cannot be read at all is not a set of rejected rows: nothing is written either.
            refused = (not result.valid and not skip_invalid) or (skip_invalid and bool(importer.unreadable))
            if not write or refused:
                if write:
                    transaction.set_rollback(True)
                for counts in result.counts.values():
                    counts.created = counts.updated = counts.unchanged = 0
                return result
            audit_record(
                actor=actor,
                action="interchange.import",
                object_type="interchange.bundle",
                object_id=label or path.name,
                changes={
                    "bundle": result.bundle,
                    "format_version": FORMAT_VERSION if not fields.accepted else field_files.FORMAT_VERSION,
                    "skip_invalid": skip_invalid,
                    "counts": {name: vars(c) for name, c in result.counts.items()},
                    **(audit_extra or {}),
                },
            )
        result.written = True
        _refresh_statistics(result)
    return result


def _staged(
    importer: _Importer,
    source: BundleSource,
    ctx: ParseContext,
    config: ProgramConfig,
    result: ImportResult,
    actor: Actor,
    batch_size: int,
) -> bool:
    """Load the bundle through the staging tables where that path applies (``staging.py``):
    whether it did. If it gives up (the bundle has a problem it does not report), everything it
    wrote is rolled back and the row import runs, which finds and reports the problems."""
    if not staging.applies(
        empty=importer.empty,
        strict=importer.rejects is None,
        write=importer.writer is not None,
    ):
        return False
    assert importer.writer is not None
    load = staging.StagedLoad(
        source, ctx, config, actor, result.bundle, batch_size, BATCH_MAX_BYTES, importer.writer.now, importer.on_bytes()
    )
    try:
        with transaction.atomic():  # a savepoint: giving up leaves nothing behind
            counts = load.run()
    except (staging.NotStagedError, DataError) as why:
        # What it gave up on, never a cell's value (PostgreSQL's message can quote a whole row).
        reason = str(why) if isinstance(why, staging.NotStagedError) else type(why.__cause__ or why).__name__
        log.info("import of %s: the staged load gave up (%s); importing row by row", result.bundle, reason)
        return False
    for name, loaded in counts.items():
        result.counts[name] = FileCounts(read=loaded, created=loaded)
    return True


def _refresh_statistics(result: ImportResult) -> None:
    """After a large load, tell the database's planner how the tables now look: PostgreSQL's
    autovacuum would get there in its own time, and until then the staff pages and the report
    run on plans made for the empty tables."""

    changed = sum(c.created + c.updated for c in result.counts.values())
    if changed < 10_000:
        return
    tables = sorted({m._meta.db_table for m in apps.get_models() if m._meta.app_label in IMPORTED_APPS})
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")
