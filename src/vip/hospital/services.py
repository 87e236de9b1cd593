"""Hospital referrals and bedside visits: recording, changing, voiding.

A hospital referral is a referral into the program (``vip.referrals``, source "hospital") with
what the hospital said of the patient; recording one makes both, in one transaction, through
``referral_create`` (so its rules and audit hold). A bedside visit is an attempt: it may not reach
the patient. A visit that reached the patient and asked them records their answer on consent to
contact, in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.audit.services import Actor
from vip.audit.writes import audited_create, audited_update
from vip.core.access import require, require_some
from vip.core.config import program_today, program_zone
from vip.core.dates import local_date
from vip.core.errors import AlreadyReceivedError
from vip.core.future import refuse_future
from vip.hospital.choices import ANSWERED, ConsentToContact, InjuryType, VisitOutcome
from vip.hospital.models import BedsideVisit, HospitalReferral
from vip.hospital.selectors import hospital_referral_records
from vip.people.corrections import correctable, entry_correct, entry_void
from vip.people.models import Person
from vip.people.services import person_upsert_by_key
from vip.referrals.choices import ReferralSource
from vip.referrals.models import Referral
from vip.referrals.services import referral_create

# The details of a hospital referral that can be changed (the referral's own fields, such as the day
# received, are corrected on the referral: ``referral_correct``).
DETAIL_FIELDS = {
    "hospital",
    "unit",
    "injury_date",
    "injury_type",
    "admitted",
    "consent_to_contact",
    "consent_recorded_on",
    "referring_staff",
    "clinical_notes",
}


def _check_details(values: dict[str, Any], received_on: dt.date) -> None:
    """The rules a hospital referral's details keep, named by field."""
    errors: dict[str, str] = {}
    if not str(values["hospital"]).strip():
        errors["hospital"] = _("Name the hospital.")
    if values["injury_type"] not in InjuryType.values:
        errors["injury_type"] = _("Unknown injury %(value)s.") % {"value": repr(values["injury_type"])}
    consent = values["consent_to_contact"]
    if consent not in ConsentToContact.values:
        errors["consent_to_contact"] = _("Unknown answer %(value)s.") % {"value": repr(consent)}
    injury = values["injury_date"]
    if isinstance(injury, dt.date):
        refuse_future(injury, field="injury_date", label=_("Injury date"))
        if injury > received_on:
            errors["injury_date"] = _("The injury cannot come after the referral was received (%(day)s).") % {
                "day": received_on.isoformat()
            }
    recorded = values["consent_recorded_on"]
    if consent == ConsentToContact.NOT_ASKED and recorded is not None:
        errors["consent_recorded_on"] = _("A consent not asked yet has no day.")
    if consent in {ConsentToContact.YES, ConsentToContact.NO} and recorded is None:
        errors["consent_recorded_on"] = _("Give the day the patient answered.")
    if isinstance(recorded, dt.date):
        refuse_future(recorded, field="consent_recorded_on", label=_("Consent recorded on"))
        if isinstance(injury, dt.date) and recorded < injury:
            errors["consent_recorded_on"] = _("The patient cannot have answered before the injury.")
    if errors:
        raise ValidationError(errors)


def _refuse_voided(record: HospitalReferral) -> None:
    if record.voided_at is not None:
        raise ValidationError(_("This hospital referral was voided: it can no longer be changed."))


