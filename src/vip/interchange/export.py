"""Writing an interchange bundle from the database, streaming, as the reader may see it."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from vip.audit.services import Actor, audit_record
from vip.core.access import Show
from vip.core.config import program_config
from vip.interchange.mapping import EXPORT_EXTRA_LOOKUPS
from vip.interchange.schema import FORMAT_VERSION
from vip.interchange.selectors import KEY_KIND, export_plan, pseudonym


def bundle_export(*, actor: Actor, out_dir: Path, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Write every file the reader may have to ``out_dir``; returns rows per file.

    What goes in is the access policy's (``export_plan``): the files, rows and each column's
    treatment. A column the reader may not read is never even fetched. Reads one consistent
    snapshot (a single transaction) and records one audit event naming the reader, the files
    and the row counts. ``progress(rows written since the last call, total rows)`` is called
    now and then.
    """
    plan = export_plan(actor)
    zone = program_config().zone
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with transaction.atomic():
        total = sum(plan.queryset(spec).count() for spec in plan.files) if progress else 0
        for spec in plan.files:
            columns = plan.columns(spec)
            wanted = [c.lookup for c, shown in columns if shown in {Show.SHOWN, Show.MASKED}]
            lookups = list(dict.fromkeys(wanted + list(EXPORT_EXTRA_LOOKUPS.get(spec.name, ()))))
            queryset = plan.queryset(spec).values(*lookups)
            n = 0
            with open(out_dir / spec.name, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow([c.name for c, _ in columns])
                for row in queryset.iterator(chunk_size=5000):
                    cells = []
                    for column, shown in columns:
                        if shown not in {Show.SHOWN, Show.MASKED}:
                            cells.append("")
                            continue
                        text = column.render(row[column.lookup], row, zone)
                        if shown == Show.MASKED and text:
                            text = pseudonym(KEY_KIND.get(column.name, column.name), text)
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
                "deidentified": plan.deidentified,
                "counts": counts,
            },
        )
    return counts
