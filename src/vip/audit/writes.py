"""Audited writes: the shared mechanics of single-record services (create, update with a
version check), each recording its audit event in the caller's transaction.

Every domain service is a thin, named function (``person_create``,
``attempt_record``...) that checks permissions and rules, then calls these, so
that every write is audited in its own transaction in one way.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F

from vip.audit.services import Actor, audit_record, diff, snapshot
from vip.core.errors import ConflictError

M = TypeVar("M", bound=models.Model)


def audited_create(*, actor: Actor, model: type[M], action: str, values: dict[str, Any]) -> M:
    """Create one record after full validation, and audit it, in the caller's transaction."""
    instance = model(**values)
    instance.full_clean()
    instance.save()
    names = [f.name for f in model._meta.concrete_fields if f.name not in {"id", "created_at", "updated_at"}]
    audit_record(actor=actor, action=action, target=instance, changes=snapshot(instance, names))
    return instance


def audited_update(
    *,
    actor: Actor,
    instance: M,
    action: str,
    values: dict[str, Any],
    expected_version: int | None = None,
) -> M:
    """Apply ``values`` to ``instance`` if it is still at ``expected_version``.

    The version check is done in the UPDATE itself (``WHERE version = n``), so
    of two editors who opened the same version, exactly one succeeds.
    """
    changes = diff(instance, values)
    if not changes:
        return instance
    for name, value in values.items():
        setattr(instance, name, value)
    try:
        instance.full_clean()
    except ValidationError:
        instance.refresh_from_db()
        raise
    version = expected_version if expected_version is not None else instance.version  # type: ignore[attr-defined]
    model = type(instance)
    with transaction.atomic():
        updated = model._default_manager.filter(pk=instance.pk, version=version).update(
            **{name: getattr(instance, name) for name in values}, version=F("version") + 1
        )
        if updated != 1:
            raise ConflictError(instance)
        instance.refresh_from_db()
        audit_record(actor=actor, action=action, target=instance, changes=changes)
    return instance
