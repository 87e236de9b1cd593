"""Two records of one person: proposed with evidence, decided by a second person, undone exactly.

The police, a hospital and the program spell the same person differently. The matcher
(``link_candidates_find``) and staff propose links; a program manager who did not propose it
confirms or rejects each one. Confirming moves every record of the duplicate onto the kept person
and logs each move, so that ``link_undo`` puts every record back where it was. Nothing is merged
without a person's decision (security row 26).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.accounts.permissions import Role, require_role
from vip.audit.services import Actor, audit_record
from vip.core.services_base import audited_create
from vip.core.text import fold
from vip.people.models import Person, PersonLink, PersonLinkMove

LINK_PROPOSERS = {Role.POLICE, Role.MANAGER}  # a peer worker asks their manager
LINK_DECIDERS = {Role.MANAGER}
OPEN = [PersonLink.Status.PROPOSED, PersonLink.Status.CONFIRMED]


def _relations() -> Iterator[tuple[type[models.Model], str]]:
    """(model, field) of every kind of record that points at a person, but the links themselves."""
    for relation in Person._meta.related_objects:
        model = relation.related_model
        if model in (PersonLink, PersonLinkMove) or relation.many_to_many:
            continue
        yield model, relation.field.name  # type: ignore[misc]


def _second_person(actor: Actor, link: PersonLink, what: str) -> None:
    require_role(actor, LINK_DECIDERS, what)
    if actor is not None and link.proposed_by_id == actor.pk:
        raise PermissionDenied(_("A link is decided by someone other than the person who proposed it."))


def _decide(link: PersonLink, status: str, actor: Actor, reason: str) -> None:
    link.status, link.decided_by, link.decided_at, link.reason = status, actor, timezone.now(), reason
    link.save(update_fields=["status", "decided_by", "decided_at", "reason", "updated_at"])


@transaction.atomic
def link_propose(*, actor: Actor, kept: Person, duplicate: Person, evidence: list[dict[str, str]]) -> PersonLink:
    """Propose that ``duplicate`` is ``kept`` under another record, with the evidence for it."""
    require_role(actor, LINK_PROPOSERS, _("propose that two records are one person"))
    if kept.pk == duplicate.pk:
        raise ValidationError(_("A person cannot be linked to the same record."))
    if not evidence or not all(item.get("rule") and item.get("detail") for item in evidence):
        raise ValidationError(_("A proposed link needs its evidence."))
    pair = Q(kept=kept, duplicate=duplicate) | Q(kept=duplicate, duplicate=kept)
    if PersonLink.objects.filter(pair, status__in=OPEN).exists():
        raise ValidationError(_("These two records are already linked or proposed."))
    return audited_create(
        actor=actor,
        model=PersonLink,
        action="person.link_propose",
        values={"kept": kept, "duplicate": duplicate, "evidence": evidence, "proposed_by": actor},
    )


@transaction.atomic
def link_confirm(*, actor: Actor, link: PersonLink, reason: str = "") -> PersonLink:
    """Confirm a proposed link: the duplicate's records move to the kept person, each move logged."""
    _second_person(actor, link, _("decide whether two records are one person"))
    link = PersonLink.objects.select_for_update().get(pk=link.pk)
    if link.status != PersonLink.Status.PROPOSED:
        raise ValidationError(_("Only a proposed link can be confirmed."))
    moved: dict[str, int] = {}
    try:
        with transaction.atomic():
            for model, field in _relations():
                ids = list(model._default_manager.filter(**{field: link.duplicate_id}).values_list("pk", flat=True))
                if not ids:
                    continue
                PersonLinkMove.objects.bulk_create(
                    PersonLinkMove(link=link, model=model._meta.label, record_id=str(pk), field=field) for pk in ids
                )
                model._default_manager.filter(pk__in=ids).update(**{field: link.kept_id})
                moved[model._meta.label_lower] = len(ids)
    except IntegrityError as exc:
        raise ValidationError(
            _("The two records hold records that cannot both belong to one person; nothing was moved.")
        ) from exc
    _decide(link, PersonLink.Status.CONFIRMED, actor, reason)
    audit_record(actor=actor, action="person.link_confirm", target=link, changes={"moved": moved, "reason": reason})
    return link


