"""Peer casework: needs assessments, contacts, case notes. Peer support workers only
(managers may record contacts); the content never reaches police."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.writes import audited_create
from vip.casework.choices import NeedDomain, NeedLevel
from vip.casework.models import CaseNote, Contact, NeedItem, NeedsAssessment
from vip.core.access import require
from vip.core.future import refuse_future
from vip.people.corrections import correctable, entry_correct, entry_void
from vip.people.models import Person


@transaction.atomic
def needs_assessment_record(
    *,
    actor: User,
    person: Person,
    assessed_on: dt.date,
    needs: dict[str, str],
    details: dict[str, str] | None = None,
    summary: str = "",
) -> NeedsAssessment:
    """A needs assessment: a level for each domain (e.g. {"housing": "urgent"})."""
    require(actor, "casework.needs_assessment", person)
    refuse_future(assessed_on, field="assessed_on", label=_("Assessed on"))
    for domain, level in needs.items():
        if domain not in NeedDomain.values or level not in NeedLevel.values:
            raise ValidationError(_("Unknown need %(domain)s=%(level)s") % {"domain": domain, "level": level})
    assessment = audited_create(
        actor=actor,
        model=NeedsAssessment,
        action="casework.needs_assessment",
        values={"person": person, "assessed_on": assessed_on, "assessed_by": actor, "summary": summary},
    )
    NeedItem.objects.bulk_create(
        NeedItem(assessment=assessment, domain=d, level=lvl, detail=(details or {}).get(d, ""))
        for d, lvl in needs.items()
    )
    return assessment


@transaction.atomic
def contact_record(
    *, actor: User, person: Person, contacted_at: dt.datetime, kind: str, minutes: int | None = None, summary: str = ""
) -> Contact:
    require(actor, "casework.contact", person)
    if isinstance(contacted_at, dt.datetime) and contacted_at.tzinfo is None:
        # A time without its zone would be stored as if it were UTC: hours off, maybe another day.
        raise ValidationError(_("The time of a contact must carry its time zone."))
    refuse_future(contacted_at, field="contacted_at", label=_("When"))
    return audited_create(
        actor=actor,
        model=Contact,
        action="casework.contact",
        values={
            "person": person,
            "contacted_at": contacted_at,
            "kind": kind,
            "by": actor,
            "minutes": minutes,
            "summary": summary,
        },
    )


@transaction.atomic
def case_note_write(*, actor: User, person: Person, text: str) -> CaseNote:
    require(actor, "casework.case_note", person)
    if not text.strip():
        raise ValidationError(_("A case note needs text."))
    return audited_create(
        actor=actor,
        model=CaseNote,
        action="casework.case_note",
        values={"person": person, "author": actor, "written_at": timezone.now(), "text": text},
    )


# --- corrections: the author (a peer worker) or a manager; the original kept ----------------------

CONTACT_FIELDS = {"contacted_at", "kind", "minutes", "summary"}
NEEDS_FIELDS = {"assessed_on", "summary"}


@transaction.atomic
def contact_correct(*, actor: User, contact: Contact, reason: str, expected_version: int, **values: object) -> Contact:
    """Correct a contact (when, kind, minutes, summary), with the reason; the original is kept."""
    when = values.get("contacted_at")
    if isinstance(when, dt.datetime):
        if when.tzinfo is None:
            raise ValidationError(_("The time of a contact must carry its time zone."))
        refuse_future(when, field="contacted_at", label=_("When"))
    return entry_correct(
        actor=actor,
        record=contact,
        action="casework.correct",
        allowed=correctable(actor, Contact, CONTACT_FIELDS),
        values=dict(values),
        reason=reason,
        expected_version=expected_version,
    )


@transaction.atomic
def contact_void(*, actor: User, contact: Contact, reason: str, expected_version: int) -> Contact:
    return entry_void(
        actor=actor, record=contact, action="casework.correct", reason=reason, expected_version=expected_version
    )


@transaction.atomic
def case_note_correct(*, actor: User, note: CaseNote, text: str, reason: str, expected_version: int) -> CaseNote:
    """Correct a case note's text (its author; a manager, who does not see the text, only voids)."""
    if not text.strip():
        raise ValidationError(_("A case note needs text."))
    return entry_correct(
        actor=actor,
        record=note,
        action="casework.correct",
        allowed=correctable(actor, CaseNote, {"text"}),
        values={"text": text},
        reason=reason,
        expected_version=expected_version,
    )


@transaction.atomic
def case_note_void(*, actor: User, note: CaseNote, reason: str, expected_version: int) -> CaseNote:
    return entry_void(
        actor=actor, record=note, action="casework.correct", reason=reason, expected_version=expected_version
    )


@transaction.atomic
def needs_assessment_correct(
    *,
    actor: User,
    assessment: NeedsAssessment,
    reason: str,
    expected_version: int,
    needs: dict[str, str] | None = None,
    **values: object,
) -> NeedsAssessment:
    """Correct a needs assessment: its day, summary and the level of each domain."""
    if "assessed_on" in values and isinstance(values["assessed_on"], dt.date):
        refuse_future(values["assessed_on"], field="assessed_on", label=_("Assessed on"))
    extra: dict[str, object] = {}
    if needs is not None:
        for domain, level in needs.items():
            if domain not in NeedDomain.values or level not in NeedLevel.values:
                raise ValidationError(_("Unknown need %(domain)s=%(level)s") % {"domain": domain, "level": level})
        if not correctable(actor, NeedItem, {"level"}):
            raise ValidationError(_("These fields cannot be corrected: %(fields)s") % {"fields": "needs"})
        before = dict(assessment.items.values_list("domain", "level"))
        if before != needs:
            extra["needs"] = before
    corrected = entry_correct(
        actor=actor,
        record=assessment,
        action="casework.correct",
        allowed=correctable(actor, NeedsAssessment, NEEDS_FIELDS),
        values=dict(values),
        reason=reason,
        expected_version=expected_version,
        extra_previous=extra,
    )
    if "needs" in extra and needs is not None:
        kept = {item.domain: item for item in assessment.items.all()}
        for domain in set(kept) - set(needs):
            kept[domain].delete()
        for domain, level in needs.items():
            if domain in kept:
                if kept[domain].level != level:
                    kept[domain].level = level
                    kept[domain].save(update_fields=["level", "updated_at"])
            else:
                NeedItem.objects.create(assessment=assessment, domain=domain, level=level)
    return corrected


@transaction.atomic
def needs_assessment_void(
    *, actor: User, assessment: NeedsAssessment, reason: str, expected_version: int
) -> NeedsAssessment:
    return entry_void(
        actor=actor, record=assessment, action="casework.correct", reason=reason, expected_version=expected_version
    )