@transaction.atomic
def hospital_referral_record(
    *,
    actor: Actor,
    person: Person,
    received_on: dt.date,
    hospital: str,
    injury_date: dt.date,
    injury_type: str,
    admitted: bool = True,
    consent_to_contact: str = ConsentToContact.NOT_ASKED,
    unit: str = "",
    referring_staff: str = "",
    clinical_notes: str = "",
    key: str | None = None,
) -> HospitalReferral:
    """A hospital's referral of a patient: the referral into the program (source hospital) and the
    hospital's details. A consent already answered is taken as answered on the day received."""
    require(actor, "hospital_referral.record", person)
    refuse_future(received_on, field="received_on", label=_("Received on"))
    details: dict[str, Any] = {
        "hospital": hospital.strip(),
        "unit": unit.strip(),
        "injury_date": injury_date,
        "injury_type": injury_type,
        "admitted": admitted,
        "consent_to_contact": consent_to_contact,
        "consent_recorded_on": None if consent_to_contact == ConsentToContact.NOT_ASKED else received_on,
        "referring_staff": referring_staff.strip(),
        "clinical_notes": clinical_notes,
    }
    _check_details(details, received_on)
    # The referral carries no hospital detail: police read referrals, and never what a hospital said.
    referral = referral_create(
        actor=actor, person=person, received_on=received_on, source=ReferralSource.HOSPITAL, key=key
    )
    return audited_create(
        actor=actor,
        model=HospitalReferral,
        action="hospital_referral.record",
        values={"referral": referral, **details, "recorded_by": actor},
    )


@transaction.atomic
def hospital_referral_receive(
    *,
    actor: Actor,
    key: str,
    person: dict[str, Any],
    received_on: dt.date,
    hospital: str,
    injury_date: dt.date,
    injury_type: str,
    **details: Any,
) -> HospitalReferral:
    """A hospital referral sent by a hospital's system (the API): the person matched by their key in
    that system, or added (never merged); the referral keyed by the sender's key, once. One
    transaction: a refusal leaves nothing behind."""
    require_some(actor, "hospital_referral.record")
    if Referral.objects.filter(key=key).exists():
        raise AlreadyReceivedError(_("A referral with this key was already received."))
    found = person_upsert_by_key(actor=actor, **person)
    return hospital_referral_record(
        actor=actor,
        person=found,
        key=key,
        received_on=received_on,
        hospital=hospital,
        injury_date=injury_date,
        injury_type=injury_type,
        **details,
    )


@transaction.atomic
def hospital_referral_update(
    *, actor: Actor, hospital_referral: HospitalReferral, expected_version: int, reason: str = "", **values: Any
) -> HospitalReferral:
    """Change the hospital's details of a referral, as of ``expected_version`` (a stale version is a
    ``ConflictError``). The values replaced are kept in the person's history with ``reason`` (new
    information, unless a reason is given). Answering consent to contact without its day takes today."""
    require(actor, "hospital_referral.update", hospital_referral)
    _refuse_voided(hospital_referral)
    unknown = set(values) - DETAIL_FIELDS
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    allowed = correctable(actor, HospitalReferral, DETAIL_FIELDS)
    if set(values) - allowed:
        # A manager does not see the clinical notes, so never overwrites them.
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(set(values) - allowed))}
        )
    if isinstance(values.get("hospital"), str):
        values["hospital"] = values["hospital"].strip()
    consent = values.get("consent_to_contact", hospital_referral.consent_to_contact)
    if consent != hospital_referral.consent_to_contact and "consent_recorded_on" not in values:
        values["consent_recorded_on"] = None if consent == ConsentToContact.NOT_ASKED else program_today()
    merged = {name: values.get(name, getattr(hospital_referral, name)) for name in DETAIL_FIELDS}
    _check_details(merged, hospital_referral.referral.received_on)
    return entry_correct(
        actor=actor,
        record=hospital_referral,
        action="hospital_referral.update",
        allowed=allowed,
        values=values,
        reason=reason.strip() or _("New information"),
        expected_version=expected_version,
    )


@transaction.atomic
def hospital_referral_void(
    *, actor: Actor, hospital_referral: HospitalReferral, reason: str, expected_version: int
) -> HospitalReferral:
    """Void a hospital referral's details recorded in error (kept, marked void, left out of the
    queue). The referral into the program is the referral's own to void (``referral_void``)."""
    return entry_void(
        actor=actor,
        record=hospital_referral,
        action="hospital.correct",
        reason=reason,
        expected_version=expected_version,
    )


