"""Writing an interchange bundle from the database, streaming, as the reader may see it."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from vip.audit.services import Actor, audit_record
from vip.core.config import program_config
from vip.interchange.mapping import EXPORT, EXPORT_EXTRA_LOOKUPS
from vip.interchange.schema import FILES, FORMAT_VERSION
from vip.interchange.selectors import KEY_COLUMNS, export_policy, export_queryset, pseudonym

# The pseudonym family of each key column (a person_key in any file maps alike).
KEY_KIND = {
    "person_key": "person",
    "referral_key": "referral",
    "attempt_key": "attempt",
    "service_referral_key": "service_referral",
    "outcome_key": "outcome",
    "incident_key": "incident",
}


def bundle_export(*, actor: Actor, out_dir: Path, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Write every file the reader may have to ``out_dir``; returns rows per file.

    Reads one consistent snapshot (a single transaction) and records one audit
    event naming the reader, the files and the row counts. ``progress(rows
    written since the last call, total rows)`` is called now and then.
    """
    policy = export_policy(actor)
    config = program_config()
    zone = config.zone
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with transaction.atomic():
        specs = [spec for spec in FILES if spec.name in policy.files]
        total = sum(export_queryset(spec, policy, config).count() for spec in specs) if progress else 0
        for spec in specs:
            columns = EXPORT[spec.name]
            lookups = list(dict.fromkeys([c.lookup for c in columns] + list(EXPORT_EXTRA_LOOKUPS.get(spec.name, ()))))
            blank = policy.blank_columns.get(spec.name, frozenset())
            queryset = export_queryset(spec, policy, config).values(*lookups)
            n = 0
            with open(out_dir / spec.name, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow([c.name for c in columns])
                for row in queryset.iterator(chunk_size=5000):
                    cells = []
                    for column in columns:
                        if column.name in blank:
                            cells.append("")
                            continue
                        text = column.render(row[column.lookup], row, zone)
                        if policy.deidentify and column.name in KEY_COLUMNS and text:
                            text = pseudonym(KEY_KIND[column.name], text)
                        cells.append(text)
                    writer.writerow(cells)
                    n += 1
                    if progress is not None and n % 5000 == 0:
                        progress(5000, total)
            if progress is not None:
                progress(n % 5000, total)
            counts[spec.name] = n
        audit_record(
            actor=actor,
            action="interchange.export",
            object_type="interchange.bundle",
            object_id=str(out_dir),
            changes={
                "format_version": FORMAT_VERSION,
                "deidentified": policy.deidentify,
                "counts": counts,
            },
        )
    return counts
