"""The one way a page or an API endpoint gets a person-level record for its reader.

``record_or_404(request, selector, pk)`` asks the domain selector (which applies the access
policy for the reader) for record ``pk`` (and, for a page where the reader acts on it, whether they may take that action
on it: the access policy's actions). Found: the read is audited (a page that shows a
record shows who it is about) and the record returned. Not found, or not the reader's to see
(the role sees no such records, or not this one): the refusal is audited as ``denied`` and
the answer is a 404 either way, so that nobody learns whether the record exists. The API
answers the same 404 in its JSON shape (Django REST framework turns ``Http404`` into it).

A page or API operation about one person (or a record tied to one) is marked ``@person_page``.
Whatever its method (GET, HEAD, OPTIONS, a POST whose form comes back with errors, a method it
refuses), such a request leaves exactly one audit event (security row 36): the read recorded
here, the write its service recorded, the refusal recorded here; and when the request ended with
none of these, ``settle`` (called by the audit middleware once the answer is ready, before it is
sent) records the read of the record the page resolved, or the refusal (403, 404, 405) of the
record its address names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from vip.audit.context import Ledger, current_ledger
from vip.audit.models import AuditEvent
from vip.audit.services import audit_read
from vip.core.access import can, can_some

M = TypeVar("M", bound=models.Model)
V = TypeVar("V", bound=Callable[..., Any])

# Methods whose answer is the page itself (a POST answers with the write it makes, audited by
# its service, or with the form again).
READ_METHODS = frozenset({"GET", "HEAD"})


def record_or_404(
    request: HttpRequest,
    selector: Callable[..., models.QuerySet[M]],
    pk: int | str,
    *,
    action: str | None = None,
    audit: bool = True,
) -> M:
    """Record ``pk`` of ``selector(user=request.user)``, or ``Http404``; reads and refusals audited.

    ``action``: the page is where the reader takes this action on the record (a form): a reader
    who may not take it on this record is refused like one who may not see it.
    ``audit=False`` leaves the read to the caller (a page that audits it with more detail, such
    as the people it lists); the refusal is always audited here. A read by another method than
    GET or HEAD is recorded at the end of the request, and only if the request recorded nothing
    else (a POST that wrote has its write's event; one whose form comes back has its read).
    """
    user = request.user
    if action is not None and not can_some(user, action):
        refuse(request, getattr(selector, "model", None), pk)
        raise Http404
    try:
        queryset = selector(user=user)
    except PermissionDenied:
        refuse(request, getattr(selector, "model", None), pk)  # the model ``selects`` marked
        raise Http404 from None
    try:
        record = queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        refuse(request, queryset.model, pk)
        raise Http404 from None
    if action is not None and not can(user, action, record):
        refuse(request, queryset.model, pk)
        raise Http404
    ledger = current_ledger()
    if ledger is not None and ledger.record is None:
        ledger.record = record  # what the request is about, should it end without an event
    if audit and request.method in READ_METHODS:
        audit_read(
            actor=user,  # type: ignore[arg-type]
            action=f"{record._meta.model_name}.read",
            target=record,
            details={"page": page_name(request)},
        )
    return record


def refuse(request: HttpRequest, model: type[models.Model] | None, pk: int | str) -> None:
    """Audit a request for a record the reader may not see (or that does not exist): the answer
    is a 404 either way, but the attempt is on record."""
    audit_read(
        actor=request.user,  # type: ignore[arg-type]
        action=f"{model._meta.model_name}.read" if model is not None else "record.read",
        object_type=model._meta.label_lower if model is not None else "",
        object_id=str(pk),
        outcome=AuditEvent.Outcome.DENIED,
        details={"page": page_name(request)},
    )


def page_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else request.path


# --- person pages: one event per request, whatever its method (security row 36) -------------------


@dataclass(frozen=True)
class PersonPage:
    """What a page or API operation is about: a record of ``model`` named by the path's ``kwarg``."""

    model: type[models.Model]
    kwarg: str


def person_page(selector: Callable[..., Any], kwarg: str) -> Callable[[V], V]:
    """Mark a view whose address names a person or a record tied to one: the record ``kwarg``
    names, read through ``selector``. Every request to it leaves exactly one audit event."""

    def mark(view: V) -> V:
        view.audit_person_page = PersonPage(selector.model, kwarg)  # type: ignore[attr-defined]
        return view

    return mark


def person_page_of(view: Callable[..., Any]) -> PersonPage | None:
    page = getattr(view, "audit_person_page", None)
    return page if isinstance(page, PersonPage) else None


def names_person(view: Callable[..., Any]) -> bool:
    return person_page_of(view) is not None


def settle(request: HttpRequest, response: HttpResponse, ledger: Ledger) -> None:
    """At the end of a request to a person page (``request.audit_person_page``, set by the audit
    middleware), record its one event if it recorded none: the read of the record it resolved, or,
    for a refusal (any 4xx: 403, 404, 405...), ``denied`` on the record its address names.

    A server error shows nothing (and may be the audit's own failure): nothing is added then. An
    event recorded in a transaction that was rolled back does not count.
    """
    marked: tuple[PersonPage, Any] | None = getattr(request, "audit_person_page", None)
    user = getattr(request, "user", None)
    if marked is None or user is None or not user.is_authenticated or response.status_code >= 500:
        return
    if _recorded(ledger):
        return
    page, object_id = marked
    refused = response.status_code >= 400
    record = ledger.record
    details: dict[str, Any] = {"page": page_name(request), "method": request.method}
    if refused:
        details["status"] = response.status_code
    model = type(record) if record is not None else page.model
    audit_read(
        actor=user,
        action=f"{model._meta.model_name}.read",
        target=record,
        object_type=model._meta.label_lower,
        object_id=str(record.pk if record is not None else object_id),
        details=details,
        outcome=AuditEvent.Outcome.DENIED if refused else AuditEvent.Outcome.SUCCESS,
    )


def _recorded(ledger: Ledger) -> bool:
    """Whether an event the request recorded is still there (not rolled back with its write)."""
    if not ledger.recorded:
        return False
    if any(committed for _pk, committed in ledger.recorded):
        return True
    return AuditEvent.objects.filter(pk__in=[pk for pk, _committed in ledger.recorded]).exists()
