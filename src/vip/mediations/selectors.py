"""Reading mediations, as the access policy lets the reader see them (``vip.core.access.policy``).

Peer support workers and program managers see the whole log (the peer team's shared log), its
parties and its history; managers not what a conflict was about nor what was said (CASEWORK).
Police see that a mediation happened (day, area, outcome) and its follow-ups' days and outcomes,
only where the profile's ``police_see_mediations`` is true, and never who took part. A party who
is a program participant is named only to a reader who sees that person (a peer worker: their
caseload); to anyone else they are "a program participant".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet

from vip.core.access import sees, selects, shows, visible
from vip.mediations.models import Mediation, MediationChange, MediationFollowUp, MediationParty, OutsideParty
from vip.people.models import Person
from vip.people.selectors import person_list


@selects(Mediation)
def mediation_list(*, user: Any, include_voided: bool = False) -> QuerySet[Mediation]:
    """The mediations the reader sees, newest first; voided ones only with ``include_voided``."""
    found = visible(Mediation.objects.select_related("area", "recorded_by"), user)
    return found if include_voided else found.filter(voided_at__isnull=True)


@selects(Mediation)
def mediation_records(*, user: Any) -> QuerySet[Mediation]:
    """Every mediation the reader sees, the voided ones too (a mediation's own page: its history)."""
    return mediation_list(user=user, include_voided=True)


def mediation_get(*, user: Any, mediation_id: int) -> Mediation:
    """One mediation (voided ones too), or ``Mediation.DoesNotExist`` when the reader does not see it
    (a page answers 404, as ``vip.audit.reads.record_or_404`` does)."""
    return mediation_records(user=user).get(pk=mediation_id)


@selects(MediationParty)
def party_list(*, user: Any, include_removed: bool = False) -> QuerySet[MediationParty]:
    found = visible(MediationParty.objects.select_related("outside", "person"), user)
    return found if include_removed else found.filter(removed_at__isnull=True)


@selects(MediationFollowUp)
def follow_up_list(*, user: Any, include_voided: bool = False) -> QuerySet[MediationFollowUp]:
    found = visible(MediationFollowUp.objects.select_related("by"), user)
    return found if include_voided else found.filter(voided_at__isnull=True)


@selects(OutsideParty)
def outside_party_list(*, user: Any) -> QuerySet[OutsideParty]:
    return visible(OutsideParty.objects.select_related("area"), user)


@selects(MediationChange)
def change_list(*, user: Any) -> QuerySet[MediationChange]:
    return visible(MediationChange.objects.select_related("changed_by", "party", "follow_up"), user)


def mediations_of_person(*, user: Any, person: Person) -> QuerySet[Mediation]:
    """The mediations ``person`` took part in (not voided, not taken off), for a reader who sees
    the person and who took part in mediations; refused (``PermissionDenied``) to a role that sees
    no parties (police: that a person was in a mediation is never theirs)."""
    parties = party_list(user=user)
    if not person_list(user=user).filter(pk=person.pk).exists():
        return mediation_list(user=user).none()
    ids = parties.filter(person=person).values_list("mediation_id", flat=True)
    return mediation_list(user=user).filter(pk__in=ids)


# --- what a page shows of mediations -----------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What the reader gets of mediations beyond their day, area and outcome."""

    content: bool  # what it was about, the summary, the follow-ups' notes
    parties: bool  # who took part, who recorded it
    history: bool  # the history of changes


def reading(user: Any) -> Reading:
    return Reading(
        content=shows(user, Mediation, "summary"),
        parties=sees(user, MediationParty),
        history=sees(user, MediationChange),
    )


@dataclass(frozen=True)
class PartyView:
    party: MediationParty
    name: str  # "" for a participant the reader does not see
    person_id: int | None  # a participant the reader sees: their case file


def party_views(*, user: Any, parties: list[MediationParty]) -> list[PartyView]:
    """The parties as the reader may see them: a participant named only where the reader sees them."""
    wanted = {p.person_id for p in parties if p.person_id is not None}
    seen: set[int] = set()
    if wanted:
        try:
            seen = set(person_list(user=user).filter(pk__in=wanted).values_list("pk", flat=True))
        except PermissionDenied:
            seen = set()
    views = []
    for party in parties:
        if party.person_id is not None:
            shown = party.person_id in seen
            views.append(PartyView(party, str(party.person) if shown else "", party.person_id if shown else None))
        else:
            views.append(PartyView(party, party.outside.name if party.outside is not None else "", None))
    return views


def with_parties(mediations: QuerySet[Mediation], user: Any) -> QuerySet[Mediation]:
    """The mediations with their parties loaded (for a reader who sees parties)."""
    return mediations.prefetch_related(Prefetch("parties", queryset=party_list(user=user), to_attr="shown_parties"))


def with_history(mediations: QuerySet[Mediation], user: Any, *, parties: bool) -> QuerySet[Mediation]:
    """The mediations with every follow-up (voided ones too) and, for a reader who sees them, every
    party (taken off too) loaded as the reader sees them: ``all_follow_ups``, ``all_parties``."""
    found = mediations.prefetch_related(
        Prefetch("follow_ups", queryset=follow_up_list(user=user, include_voided=True), to_attr="all_follow_ups")
    )
    if parties:
        found = found.prefetch_related(
            Prefetch("parties", queryset=party_list(user=user, include_removed=True), to_attr="all_parties")
        )
    return found
