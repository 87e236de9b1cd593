"""Reading service referrals through the wall.

Police never see health or substance-use referrals; managers see that they
exist (for the report) but not their provider or details; peers see their
caseload's in full.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.accounts.permissions import Role
from vip.service_referrals.models import Consent, Disclosure, Service, ServiceReferral


def service_catalogue(*, user: User | None) -> QuerySet[Service]:
    return Service.objects.filter(active=True).select_related("category")


def service_referral_list(*, user: User | None) -> QuerySet[ServiceReferral]:
    qs = ServiceReferral.objects.select_related("person", "category")
    if user is None:
        return qs
    if user.role == Role.PEER:
        return qs.filter(person__assigned_peer=user)
    if user.role == Role.MANAGER:
        return qs.mask("provider", "details")
    if user.role == Role.POLICE:
        return qs.filter(category__sensitivity="").mask("details")
    raise PermissionDenied(_("Your role does not see service referrals."))


def _consent_reader(user: User | None) -> None:
    if user is not None and user.role not in {Role.PEER, Role.MANAGER}:
        raise PermissionDenied(_("Your role does not see consents or disclosures."))


def consent_list(*, user: User | None) -> QuerySet[Consent]:
    """Consents to disclose substance-use details: a peer's caseload, or every person for a manager."""
    _consent_reader(user)
    qs = Consent.objects.select_related("person", "recorded_by", "revoked_by")
    if user is not None and user.role == Role.PEER:
        return qs.filter(person__assigned_peer=user)
    return qs


def disclosure_list(*, user: User | None) -> QuerySet[Disclosure]:
    """The disclosure log, as ``consent_list`` reaches people."""
    _consent_reader(user)
    qs = Disclosure.objects.select_related("disclosed_by", "consent")
    if user is not None and user.role == Role.PEER:
        return qs.filter(person__assigned_peer=user)
    return qs
