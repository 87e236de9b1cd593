"""The service catalogue and service referrals: referred -> connected -> completed,
or declined / lost_contact, each status recorded with its date."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.services import Actor, audit_record
from vip.audit.writes import audited_create, audited_update
from vip.core.access import require, require_some
from vip.core.config import program_today
from vip.core.future import refuse_future
from vip.core.models import ServiceCategory
from vip.core.roles import Role
from vip.core.text import fold
from vip.people.corrections import correctable, entry_correct, entry_void
from vip.people.models import Person
from vip.people.services import new_key
from vip.service_referrals.choices import CLOSING, TRANSITIONS, ServiceReferralStatus
from vip.service_referrals.models import (
    Consent,
    ConsentRecipient,
    Disclosure,
    Service,
    ServiceReferral,
    ServiceReferralStatusChange,
)


@transaction.atomic
def service_create(
    *, actor: Actor, category: ServiceCategory, name: str, provider: str, description: str = "", phone: str = ""
) -> Service:
    require(actor, "service.create")
    return audited_create(
        actor=actor,
        model=Service,
        action="service.create",
        values={"category": category, "name": name, "provider": provider, "description": description, "phone": phone},
    )


@transaction.atomic
def service_referral_create(
    *,
    actor: Actor,
    person: Person,
    category: ServiceCategory,
    referred_on: dt.date,
    service: Service | None = None,
    provider: str = "",
    details: str = "",
    key: str | None = None,
) -> ServiceReferral:
    require(actor, "service_referral.create", person)
    refuse_future(referred_on, field="referred_on", label=_("Referred on"))
    if service is not None and service.category_id != category.pk:
        raise ValidationError(_("The service is not in that category."))
    referral = audited_create(
        actor=actor,
        model=ServiceReferral,
        action="service_referral.create",
        values={
            "key": key or new_key("S"),
            "person": person,
            "category": category,
            "service": service,
            "provider": provider or (service.provider if service else ""),
            "details": details,
            "referred_on": referred_on,
            "status": ServiceReferralStatus.REFERRED,
            "referred_by": actor,
        },
    )
    ServiceReferralStatusChange.objects.create(
        service_referral=referral, status=ServiceReferralStatus.REFERRED, changed_on=referred_on, recorded_by=actor
    )
    return referral


def _status_word(status: str) -> str:
    """A status as a word in a sentence ("a connected referral"), in the active language."""
    try:
        return str(ServiceReferralStatus(status).label).lower()
    except ValueError:
        return status


@transaction.atomic
def service_referral_move(
    *, actor: Actor, referral: ServiceReferral, status: str, on: dt.date, expected_version: int
) -> ServiceReferral:
    """Move a service referral to its next status on a given day."""
    require(actor, "service_referral.move", referral.person)
    if status not in TRANSITIONS.get(referral.status, set()):
        raise ValidationError(
            _("A %(current)s referral cannot become %(status)s.")
            % {"current": _status_word(referral.status), "status": _status_word(status)}
        )
    refuse_future(on, field="on", label=_("On"))
    if on < referral.referred_on:
        raise ValidationError(
            _("%(day)s is before the referral was made (%(referred_on)s).")
            % {"day": on, "referred_on": referral.referred_on}
        )
    if referral.connected_on is not None and on < referral.connected_on:
        raise ValidationError(
            _("%(day)s is before the referral was connected (%(connected_on)s).")
            % {"day": on, "connected_on": referral.connected_on}
        )
    values: dict[str, object] = {"status": status}
    if status == ServiceReferralStatus.CONNECTED:
        values["connected_on"] = on
    if status in CLOSING:
        values["closed_on"] = on
    updated = audited_update(
        actor=actor,
        instance=referral,
        action=f"service_referral.{status}",
        values=values,
        expected_version=expected_version,
    )
    ServiceReferralStatusChange.objects.create(
        service_referral=referral, status=status, changed_on=on, recorded_by=actor
    )
    return updated


# --- 42 CFR Part 2: consents and the disclosure log ---------------------------------------


def _account(actor: Actor, what: str) -> User:
    if actor is None:
        raise PermissionDenied(_("Only a staff account may %(action)s.") % {"action": what})
    return actor


def _names(recipient: str, user: User) -> bool:
    """Does the recipient written on a consent name this account (its username or full name)?"""
    words = " ".join(fold(recipient).split())
    own = {fold(user.username), " ".join(fold(user.get_full_name()).split())}
    return any(name and (name == words or f" {name} " in f" {words} ") for name in own)


@transaction.atomic
def consent_record(
    *,
    actor: Actor,
    person: Person,
    purpose: str,
    recipient_kind: str,
    recipient: str,
    signed_on: dt.date,
    expires_on: dt.date,
) -> Consent:
    """Record a person's signed consent to disclose their substance-use referral details."""
    require(actor, "consent.record", person)
    user = _account(actor, _("record consents"))
    if expires_on < signed_on:
        raise ValidationError(_("A consent cannot expire before it was signed."))
    if recipient_kind not in ConsentRecipient.values:
        raise ValidationError(_("Unknown recipient kind %(kind)s.") % {"kind": repr(recipient_kind)})
    if recipient_kind == ConsentRecipient.EXTERNAL and _names(recipient, user):
        # Security row 43: a disclosure needs a second person; whoever records a consent is never
        # its recipient.
        raise ValidationError(_("The person who records a consent cannot be its recipient."))
    return audited_create(
        actor=user,
        model=Consent,
        action="consent.record",
        values={
            "person": person,
            "purpose": purpose,
            "recipient_kind": recipient_kind,
            "recipient": recipient,
            "signed_on": signed_on,
            "expires_on": expires_on,
            "recorded_by": user,
        },
    )


