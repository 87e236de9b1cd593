"""Sensitivity of fields, declared once on each model.

A model lists its sensitive fields in a class attribute::

    class CaseNote(models.Model):
        SENSITIVE_FIELDS = {"text": Sensitivity.CASEWORK}

The access policy (``vip.core.access``) derives from it which role sees which
field, for every channel; the audit trail derives from it which values it never
copies (``CONTENT``). Nothing else in the code base keeps its own list.
"""

from __future__ import annotations

import enum

from django.db import models


class Sensitivity(enum.StrEnum):
    # Identifies a person: names, birth dates, addresses, phone numbers, free text naming them.
    IDENTIFYING = "identifying"
    # A record's key in the system it came from (a person's id, a police case number, a referral
    # number): shown with the record; a keyed pseudonym in de-identified data.
    KEY = "key"
    # Peer-support work: case notes, needs, notes of a visit. Never reaches police.
    CASEWORK = "casework"
    # Health or substance-use service details (provider, details). Never reaches police; beyond
    # the person's own peer worker only under a recorded consent (42 CFR Part 2).
    HEALTH = "health"
    # The paperwork of 42 CFR Part 2: a consent's purpose and recipient, the disclosure log.
    # The person's peer worker and program managers; never police.
    PART2 = "part2"
    # Police records: raw incident data, what was said at a shooting review. Never reaches peers.
    POLICE = "police"
    # Police work product about one person's legal exposure: the custom legal assessment, the
    # notes of an enforcement outcome. The program's police officers only.
    LEGAL = "legal"


# Case content: values the audit trail records as changed but never copies.
CONTENT = frozenset(
    {Sensitivity.CASEWORK, Sensitivity.HEALTH, Sensitivity.PART2, Sensitivity.POLICE, Sensitivity.LEGAL}
)


def sensitive_fields(model: type[models.Model]) -> dict[str, Sensitivity]:
    """Return ``{field name: sensitivity}`` as declared on ``model``."""
    declared: dict[str, Sensitivity] = getattr(model, "SENSITIVE_FIELDS", {})
    field_names = {f.name for f in model._meta.get_fields()}
    unknown = set(declared) - field_names
    if unknown:
        raise LookupError(f"{model.__name__}.SENSITIVE_FIELDS names unknown fields: {sorted(unknown)}")
    return dict(declared)


def sensitivity_of(model: type[models.Model], field: str) -> Sensitivity | None:
    """The declared sensitivity of one field, or None for an ordinary field."""
    declared: dict[str, Sensitivity] = getattr(model, "SENSITIVE_FIELDS", {})
    return declared.get(field)


def fields_with(model: type[models.Model], *kinds: Sensitivity) -> set[str]:
    return {name for name, kind in sensitive_fields(model).items() if kind in kinds}