@transaction.atomic
def bedside_visit_record(
    *,
    actor: Actor,
    hospital_referral: HospitalReferral,
    attempted_at: dt.datetime,
    outcome: str,
    consent_given: bool | None = None,
    notes: str = "",
) -> BedsideVisit:
    """A visit at the bedside (an attempt). A visit at which the patient answered whether the
    program may contact them records that answer on the referral, unless a later answer is there."""
    require(actor, "hospital.bedside_visit", hospital_referral)
    if actor is not None and not hospital_referral_records(user=actor).filter(pk=hospital_referral.pk).exists():
        # A peer worker's scope is "yes" so that the assignee reaches the bedside before the person is
        # on their caseload; the referrals they see are the ones they may visit.
        raise PermissionDenied(_("This hospital referral is not on your caseload nor assigned to you."))
    _refuse_voided(hospital_referral)
    if not isinstance(attempted_at, dt.datetime) or timezone.is_naive(attempted_at):
        raise ValidationError({"attempted_at": _("The time of a bedside visit must carry its time zone.")})
    refuse_future(attempted_at, field="attempted_at", label=_("When"))
    day = local_date(attempted_at, program_zone())
    received_on = hospital_referral.referral.received_on
    if day < received_on:
        raise ValidationError(
            {
                "attempted_at": _("A bedside visit comes after the referral was received (%(day)s).")
                % {"day": received_on.isoformat()}
            }
        )
    if outcome not in VisitOutcome.values:
        raise ValidationError({"outcome": _("Unknown outcome %(value)s.") % {"value": repr(outcome)}})
    if consent_given is not None and outcome not in ANSWERED:
        raise ValidationError(
            {"consent_given": _("Only the patient answers on consent: record it for a visit that reached them.")}
        )
    if consent_given and outcome == VisitOutcome.DECLINED:
        raise ValidationError({"consent_given": _("A patient who declined to talk did not consent.")})
    visit = audited_create(
        actor=actor,
        model=BedsideVisit,
        action="hospital.bedside_visit",
        values={
            "hospital_referral": hospital_referral,
            "attempted_at": attempted_at,
            "by": actor,
            "outcome": outcome,
            "consent_given": consent_given,
            "notes": notes,
        },
    )
    if consent_given is not None:
        _record_consent(actor=actor, hospital_referral=hospital_referral, given=consent_given, day=day)
    return visit


def _record_consent(*, actor: Actor, hospital_referral: HospitalReferral, given: bool, day: dt.date) -> None:
    """The patient's answer at a visit on ``day``, unless it is the answer on record already or an
    answer of a later day is recorded."""
    current = HospitalReferral._base_manager.select_for_update().get(pk=hospital_referral.pk)
    answer = ConsentToContact.YES if given else ConsentToContact.NO
    if current.consent_to_contact == answer:
        return  # said again: the day it was first said stands
    if current.consent_recorded_on is not None and current.consent_recorded_on > day:
        return  # an older visit entered late: the later answer stands
    audited_update(
        actor=actor,
        instance=current,
        action="hospital_referral.consent",
        values={"consent_to_contact": answer, "consent_recorded_on": day},
    )
    hospital_referral.consent_to_contact = current.consent_to_contact
    hospital_referral.consent_recorded_on = current.consent_recorded_on
    hospital_referral.version = current.version


@transaction.atomic
def bedside_visit_void(*, actor: Actor, visit: BedsideVisit, reason: str, expected_version: int) -> BedsideVisit:
    """Void a bedside visit recorded in error: kept, marked void, left out of the figures. A consent
    it recorded on the referral stays until the referral is changed."""
    return entry_void(
        actor=actor, record=visit, action="hospital.correct", reason=reason, expected_version=expected_version
    )
