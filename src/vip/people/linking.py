"""Two records of one person: proposed with evidence, decided by a second person, undone exactly.

The police, a hospital and the program spell the same person differently. The matcher
(``link_candidates_find``) and staff propose links; a program manager who did not propose it
confirms or rejects each one. Confirming moves every record of the duplicate onto the kept person
and logs each move, so that ``link_undo`` puts every record back where it was. Nothing is merged
without a person's decision (security row 26).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.services import Actor, audit_record
from vip.audit.writes import audited_create
from vip.core.access import require
from vip.people.matching import Matcher, Record
from vip.people.models import Person, PersonAlias, PersonLink, PersonLinkMove
from vip.people.selectors import person_link_list

OPEN = [PersonLink.Status.PROPOSED, PersonLink.Status.CONFIRMED]


def _relations() -> Iterator[tuple[type[models.Model], str]]:
    """(model, field) of every kind of record that points at a person, but the links themselves."""
    for relation in Person._meta.related_objects:
        model = relation.related_model
        if model in (PersonLink, PersonLinkMove) or relation.many_to_many:
            continue
        yield model, relation.field.name  # type: ignore[misc]


def _second_person(actor: Actor, link: PersonLink, action: str) -> None:
    require(actor, action, link)
    if actor is not None and link.proposed_by_id == actor.pk:
        raise PermissionDenied(_("A link is decided by someone other than the person who proposed it."))


def _decide(link: PersonLink, status: str, actor: Actor, reason: str) -> None:
    link.status, link.decided_by, link.decided_at, link.reason = status, actor, timezone.now(), reason
    link.save(update_fields=["status", "decided_by", "decided_at", "reason", "updated_at"])


@transaction.atomic
def link_propose(*, actor: Actor, kept: Person, duplicate: Person, evidence: list[dict[str, str]]) -> PersonLink:
    """Propose that ``duplicate`` is ``kept`` under another record, with the evidence for it."""
    require(actor, "person.link_propose")
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
    _second_person(actor, link, "person.link_confirm")
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
    _second_person(actor, link, "person.link_reject")
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
    require(actor, "person.link_undo", link)
    if not reason.strip():
        raise ValidationError(_("Say why the link is undone."))
    link = PersonLink.objects.select_for_update().get(pk=link.pk)
    if link.status != PersonLink.Status.CONFIRMED:
        raise ValidationError(_("Only a confirmed link can be undone."))

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
    return (
        person_link_list(user=user)
        .filter(status=PersonLink.Status.PROPOSED)
        .select_related("kept", "duplicate", "proposed_by")
        .order_by("created_at", "pk")
    )


@dataclass
class MatchRun:
    """What one run of the matcher did: its proposals, and how much it compared."""

    proposed: list[PersonLink]
    people: int
    pairs_compared: int
    blocks_skipped: int
    seconds: float


def _records() -> list[Record]:
    """Every person record the matcher may pair: all but those already linked into another one."""
    linked_away = set(
        PersonLink.objects.filter(status=PersonLink.Status.CONFIRMED).values_list("duplicate_id", flat=True)
    )
    aliases: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for person_id, first, last, name in PersonAlias.objects.values_list("person_id", "first_name", "last_name", "name"):
        written = " ".join(part for part in (first, last) if part) or name
        if first or last:
            aliases[person_id].append((first, last, written))
        if name:
            aliases[person_id].append((name, "", name))
    fields = ("pk", "first_name", "last_name", "middle_name", "date_of_birth", "sex", "phone", "address")
    return [
        Record.of(pk, first, last, middle, born, sex, phone, address, aliases.get(pk, ()))
        for pk, first, last, middle, born, sex, phone, address in Person.objects.values_list(*fields).iterator(
            chunk_size=5000
        )
        if pk not in linked_away
    ]


def link_candidates_run(*, actor: Actor) -> MatchRun:
    """Propose a link for every pair of records the matcher (``vip.people.matching``) weighs as
    likely one person, each with its evidence in words; pairs already linked, proposed, rejected
    or undone are left alone, and so are records already linked into another. Proposals only:
    each waits for a manager's decision."""
    require(actor, "person.link_propose")
    started = time.perf_counter()
    records = _records()
    known = set(PersonLink.objects.values_list("kept_id", "duplicate_id"))
    matcher = Matcher(records)
    proposed = []
    by_pk = {}
    matches = matcher.matches(skip=known)
    if matches:
        wanted = {m.kept for m in matches} | {m.duplicate for m in matches}
        by_pk = Person.objects.in_bulk(wanted)
    with transaction.atomic():  # all the proposals or none
        for match in matches:
            proposed.append(
                link_propose(
                    actor=actor,
                    kept=by_pk[match.kept],
                    duplicate=by_pk[match.duplicate],
                    evidence=match.evidence_json(),
                )
            )
    return MatchRun(
        proposed=proposed,
        people=len(records),
        pairs_compared=matcher.pairs_compared,
        blocks_skipped=matcher.blocks_skipped,
        seconds=time.perf_counter() - started,
    )


def link_candidates_find(*, actor: Actor) -> list[PersonLink]:
    """The proposals of one matcher run (see ``link_candidates_run``)."""
    return link_candidates_run(actor=actor).proposed
