"""Writes about people: create, update, aliases, contact points, caseload assignment."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.services import Actor, audit_record, snapshot
from vip.audit.writes import audited_create, audited_update
from vip.core.access import require
from vip.core.future import refuse_future
from vip.core.models import Area
from vip.core.roles import Role
from vip.core.text import search_name
from vip.people.models import ContactPoint, Person, PersonAlias

PERSON_FIELDS = {
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "died_on",
    "sex",
    "race",
    "ethnicity",
    "address",
    "city",
    "state",
    "postal_code",
    "area",
    "phone",
}


def new_key(prefix: str) -> str:
    """A key for a record entered by staff (imports bring their own)."""
    return f"{prefix}-{uuid.uuid4().hex[:12].upper()}"


@transaction.atomic
def person_create(
    *,
    actor: Actor,
    first_name: str,
    last_name: str,
    key: str | None = None,
    middle_name: str = "",
    date_of_birth: dt.date | None = None,
    sex: str = "",
    race: str = "",
    ethnicity: str = "",
    address: str = "",
    city: str = "",
    state: str = "",
    postal_code: str = "",
    area: Area | None = None,
    phone: str = "",
) -> Person:
    require(actor, "person.create")
    return _new_person(
        actor=actor,
        key=key or new_key("P"),
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        sex=sex,
        race=race,
        ethnicity=ethnicity,
        address=address,
        city=city,
        state=state,
        postal_code=postal_code,
        area=area,
        phone=phone,
    )


def _new_person(*, actor: Actor, key: str, first_name: str, middle_name: str, last_name: str, **rest: object) -> Person:
    """Create and audit a person (the caller has checked the actor's role)."""
    return audited_create(
        actor=actor,
        model=Person,
        action="person.create",
        values={
            "key": key,
            "first_name": first_name.strip(),
            "middle_name": middle_name.strip(),
            "last_name": last_name.strip(),
            "search_name": search_name(first_name, middle_name, last_name),
            **rest,
        },
    )


@transaction.atomic
def person_upsert_by_key(
    *,
    actor: Actor,
    key: str,
    first_name: str,
    last_name: str,
    middle_name: str = "",
    date_of_birth: dt.date | None = None,
    sex: str = "",
    race: str = "",
    ethnicity: str = "",
    address: str = "",
    phone: str = "",
) -> Person:
    """The person with this key from a sending system, added when new (never merged: see matching)."""
    require(actor, "person.send")
    existing = Person.objects.filter(key=key).first()
    if existing is not None:
        return existing
    return _new_person(
        actor=actor,
        key=key,
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        sex=sex,
        race=race,
        ethnicity=ethnicity,
        address=address,
        phone=phone,
    )


@transaction.atomic
def person_update(*, actor: Actor, person: Person, expected_version: int, **values: object) -> Person:
    require(actor, "person.update", person)
    unknown = set(values) - PERSON_FIELDS
    if unknown:
        raise ValidationError(_("These fields cannot be set here: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for name in ("first_name", "last_name"):
        if name in values and not str(values[name] or "").strip():
            raise ValidationError({name: _("A person needs a first and a last name.")})
    born = values.get("date_of_birth")
    if isinstance(born, dt.date):
        refuse_future(born, field="date_of_birth", label=_("Date of birth"))
    _check_died_on(person, values)
    names = {n: str(values.get(n, getattr(person, n))) for n in ("first_name", "middle_name", "last_name")}
    values = {**values, "search_name": search_name(names["first_name"], names["middle_name"], names["last_name"])}
    return audited_update(
        actor=actor, instance=person, action="person.update", values=values, expected_version=expected_version
    )


def _check_died_on(person: Person, values: dict[str, object]) -> None:
    """A day of death is no later than today and no earlier than the date of birth (as it will
    be once ``values`` are saved)."""
    if "died_on" not in values and "date_of_birth" not in values:
        return
    died = values.get("died_on", person.died_on)
    born = values.get("date_of_birth", person.date_of_birth)
    if not isinstance(died, dt.date):
        return
    if "died_on" in values:
        refuse_future(died, field="died_on", label=_("Date of death"))
    if isinstance(born, dt.date) and died < born:
        raise ValidationError(
            {
                "died_on": _("%(day)s is before the date of birth (%(born)s).")
                % {"day": died.isoformat(), "born": born.isoformat()}
            }
        )


@transaction.atomic
def person_assign_peer(*, actor: Actor, person: Person, peer: User | None) -> Person:
    """Put a person on a peer support worker's caseload (or take them off)."""
    require(actor, "person.assign_peer", person)
    if peer is not None and peer.role != Role.PEER:
        raise ValidationError(_("Only peer support workers carry a caseload."))
    return audited_update(actor=actor, instance=person, action="person.assign_peer", values={"assigned_peer": peer})


@transaction.atomic
def alias_add(
    *, actor: Actor, person: Person, kind: str, first_name: str = "", last_name: str = "", name: str = ""
) -> PersonAlias:
    require(actor, "person.alias_add", person)
    return audited_create(
        actor=actor,
        model=PersonAlias,
        action="person.alias_add",
        values={
            "person": person,
            "kind": kind,
            "first_name": first_name,
            "last_name": last_name,
            "name": name,
            "search_name": search_name(first_name, last_name, name),
        },
    )


@transaction.atomic
def alias_remove(*, actor: Actor, alias: PersonAlias, reason: str = "") -> None:
    """Remove an alias (misheard, someone else's): the audit event keeps what it was."""
    require(actor, "person.alias_remove", alias.person)
    changes = snapshot(alias, ["person", "kind", "first_name", "last_name", "name"])
    if reason.strip():
        changes["reason"] = reason.strip()[:300]
    audit_record(actor=actor, action="person.alias_remove", target=alias, changes=changes)
    alias.delete()


@transaction.atomic
def contact_point_add(*, actor: Actor, person: Person, kind: str, value: str, note: str = "") -> ContactPoint:
    require(actor, "person.contact_point_add", person)
    return audited_create(
        actor=actor,
        model=ContactPoint,
        action="person.contact_point_add",
        values={"person": person, "kind": kind, "value": value, "note": note},
    )
