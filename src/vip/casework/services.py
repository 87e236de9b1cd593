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