@transaction.atomic
def link_reject(*, actor: Actor, link: PersonLink, reason: str) -> PersonLink:
    """Two different people: the proposal is closed, and the matcher will not propose it again."""
    _second_person(actor, link, _("decide whether two records are one person"))
    if not reason.strip():
        raise ValidationError(_("Say why the two records are different people."))
    if link.status != PersonLink.Status.PROPOSED:
        raise ValidationError(_("Only a proposed link can be rejected."))
    _decide(link, PersonLink.Status.REJECTED, actor, reason)
    audit_record(actor=actor, action="person.link_reject", target=link, changes={"reason": reason})
    return link


@transaction.atomic
def link_undo(*, actor: Actor, link: PersonLink, reason: str) -> PersonLink:
    """Undo a confirmed link: every record it moved goes back to the duplicate, exactly."""
    require_role(actor, LINK_DECIDERS, _("undo a link between two records"))
    if not reason.strip():
        raise ValidationError(_("Say why the link is undone."))
    link = PersonLink.objects.select_for_update().get(pk=link.pk)
    if link.status != PersonLink.Status.CONFIRMED:
        raise ValidationError(_("Only a confirmed link can be undone."))
    from django.apps import apps

    back: dict[tuple[str, str], list[str]] = defaultdict(list)
    for move in link.moves.all():
        back[(move.model, move.field)].append(move.record_id)
    restored: dict[str, int] = {}
    for (label, field), ids in back.items():
        model = apps.get_model(label)
        restored[model._meta.label_lower] = model._default_manager.filter(pk__in=ids).update(
            **{field: link.duplicate_id}
        )
    link.status, link.reason = PersonLink.Status.UNDONE, reason
    link.save(update_fields=["status", "reason", "updated_at"])
    audit_record(actor=actor, action="person.link_undo", target=link, changes={"restored": restored, "reason": reason})
    return link


def link_queue(*, user: User | None) -> QuerySet[PersonLink]:
    """Proposed links waiting for a decision, with both records (program managers)."""
    if user is not None and user.role not in LINK_DECIDERS:
        raise PermissionDenied(_("Program managers decide whether two records are one person."))
    return (
        PersonLink.objects.filter(status=PersonLink.Status.PROPOSED)
        .select_related("kept", "duplicate", "proposed_by")
        .order_by("created_at", "pk")
    )


def _date_slip(a: dt.date, b: dt.date) -> str:
    """How two birth dates differ when one is a typing slip of the other: two neighbouring digits
    swapped (1998-04-12 / 1998-04-21), or day and month swapped (2003-05-12 / 2003-12-05)."""
    x, y = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    diff = [i for i in range(8) if x[i] != y[i]]
    if len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]] and x[diff[1]] == y[diff[0]]:
        return "birth_date_digits_swapped"
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return "birth_date_day_month_swapped"
    return ""


def _evidence(a: Person, b: Person) -> list[dict[str, str]]:
    if fold(a.first_name) != fold(b.first_name):
        return []
    name = {"rule": "same_name", "detail": f"{a.first_name} {a.last_name} / {b.first_name} {b.last_name}"}
    if a.date_of_birth is None or b.date_of_birth is None:
        return []
    if a.date_of_birth == b.date_of_birth:
        return [name, {"rule": "same_birth_date", "detail": a.date_of_birth.isoformat()}]
    slip = _date_slip(a.date_of_birth, b.date_of_birth)
    if slip:
        return [name, {"rule": slip, "detail": f"{a.date_of_birth.isoformat()} / {b.date_of_birth.isoformat()}"}]
    return []


def link_candidates_find(*, actor: Actor) -> list[PersonLink]:
    """Propose a link for every pair of records with the same name (accents and case aside) and
    the same birth date, or one with two digits (or day and month) swapped; pairs already linked,
    proposed or rejected are left alone. Proposals only: each waits for a manager's decision."""
    require_role(actor, LINK_PROPOSERS, _("propose that two records are one person"))
    by_last: dict[str, list[Person]] = defaultdict(list)
    for person in Person.objects.exclude(date_of_birth=None).only("first_name", "last_name", "date_of_birth"):
        by_last[fold(person.last_name)].append(person)
    known = set(PersonLink.objects.values_list("kept_id", "duplicate_id"))
    known |= {(b, a) for a, b in known}
    proposed = []
    for group in by_last.values():
        group.sort(key=lambda p: p.pk)
        for i, kept in enumerate(group):
            for duplicate in group[i + 1 :]:
                if (kept.pk, duplicate.pk) in known:
                    continue
                evidence = _evidence(kept, duplicate)
                if evidence:
                    proposed.append(link_propose(actor=actor, kept=kept, duplicate=duplicate, evidence=evidence))
                    known |= {(kept.pk, duplicate.pk), (duplicate.pk, kept.pk)}
    return proposed
