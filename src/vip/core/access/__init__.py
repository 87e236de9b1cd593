"""Reading the access policy (``vip.core.access.policy``): the one place visibility is decided.

- ``visible(queryset, user)``: the records of a queryset this user sees, with the fields the
  policy withholds from them masked (empty, never fetched into what the caller gets, also on
  related records loaded with it). Refuses (``PermissionDenied``) a role that sees none.
  Every selector returns through it.
- ``treatment(user, model, field)`` / ``shows(user, model, field)``: what a user gets of one
  field; ``lookup_treatment`` follows a lookup across relations (the export's columns).
- ``can(user, action, record)`` / ``require(user, action, record)``: may the user do this,
  on this record: ``rules`` predicates built from ``ACTIONS``. ``require`` raises.

``user`` is a staff account, an anonymous visitor (the public), or ``None``: the local
operator on the command line, who is not subject to the policy (docs/adr/0001-operator-actor.md).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import rules
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from vip.core.access.policy import (
    ACTIONS,
    FIELDS,
    PUBLIC,
    READS,
    ROLES,
    Action,
    Entry,
    Rows,
    Scope,
    Show,
)
from vip.core.config import field_work_switch
from vip.core.masking import MaskingQuerySet
from vip.core.sensitivity import Sensitivity, sensitivity_of

__all__ = [
    "ACTIONS",
    "PUBLIC",
    "READS",
    "ROLES",
    "Action",
    "Channel",
    "Entry",
    "Rows",
    "Scope",
    "Show",
    "author_of",
    "can",
    "can_some",
    "entry",
    "hidden_fields",
    "lookup_treatment",
    "require",
    "require_some",
    "role_of",
    "rows",
    "sees",
    "selects",
    "shows",
    "shows_kind",
    "treatment",
    "visible",
    "visible_rows",
]

M = TypeVar("M", bound=models.Model)
F = TypeVar("F", bound=Callable[..., Any])


class Channel(enum.StrEnum):
    # Pages, partials, search, the API, the admin and the audit viewer: never de-identified rows.
    PAGE = "page"
    # The bundle export: de-identified rows for the roles the policy gives them.
    EXPORT = "export"


_ENTRIES: dict[str, Entry] = {e.model: e for e in READS}
_DEIDENTIFIED = {Rows.DEIDENTIFIED, Rows.DEIDENTIFIED_NOT_HEALTH}
_NOT_HEALTH = {Rows.NOT_HEALTH, Rows.DEIDENTIFIED_NOT_HEALTH}


def selects(model: type[models.Model]) -> Callable[[F], F]:
    """Mark a selector with the model it reads (``vip.audit.reads`` names it in a refusal)."""

    def mark(selector: F) -> F:
        selector.model = model  # type: ignore[attr-defined]
        return selector

    return mark


def role_of(user: Any) -> str | None:
    """The policy's role of a reader: None for the operator, ``public`` for a visitor or an
    account that is no longer active."""
    if user is None:
        return None
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return PUBLIC
    role = getattr(user, "role", "")
    return role if role in ROLES else PUBLIC


def _role(user_or_role: Any) -> str | None:
    if user_or_role is None or isinstance(user_or_role, str):
        return user_or_role
    return role_of(user_or_role)


def entry(model: type[models.Model]) -> Entry:
    """The policy's line for a model; a model without one is an error (deny by default, loudly)."""
    try:
        return _ENTRIES[model._meta.label]
    except KeyError:
        raise LookupError(f"{model._meta.label} has no line in the access policy (vip.core.access.policy)") from None


def rows(user: Any, model: type[models.Model], channel: Channel = Channel.PAGE) -> Rows:
    """Which records of ``model`` the user sees in a channel (the operator: all)."""
    role = _role(user)
    if role is None:
        return Rows.ALL
    line = entry(model)
    found = line.rows.get(role, Rows.NONE)
    if channel == Channel.PAGE and found in _DEIDENTIFIED:
        return Rows.NONE
    if role in line.switch and not field_work_switch(line.switch[role]):
        return Rows.NONE
    return found


def sees(user: Any, model: type[models.Model], channel: Channel = Channel.PAGE) -> bool:
    """Does the user see any record of ``model`` in that channel?"""
    return rows(user, model, channel) != Rows.NONE


def treatment(user: Any, model: type[models.Model], field: str) -> Show:
    """What the user gets of ``model.field``: by the field's declared sensitivity."""
    role = _role(user)
    sensitivity = sensitivity_of(model, field)
    if role is None or sensitivity is None:
        return Show.SHOWN
    return FIELDS[role][sensitivity]


