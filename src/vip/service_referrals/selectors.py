"""Reading service referrals, consents and the disclosure log through the wall.

Police never see health or substance-use referrals, nor any referral's provider or details;
managers see every referral but not its provider or details (shown only under a consent,
``substance_use_disclose``); peers see their caseload's in full. All of it is declared in
``vip.core.access.policy``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vip.core.access import selects, visible
from vip.service_referrals.models import Consent, Disclosure, Service, ServiceReferral


def service_catalogue(*, user: Any) -> QuerySet[Service]:
    return visible(Service.objects.filter(active=True).select_related("category"), user)


@selects(ServiceReferral)
def service_referral_list(*, user: Any, include_voided: bool = False) -> QuerySet[ServiceReferral]:
    """The records the reader sees; voided ones only with ``include_voided`` (the history)."""
    found = visible(ServiceReferral.objects.select_related("person", "category"), user)
    return found if include_voided else found.filter(voided_at__isnull=True)


@selects(Consent)
def consent_list(*, user: Any) -> QuerySet[Consent]:
    """Consents to disclose substance-use details: a peer's caseload, or every person for a manager."""
    return visible(Consent.objects.select_related("person", "recorded_by", "revoked_by"), user)


@selects(Disclosure)
def disclosure_list(*, user: Any) -> QuerySet[Disclosure]:
    """The disclosure log, as ``consent_list`` reaches people."""
    return visible(Disclosure.objects.select_related("disclosed_by", "consent"), user)
