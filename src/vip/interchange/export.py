"""Writing an interchange bundle from the database, streaming, as the reader may see it."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from vip.audit.services import Actor, audit_record
from vip.core.access import Show
from vip.core.config import program_config
from vip.interchange.deidentified import deidentified_export
from vip.interchange.field_files import FORMAT_VERSION, export_field_files
from vip.interchange.mapping import EXPORT_EXTRA_LOOKUPS
from vip.interchange.schema import BUNDLE_MANIFEST
from vip.interchange.selectors import export_plan


def bundle_export(*, actor: Actor, out_dir: Path, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Write every file the reader may have to ``out_dir``; returns rows per file.

    What goes in is the access policy's (``export_plan``): the files, rows and each column's
    treatment. A column the reader may not read is never even fetched. A reader who gets
    records de-identified only (an analyst) gets the de-identified export instead, which is not
    a bundle (``vip.interchange.deidentified``, security row 42). Reads one consistent
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
        if plan.deidentified:
            counts = deidentified_export(plan, out_dir, None if progress is None else lambda n: progress(n, total))
        for spec in plan.files if not plan.deidentified else ():
            columns = plan.columns(spec)
            # Pseudonyms are the de-identified export's alone (keyed per export, security row 42).
            assert all(shown != Show.MASKED for _, shown in columns), "a masked column in a bundle"
            wanted = [c.lookup for c, shown in columns if shown == Show.SHOWN]
            lookups = list(dict.fromkeys(wanted + list(EXPORT_EXTRA_LOOKUPS.get(spec.name, ()))))
            queryset = plan.queryset(spec).values(*lookups)
            n = 0
            with open(out_dir / spec.name, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow([c.name for c, _ in columns])
                for row in queryset.iterator(chunk_size=5000):
                    cells = []
                    for column, shown in columns:
                        if shown != Show.SHOWN:
                            cells.append("")
                            continue
                        cells.append(column.render(row[column.lookup], row, zone))
                    writer.writerow(cells)
                    n += 1
                    if progress is not None and n % 5000 == 0:
                        progress(5000, total)
            if progress is not None:
                progress(n % 5000, total)
            counts[spec.name] = n
        if not plan.deidentified:
            # Format 2: the field records' files the reader may have, and the manifest.
            counts.update(export_field_files(actor, out_dir, zone))
            manifest = {"format": "vip-interchange", "format_version": FORMAT_VERSION, "files": counts}
            (out_dir / BUNDLE_MANIFEST).write_text(
                json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
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