def shows_kind(user: Any, sensitivity: Sensitivity) -> bool:
    """Is a value of this sensitivity shown to the user (a detail that is not a model's field)?"""
    role = _role(user)
    return role is None or FIELDS[role][sensitivity] == Show.SHOWN


def shows(user: Any, model: type[models.Model], field: str) -> bool:
    return treatment(user, model, field) == Show.SHOWN


def lookup_treatment(user: Any, model: type[models.Model], lookup: str) -> Show:
    """``treatment`` of the field a lookup such as ``person__key`` ends on."""
    *path, name = lookup.split("__")
    for part in path:
        related = model._meta.get_field(part).related_model
        assert isinstance(related, type)
        model = related
    return treatment(user, model, name)


def hidden_fields(user: Any, model: type[models.Model]) -> frozenset[str]:
    """The fields of ``model`` the user does not get as they are (withheld, consent or masked)."""
    return _hidden(_role(user), model)


@functools.cache
def _hidden(role: str | None, model: type[models.Model]) -> frozenset[str]:
    # Asked for every record a page loads (and the related records with it): worked out once.
    if role is None:
        return frozenset()
    declared: dict[str, Sensitivity] = getattr(model, "SENSITIVE_FIELDS", {})
    return frozenset(name for name, kind in declared.items() if FIELDS[role][kind] != Show.SHOWN)


def _refusal(model: type[models.Model]) -> str:
    text = entry(model).refusal
    if text:
        return str(text)
    return _("Your role does not see %(records)s.") % {"records": model._meta.verbose_name_plural}


def _related_model(model: type[models.Model], path: str) -> type[models.Model]:
    for part in path.split("__"):
        related = model._meta.get_field(part).related_model
        assert isinstance(related, type)
        model = related
    return model


def _row_filter(user: Any, model: type[models.Model], scope: Rows) -> Q | None:
    """The condition on ``model``'s records for a row scope (None: every record)."""
    line = entry(model)
    if scope == Rows.OWN:
        assert line.owner, f"{line.model}: OWN needs the owner path"
        return Q(**{line.owner: user})
    if scope in _NOT_HEALTH:
        assert line.health, f"{line.model}: NOT_HEALTH needs the health lookup"
        return Q(**{line.health: ""})
    if scope not in {Rows.CASELOAD, Rows.CASELOAD_OR_ASSIGNED}:
        return None
    assert line.person is not None, f"{line.model}: a caseload rule needs the path to the person"
    if scope == Rows.CASELOAD:
        return Q(assigned_peer=user) if line.person == "" else Q(**{f"{line.person}__assigned_peer": user})
    assert line.assignee, f"{line.model}: CASELOAD_OR_ASSIGNED needs the assignee path"
    # The records of the caseload, and those assigned to the user, as one UNION of two indexed
    # lookups: an OR of the two (or of a subquery and a column) makes PostgreSQL read the whole
    # table, every person or referral of the city, to find the forty of one peer.
    manager = model._base_manager
    assigned = manager.filter(**{line.assignee: user}).values("pk")
    if line.person == "":
        return Q(pk__in=manager.filter(assigned_peer=user).values("pk").union(assigned))
    person_model = _related_model(model, line.person)
    caseload = person_model._base_manager.filter(assigned_peer=user).values("pk")
    return Q(pk__in=manager.filter(**{f"{line.person}__in": caseload}).values("pk").union(assigned))


def visible_rows(queryset: QuerySet[M], user: Any, channel: Channel = Channel.PAGE) -> QuerySet[M]:
    """The records of ``queryset`` the user sees, fields untouched (the export applies the field
    treatments column by column). Refuses a role that sees none of them."""
    if user is None:
        return queryset
    model = queryset.model
    scope = rows(user, model, channel)
    if scope == Rows.NONE:
        raise PermissionDenied(_refusal(model))
    if scope == Rows.PUBLISHED:
        published = entry(model).published
        assert published, f"{model._meta.label}: PUBLISHED needs the published condition"
        return queryset.filter(**published)
    condition = _row_filter(user, model, scope)
    only = entry(model).only.get(_role(user) or "")
    if only:
        queryset = queryset.filter(**only)
    return queryset if condition is None else queryset.filter(condition)