@transaction.atomic
def consent_revoke(*, actor: Actor, consent: Consent, reason: str) -> Consent:
    """Revoke a consent from now on (the disclosures made under it stay in the log)."""
    require(actor, "consent.revoke", consent.person)
    user = _account(actor, _("revoke consents"))
    if consent.revoked_at is not None:
        raise ValidationError(_("This consent was already revoked."))
    return audited_update(
        actor=user,
        instance=consent,
        action="consent.revoke",
        values={"revoked_at": timezone.now(), "revoked_by": user, "revoke_reason": reason},
    )


def substance_use_referrals(person: Person) -> list[ServiceReferral]:
    """The person's substance-use service referrals in full (for the disclosure service only)."""
    return list(
        ServiceReferral.objects.filter(person=person, category__substance_use=True)
        .select_related("category")
        .order_by("-referred_on", "-id")
    )


@transaction.atomic
def substance_use_disclose(*, actor: Actor, consent: Consent | None) -> tuple[Disclosure, list[ServiceReferral]]:
    """Disclose a person's substance-use referral details under ``consent``, and log it.

    Allowed only under a consent valid today (signed, not expired, not revoked):
    to a program manager who is the consent's recipient (recipient "program
    managers"), or by the person's peer worker or a manager to the named outside
    recipient. Every disclosure is written to the disclosure log and audited, in
    the transaction that returns the details; a refusal says why and shows nothing.
    """
    user = _account(actor, _("disclose substance-use details"))
    require_some(user, "substance_use.disclose")
    if consent is None:
        raise PermissionDenied(
            _("Substance-use details are disclosed only under a valid recorded consent: none is recorded.")
        )
    consent = Consent.objects.select_for_update().select_related("person").get(pk=consent.pk)
    require(user, "substance_use.disclose", consent)
    reason = consent.refusal(program_today())
    if reason:
        raise PermissionDenied(
            _("Substance-use details are disclosed only under a valid recorded consent: %(reason)s.")
            % {"reason": reason}
        )
    if consent.recipient_kind == ConsentRecipient.MANAGERS and user.role != Role.MANAGER:
        raise PermissionDenied(_("This consent allows disclosure to program managers only."))
    if consent.recorded_by_id == user.pk and (
        consent.recipient_kind == ConsentRecipient.MANAGERS or _names(consent.recipient, user)
    ):
        # Security row 43: the person who recorded a consent is never the one it discloses to
        # (the database refuses it too: disclosure_not_to_the_consent_recorder).
        raise PermissionDenied(
            _("The person who recorded this consent cannot receive a disclosure under it: another manager must.")
        )
    referrals = substance_use_referrals(consent.person)
    disclosure = Disclosure.objects.create(
        person=consent.person,
        consent=consent,
        disclosed_at=timezone.now(),
        disclosed_by=user,
        consent_recorded_by_id=consent.recorded_by_id,
        recipient_kind=consent.recipient_kind,
        recipient=consent.recipient,
        referral_keys=[r.key for r in referrals],
    )
    audit_record(
        actor=user,
        action="substance_use.disclose",
        target=disclosure,
        changes={
            "person": consent.person_id,
            "consent": consent.pk,
            "recipient_kind": consent.recipient_kind,
            "service_referrals": disclosure.referral_keys,
        },
    )
    return disclosure, referrals


# --- corrections: whoever made the referral, or a manager; the original kept ----------------------

SERVICE_REFERRAL_FIELDS = {"referred_on", "status", "connected_on", "closed_on", "provider", "details"}


@transaction.atomic
def service_referral_correct(
    *, actor: Actor, referral: ServiceReferral, reason: str, expected_version: int, **values: object
) -> ServiceReferral:
    """Correct a service referral's dates or status (a status recorded by mistake, a wrong day),
    with the reason; the original kept. The database's rules on the dates still hold."""
    labels = {"referred_on": _("Referred on"), "connected_on": _("Connected on"), "closed_on": _("Closed on")}
    for name, label in labels.items():
        day = values.get(name)
        if isinstance(day, dt.date):
            refuse_future(day, field=name, label=str(label))
    if "status" in values and values["status"] not in ServiceReferralStatus.values:
        raise ValidationError(_("Unknown status %(status)s.") % {"status": repr(values["status"])})
    return entry_correct(
        actor=actor,
        record=referral,
        action="service_referral.correct",
        allowed=correctable(actor, ServiceReferral, SERVICE_REFERRAL_FIELDS),
        values=dict(values),
        reason=reason,
        expected_version=expected_version,
    )


@transaction.atomic
def service_referral_void(
    *, actor: Actor, referral: ServiceReferral, reason: str, expected_version: int
) -> ServiceReferral:
    return entry_void(
        actor=actor,
        record=referral,
        action="service_referral.correct",
        reason=reason,
        expected_version=expected_version,
    )
