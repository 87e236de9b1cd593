"""The audit viewer: administrators read the trail; every look at it is itself audited."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.audit.forms import AuditFilterForm
from vip.audit.selectors import audit_chain_head, audit_event_details, audit_event_search
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
    # Each event's details as the access policy lets the reader see them (names, keys, search
    # words withheld from administrators: they stay in the stored, chained record).
    shown = []
    for row in rows:
        details = audit_event_details(user=user, event=row)
        shown.append((row, json.dumps(details, ensure_ascii=False) if details else ""))
    return render(request, "audit/events.html", {"form": form, "events": shown, "older": older, "head": head})