def visible(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """The records of ``queryset`` the user sees, on a page or through the API, with every field
    the policy does not show them masked, on these records and on related ones loaded with them.
    Refuses (``PermissionDenied``) a role that sees none of them."""
    found = visible_rows(queryset, user, Channel.PAGE)
    if user is None:
        return found
    if not isinstance(found, MaskingQuerySet):
        if hidden_fields(user, found.model):
            raise TypeError(f"{found.model._meta.label} has fields to mask: give it the MaskingManager")
        return found
    return found.masked_by(functools.partial(_hidden, _role(user)))


# --- actions: rules predicates built from ACTIONS -------------------------------------------------


def person_of(record: Any) -> Any:
    """The person a record is about (a person is about themselves), or None."""
    if record is None:
        return None
    if hasattr(record, "assigned_peer_id"):
        return record
    return getattr(record, "person", None)


@rules.predicate
def _on_own_caseload(user: Any, record: Any) -> bool:
    person = person_of(record)
    return person is not None and person.assigned_peer_id == user.pk


# The fields naming who recorded an entry, by the models that keep one.
AUTHOR_FIELDS = ("recorded_by_id", "author_id", "by_id", "assessed_by_id", "referred_by_id")


def author_of(record: Any) -> int | None:
    """The id of the account that recorded an entry (None: not known, or not an entry)."""
    for name in AUTHOR_FIELDS:
        if hasattr(record, name):
            return getattr(record, name)  # type: ignore[no-any-return]
    return None


@rules.predicate
def _is_author(user: Any, record: Any) -> bool:
    return record is not None and author_of(record) == user.pk


def _is(role: str) -> rules.Predicate:
    return rules.Predicate(lambda user: role_of(user) == role, name=f"is_{role}")


def _predicate(action: Action) -> rules.Predicate:
    allowed = rules.always_deny
    for role, scope in action.roles.items():
        if scope == Scope.ANY:
            allowed = allowed | _is(role)
        elif scope == Scope.AUTHOR:
            allowed = allowed | (_is(role) & _is_author)
        else:
            allowed = allowed | (_is(role) & _on_own_caseload)
    return allowed


_RULES: dict[str, rules.Predicate] = {name: _predicate(action) for name, action in ACTIONS.items()}


def can(user: Any, action: str, record: Any = None) -> bool:
    """May ``user`` take ``action`` (a key of ACTIONS) on ``record``? The operator may."""
    if user is None:
        return True
    return bool(_RULES[action].test(user, record))


def can_some(user: Any, action: str) -> bool:
    """May ``user`` take ``action`` on some record (their own caseload's at least)? For what a
    page offers before a record is chosen; the service checks the record itself."""
    if user is None:
        return True
    return (role_of(user) or "") in ACTIONS[action].roles


def require_some(user: Any, action: str) -> None:
    """Refuse a role that may not take ``action`` on any record."""
    if not can_some(user, action):
        raise PermissionDenied(_("Your role may not %(action)s.") % {"action": ACTIONS[action].what})


def require(user: Any, action: str, record: Any = None) -> None:
    """Refuse (``PermissionDenied``) unless ``can(user, action, record)``."""
    if can(user, action, record):
        return
    line = ACTIONS[action]
    if line.roles.get(role_of(user) or "") == Scope.CASELOAD:
        raise PermissionDenied(_("This person is not on your caseload."))
    if line.roles.get(role_of(user) or "") == Scope.AUTHOR:
        raise PermissionDenied(_("Only whoever recorded this entry, or a program manager, may change it."))
    raise PermissionDenied(_("Your role may not %(action)s.") % {"action": line.what})


def _register() -> None:
    """Django permissions answered from the policy (``user.has_perm``, ``perms`` in templates, the
    admin): each action by its name, and ``<app>.view_<model>`` for every model's records.
    The administration screens' add and change permissions follow the configuration and
    account actions; nothing is ever deleted there."""
    for name, predicate in _RULES.items():
        rules.set_perm(name, predicate)
    for line in READS:
        app_label, model_name = line.model.split(".")
        codename = f"{app_label}.view_{model_name.lower()}"
        rules.set_perm(codename, _sees_records(line.model))
        if app_label in _ADMIN_EDITS:
            add, change = _ADMIN_EDITS[app_label]
            rules.set_perm(f"{app_label}.add_{model_name.lower()}", _RULES[add])
            rules.set_perm(f"{app_label}.change_{model_name.lower()}", _RULES[change])


def _sees_records(label: str) -> rules.Predicate:
    """``<app>.view_<model>``: does the user see any record of the model on a page?"""
    return rules.Predicate(lambda user: sees(user, apps.get_model(label)), name=f"sees_{label}")


# The administration screens' add and change permissions, by app: the actions they are.
_ADMIN_EDITS = {"core": ("configuration.edit", "configuration.edit"), "accounts": ("account.create", "account.edit")}


_register()


def admin_apps(user: Any) -> set[str]:
    """The apps with a model whose records the user sees (the administration screens list those;
    only administrators enter them at all)."""
    return {line.model.split(".")[0] for line in READS if sees(user, apps.get_model(line.model))}
