"""The service catalogue and service referrals: referred -> connected -> completed,
or declined / lost_contact, each status recorded with its date."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vip.accounts.permissions import Role, require_role
from vip.audit.services import Actor
from vip.core.models import ServiceCategory
from vip.core.services_base import audited_create, audited_update
from vip.people.models import Person
from vip.people.services import new_key
from vip.service_referrals.choices import CLOSING, TRANSITIONS, ServiceReferralStatus
from vip.service_referrals.models import Service, ServiceReferral, ServiceReferralStatusChange

CASEWORKERS = {Role.PEER, Role.MANAGER}


@transaction.atomic
def service_create(
    *, actor: Actor, category: ServiceCategory, name: str, provider: str, description: str = "", phone: str = ""
) -> Service:
    require_role(actor, {Role.MANAGER, Role.ADMIN}, _("edit the service catalogue"))
    return audited_create(
        actor=actor,
        model=Service,
        action="service.create",
        values={"category": category, "name": name, "provider": provider, "description": description, "phone": phone},
    )


def _caseload(actor: Actor, person: Person) -> None:
    if actor is not None and actor.role == Role.PEER and person.assigned_peer_id != actor.pk:
        raise PermissionDenied(_("This person is not on your caseload."))


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
    require_role(actor, CASEWORKERS, _("refer people to services"))
    _caseload(actor, person)
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
    require_role(actor, CASEWORKERS, _("update service referrals"))
    _caseload(actor, referral.person)
    if status not in TRANSITIONS.get(referral.status, set()):
        raise ValidationError(
            _("A %(current)s referral cannot become %(status)s.")
            % {"current": _status_word(referral.status), "status": _status_word(status)}
        )
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
