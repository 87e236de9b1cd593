"""The staff desk: the home page (my caseload, what is due, notifications planned, this month's
figures) and the person page (everything the reader may see about one person)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.audit.reads import person_page, record_or_404
from vip.audit.services import audit_read
from vip.core.config import program_today
from vip.core.dates import Month
from vip.desk.selectors import home_summary, person_file
from vip.people.selectors import person_list


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = program_today()
    horizon = today + dt.timedelta(days=14)
    summary = home_summary(user=user, today=today, horizon=horizon)
    if summary.shows_people:
        audit_read(actor=user, action="home.read", object_type="people.person", shown=summary.people_shown())  # type: ignore[arg-type]
    return render(
        request,
        "desk/home.html",
        {"summary": summary, "summary_horizon": horizon, "month": Month.of(today), "today": today},
    )


@person_page(person_list, "person_id")
@never_cache
@require_GET
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    found = record_or_404(request, person_list, person_id, audit=False)
    file = person_file(user=request.user, person=found)
    # Audited once everything shown is read, before anything is sent (fails closed).
    audit_read(actor=request.user, action="person.read", target=found)  # type: ignore[arg-type]
    return render(request, "desk/person.html", {"file": file, "person": found})
