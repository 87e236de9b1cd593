"""The one way a page or an API endpoint gets a person-level record for its reader.

``record_or_404(request, selector, pk)`` asks the domain selector (which applies the access
policy for the reader) for record ``pk`` (and, for a page where the reader acts on it, whether they may take that action
on it: the access policy's actions). Found: the read is audited (a page that shows a
record shows who it is about) and the record returned. Not found, or not the reader's to see
(the role sees no such records, or not this one): the refusal is audited as ``denied`` and
the answer is a 404 either way, so that nobody learns whether the record exists. The API
answers the same 404 in its JSON shape (Django REST framework turns ``Http404`` into it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

from vip.audit.models import AuditEvent
from vip.audit.services import audit_read
from vip.core.access import can, can_some

M = TypeVar("M", bound=models.Model)

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
    as the people it lists); the refusal is always audited here.
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
