"""Correcting and voiding a recorded entry about a person, the original kept.

Every step of the work (an attempt, a contact, a case note, a needs assessment, an outcome, a
referral, a service referral) corrects or voids its entries through its own service
(``contact_correct``, ``attempt_void``...), which checks its own rules (dates not in the future,
the fields it allows) and calls these. Both check the actor's right through the access policy
(the author of the entry or a manager: ``Scope.AUTHOR``), ask for a reason, keep the values
replaced in a ``Correction`` row (case content encrypted at rest), change the entry under its
version check and audit it, in one transaction. A voided entry stays, marked ``voided_at``: the
reports and the caseload figures leave it out, the history shows it.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.audit.services import Actor, _json
from vip.audit.writes import audited_update
from vip.core.access import require, shows
from vip.core.access.policy import ACTIONS
from vip.core.fields import EncryptedTextField
from vip.core.sensitivity import CONTENT, fields_with
from vip.people.models import Correction, Person

M = TypeVar("M", bound=models.Model)

REASON_MAX = 500


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if len(text) > REASON_MAX:
        raise ValidationError({"reason": _("Keep the reason under %(n)s characters.") % {"n": REASON_MAX}})
    return text


def protected_fields(model: type[models.Model]) -> set[str]:
    """The fields whose previous values are kept encrypted: case content, or encrypted at rest."""
    encrypted = {f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)}
    return encrypted | set(fields_with(model, *CONTENT))


def _person(record: models.Model) -> Person:
    person = getattr(record, "person", None)
    if not isinstance(person, Person):
        raise TypeError(f"{record._meta.label} is not an entry about a person")
    return person


def _keep(*, actor: Actor, record: models.Model, kind: str, reason: str, previous: dict[str, Any]) -> Correction:
    if actor is None:
        raise ValidationError(_("A correction is made by a staff account."))
    protected = protected_fields(type(record))
    plain = {k: _json(v) for k, v in previous.items() if k not in protected and k != "needs"}
    hidden = {k: _json(v) for k, v in previous.items() if k in protected or k == "needs"}
    return Correction.objects.create(
        person=_person(record),
        target_type=record._meta.label_lower,
        target_id=str(record.pk),
        kind=kind,
        reason=reason,
        fields=sorted(previous),
        previous=plain,
        previous_protected=json.dumps(hidden, default=str) if hidden else "",
        corrected_by=actor,
        corrected_at=timezone.now(),
    )


def _refuse_voided(record: models.Model) -> None:
    if getattr(record, "voided_at", None) is not None:
        raise ValidationError(_("This entry was voided: it can no longer be changed."))


@transaction.atomic
def entry_correct(
    *,
    actor: Actor,
    record: M,
    action: str,
    allowed: set[str],
    values: dict[str, Any],
    reason: str,
    expected_version: int,
    extra_previous: dict[str, Any] | None = None,
) -> M:
    """Correct ``values`` of ``record`` (only fields in ``allowed``), keeping the originals."""
    assert action in ACTIONS, action
    require(actor, action, record)
    text = _reason(reason)
    _refuse_voided(record)
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError(
            _("These fields cannot be corrected: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    changed = {name: value for name, value in values.items() if getattr(record, name) != value}
    if not changed and not extra_previous:
        raise ValidationError(_("Nothing was changed."))
    previous = {name: getattr(record, name) for name in changed}
    previous.update(extra_previous or {})
    _keep(actor=actor, record=record, kind=Correction.Kind.CORRECTED, reason=text, previous=previous)
    if changed:
        record = audited_update(
            actor=actor,
            instance=record,
            action=_event(record, "correct"),
            values=changed,
            expected_version=expected_version,
        )
    else:  # only related rows changed (a needs assessment's levels): the version still moves on
        record = audited_update(
            actor=actor,
            instance=record,
            action=_event(record, "correct"),
            values={"updated_at": timezone.now()},
            expected_version=expected_version,
        )
    return record


@transaction.atomic
def entry_void(*, actor: Actor, record: M, action: str, reason: str, expected_version: int) -> M:
    """Void ``record``: kept, marked void, left out of the reports and caseload figures."""
    assert action in ACTIONS, action
    require(actor, action, record)
    text = _reason(reason)
    _refuse_voided(record)
    _keep(actor=actor, record=record, kind=Correction.Kind.VOIDED, reason=text, previous={})
    return audited_update(
        actor=actor,
        instance=record,
        action=_event(record, "void"),
        values={"voided_at": timezone.now()},
        expected_version=expected_version,
    )


def _event(record: models.Model, what: str) -> str:
    """The audit action of a correction or voiding: ``contact.correct``, ``outcome.void``..."""
    return f"{record._meta.model_name}.{what}"


def correctable(actor: Actor, model: type[models.Model], names: set[str]) -> set[str]:
    """Of ``names``, the fields ``actor`` may correct: those the access policy shows them (a
    manager corrects when a contact happened, never what was said, which they do not see)."""
    return {name for name in names if shows(actor, model, name)}
