"""Sensitivity of fields, declared once on each model.

A model lists its sensitive fields in a class attribute::

    class CaseNote(models.Model):
        SENSITIVE_FIELDS = {"text": Sensitivity.CASEWORK}

Selectors, exports and the audit read this declaration through
``sensitive_fields(model)``; nothing else in the code base keeps its own list.
"""

from __future__ import annotations

import enum

from django.db import models


class Sensitivity(enum.StrEnum):
    # Identifies a person: names, birth dates, addresses, phone numbers, keys.
    IDENTIFYING = "identifying"
    # Peer-support work: case notes, needs, notes of a visit. Never reaches police.
    CASEWORK = "casework"
    # Health or substance-use service details. Never reaches police; for others
    # only under consent (42 CFR Part 2 for substance use).
    HEALTH = "health"
    # Police work product: legal assessments, raw incident records. Never reaches peers.
    POLICE = "police"


def sensitive_fields(model: type[models.Model]) -> dict[str, Sensitivity]:
    """Return ``{field name: sensitivity}`` as declared on ``model``."""
    declared: dict[str, Sensitivity] = getattr(model, "SENSITIVE_FIELDS", {})
    field_names = {f.name for f in model._meta.get_fields()}
    unknown = set(declared) - field_names
    if unknown:
        raise LookupError(f"{model.__name__}.SENSITIVE_FIELDS names unknown fields: {sorted(unknown)}")
    return dict(declared)


def fields_with(model: type[models.Model], *kinds: Sensitivity) -> set[str]:
    return {name for name, kind in sensitive_fields(model).items() if kind in kinds}
