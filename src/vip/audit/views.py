"""The audit viewer: administrators read the trail; every look at it is itself audited. It shows
no identifying data and no case content, to anyone (security row 38: ``redacted_details``)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.audit.forms import AuditFilterForm
from vip.audit.models import AuditEvent
from vip.audit.selectors import audit_chain_head, audit_event_get, audit_event_search, redacted_details
from vip.audit.services import audit_read

PAGE = 100


@never_cache
@require_GET
def events(request: HttpRequest) -> HttpResponse:
    user = request.user
    head = audit_chain_head(user=user)  # refuses everyone but administrators, before anything is read
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = audit_event_search(user=user, filters=filters, limit=PAGE + 1)
    older = None
    if len(rows) > PAGE:
        rows = rows[:PAGE]
        query = {k: v for k, v in request.GET.items() if k != "before" and v}
        older = "?" + urlencode({**query, "before": rows[-1].pk})
    audit_read(
        actor=user,  # type: ignore[arg-type]  # signed in: the middleware lets no one else here
        action="audit.read",
        object_type="audit.auditevent",
        shown=[row.pk for row in rows],
        details={"filters": {k: v for k, v in filters.items() if v not in (None, "")}},
    )
    # Each event's details with what names a person and all case content withheld (they stay in
    # the stored, chained record); shortened here, whole on the event's own page.
    shown = []
    for row in rows:
        details = redacted_details(row)
        shown.append((row, json.dumps(details, ensure_ascii=False) if details else ""))
    return render(request, "audit/events.html", {"form": form, "events": shown, "older": older, "head": head})


@never_cache
@require_GET
def event(request: HttpRequest, event_id: int) -> HttpResponse:
    """One event whole: every recorded field, its place in the chain, and its details in full
    (redacted as in the list)."""
    user = request.user
    audit_chain_head(user=user)  # refuses everyone but administrators, before anything is read
    try:
        item = audit_event_get(user=user, event_id=event_id)
    except AuditEvent.DoesNotExist:
        raise Http404 from None
    audit_read(
        actor=user,  # type: ignore[arg-type]
        action="audit.read",
        object_type="audit.auditevent",
        object_id=str(item.pk),
    )
    details = redacted_details(item)
    return render(
        request,
        "audit/event.html",
        {
            "event": item,
            "details": json.dumps(details, ensure_ascii=False, indent=2, sort_keys=True) if details else "",
        },
    )
