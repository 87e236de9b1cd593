"""The hospital referrals' pages: the queue, recording one (the patient found or added first), a
referral's page with its bedside visits, and changing or voiding what was recorded.

Every page reads through the selectors, so a role that does not see a record gets a 404 at its
address (police never: the wall); every write goes through the services."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.accounts.models import User
from vip.audit.reads import person_page, record_or_404
from vip.audit.services import audit_read
from vip.core.access import can, can_some, require_some, shows
from vip.core.config import program_today, program_zone
from vip.core.paging import paginate, wants_partial
from vip.core.views import form_page, submit
from vip.hospital.forms import INCLUDED, PatientSearchForm, QueueFilterForm, RecordForm, UpdateForm, VisitForm, VoidForm
from vip.hospital.models import BedsideVisit, HospitalReferral
from vip.hospital.selectors import (
    bedside_visit_list,
    bedside_visit_records,
    first_visits,
    hospital_referral_list,
    hospital_referral_records,
)
from vip.hospital.services import (
    bedside_visit_record,
    bedside_visit_void,
    hospital_referral_record,
    hospital_referral_update,
    hospital_referral_void,
)
from vip.people.models import Correction, Person
from vip.people.selectors import correction_list, person_list, person_matches

# People offered on the page that finds the patient.
PATIENTS_SHOWN = 25


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _known_hospitals(user: User) -> list[str]:
    """The hospitals named on the referrals the reader sees (offered as they type, and as a filter)."""
    names = hospital_referral_list(user=user, include_voided=True).order_by().values_list("hospital", flat=True)
    return sorted(set(names), key=str.casefold)


# --- the queue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    record: HospitalReferral
    days_since: int  # days since the injury, as of today in the program's zone
    visits: int
    last: BedsideVisit | None
    hours: float | None  # to the first bedside visit


@never_cache
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The HVIP queue: the hospital referrals the reader sees, newest first unless asked, filtered and
    paged, with the median time to the first bedside visit of those the filters keep."""
    user = _user(request)
    everything = hospital_referral_list(user=user, include_voided=True)  # refuses who sees none, first
    form = QueueFilterForm(request.GET, hospitals=_known_hospitals(user))
    referrals = everything if form.value("voided") == INCLUDED else everything.filter(voided_at__isnull=True)
    narrowed = form.narrow(referrals, bedside_visit_list(user=user))
    page = paginate(request, narrowed)
    shown: list[HospitalReferral] = list(page.object_list)
    first = first_visits(user=user, referrals=narrowed)
    visits: dict[int, list[BedsideVisit]] = {}
    for visit in bedside_visit_list(user=user).filter(hospital_referral__in=[r.pk for r in shown]):
        visits.setdefault(visit.hospital_referral_id, []).append(visit)
    today = program_today()
    rows = [
        Row(
            record=r,
            days_since=(today - r.injury_date).days,
            visits=len(visits.get(r.pk, [])),
            last=visits[r.pk][-1] if r.pk in visits else None,
            hours=first.hours.get(r.pk),
        )
        for r in shown
    ]
    audit_read(
        actor=user,
        action="hospitalreferral.list_read",
        object_type="hospital.hospitalreferral",
        shown=[r.pk for r in shown],
        details={**form.applied(), "sort": form.sort_key(), "page": page.number, "total": page.paginator.count},
    )
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "median": first.median(),
        "timed": len(first.hours),
        "may_record": can_some(user, "hospital_referral.record"),
    }
    template = "hospital/_queue_results.html" if wants_partial(request) else "hospital/queue.html"
    return render(request, template, context)


# --- recording one: the patient first -------------------------------------------------------------


@never_cache
@require_GET
def new(request: HttpRequest) -> HttpResponse:
    """Find the patient among the people the reader sees (by name or date of birth), then record the
    hospital referral for them; or add them as a new person first, where the reader may then refer them."""
    user = _user(request)
    require_some(user, "hospital_referral.record")
    form = PatientSearchForm(request.GET)
    query = form.cleaned_data.get("q", "") if form.is_valid() else ""
    people: list[Person] = []
    if query:
        found = list(person_matches(user=user, query=query)[:PATIENTS_SHOWN])
        people = [p for p in found if can(user, "hospital_referral.record", p)]
        audit_read(
            actor=user,
            action="person.search",
            object_type="people.person",
            shown=[p.pk for p in people],
            details={"query": query, "page": "hospital:new"},
        )
    context = {
        "form": form,
        "query": query,
        "people": people,
        # A person added now is on nobody's caseload: worth it only for who records for anyone.
        "may_add": can_some(user, "person.create") and can(user, "hospital_referral.record", Person()),
    }
    return render(request, "hospital/new.html", context)


@person_page(person_list, "person_id")
@never_cache
def record(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    person = record_or_404(request, person_list, person_id, action="hospital_referral.record")
    clinical = shows(user, HospitalReferral, "clinical_notes")
    form = RecordForm(
        request.POST or None,
        clinical=clinical,
        initial={"received_on": program_today(), "admitted": True, "consent_to_contact": "not_asked"},
    )
    done = submit(
        request,
        form,
        lambda data: hospital_referral_record(actor=user, person=person, **data),
        on_success=lambda made: reverse("hospital:detail", args=[made.pk]),
    )
    return done or render(
        request,
        "hospital/form.html",
        {
            "form": form,
            "title": _("Hospital referral for %(person)s") % {"person": person},
            "submit": _("Record the hospital referral"),
            "cancel": reverse("desk:person", args=[person.pk]),
            "hospitals": _known_hospitals(user),
        },
    )


# --- one referral ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    correction: Correction
    what: str
    previous: list[tuple[str, str]]


def _history(user: User, record: HospitalReferral, visits: list[BedsideVisit]) -> list[HistoryRow]:
    """The changes and voidings of this referral and its visits, each previous value only where the
    policy shows the reader that field (a reader who sees no history gets none)."""
    targets: dict[tuple[str, str], tuple[type[models.Model], str]] = {
        ("hospital.hospitalreferral", str(record.pk)): (HospitalReferral, str(_("Hospital details")))
    }
    for visit in visits:
        when = timezone.localtime(visit.attempted_at, program_zone()).strftime("%Y-%m-%d %H:%M")
        targets[("hospital.bedsidevisit", str(visit.pk))] = (
            BedsideVisit,
            _("Bedside visit of %(when)s") % {"when": when},
        )
    try:
        corrections = list(
            correction_list(user=user, kinds={"hospital.hospitalreferral", "hospital.bedsidevisit"}).filter(
                person_id=record.referral.person_id
            )
        )
    except PermissionDenied:  # a role that sees no history
        return []
    rows = []
    for c in corrections:
        found = targets.get((c.target_type, c.target_id))
        if found is None:
            continue
        model, what = found
        values: dict[str, Any] = dict(c.previous or {})
        if c.previous_protected:
            values.update(json.loads(c.previous_protected))
        previous = []
        for name in c.fields:
            label = str(getattr(model._meta.get_field(name), "verbose_name", name))
            if name in values and shows(user, model, name):
                previous.append((label, _shown(model, name, values[name])))
            else:
                previous.append((label, str(_("withheld from your role"))))
        rows.append(HistoryRow(c, what, previous))
    return rows


def _shown(model: type[Any], name: str, value: Any) -> str:
    """A kept previous value as the page shows the field: a choice by its label, yes or no."""
    if value is None or value == "":
        return "—"
    field = model._meta.get_field(name)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(dict(field.choices).get(value, value)) if field.choices else str(value)


@person_page(hospital_referral_records, "hospital_referral_id")
@never_cache
@require_GET
def detail(request: HttpRequest, hospital_referral_id: int) -> HttpResponse:
    """Everything recorded of one hospital referral, its bedside visits in order, and its history."""
    user = _user(request)
    record = record_or_404(request, hospital_referral_records, hospital_referral_id)
    visits = list(bedside_visit_records(user=user).filter(hospital_referral=record))
    first = first_visits(user=user, referrals=[record])
    live = record.voided_at is None
    context = {
        "record": record,
        "referral": record.referral,
        "visits": visits,
        "hours": first.hours.get(record.pk),
        "shows_clinical": shows(user, HospitalReferral, "clinical_notes"),
        "shows_notes": shows(user, BedsideVisit, "notes"),
        "may_visit": live and can(user, "hospital.bedside_visit", record),
        "may_update": live and can(user, "hospital_referral.update", record),
        "may_void": live and can(user, "hospital.correct", record),
        "voidable": {v.pk for v in visits if v.voided_at is None and can(user, "hospital.correct", v)},
        "history": _history(user, record, visits),
    }
    return render(request, "hospital/detail.html", context)


def _back(record: HospitalReferral) -> str:
    return reverse("hospital:detail", args=[record.pk])


@person_page(hospital_referral_records, "hospital_referral_id")
@never_cache
def visit(request: HttpRequest, hospital_referral_id: int) -> HttpResponse:
    user = _user(request)
    record = record_or_404(request, hospital_referral_list, hospital_referral_id, action="hospital.bedside_visit")
    zone = program_zone()
    now = timezone.now().astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
    form = VisitForm(request.POST or None, notes=shows(user, BedsideVisit, "notes"), initial={"attempted_at": now})

    def save(data: dict[str, Any]) -> object:
        when = data["attempted_at"]
        if timezone.is_naive(when):
            when = when.replace(tzinfo=zone)
        return bedside_visit_record(
            actor=user,
            hospital_referral=record,
            attempted_at=when,
            outcome=data["outcome"],
            consent_given=form.consent(),
            notes=data.get("notes", ""),
        )

    done = submit(request, form, save, on_success=_back(record))
    return done or form_page(
        request,
        form,
        title=_("Bedside visit: %(person)s") % {"person": record.referral.person},
        subtitle=_("A visit is recorded whether or not it reached the patient."),
        submit=_("Record the visit"),
        cancel=_back(record),
    )


@person_page(hospital_referral_records, "hospital_referral_id")
@never_cache
def edit(request: HttpRequest, hospital_referral_id: int) -> HttpResponse:
    user = _user(request)
    record = record_or_404(request, hospital_referral_list, hospital_referral_id, action="hospital_referral.update")
    clinical = shows(user, HospitalReferral, "clinical_notes")
    names = ["hospital", "unit", "injury_date", "injury_type", "admitted", "consent_to_contact", "referring_staff"]
    initial = {name: getattr(record, name) for name in names}
    initial |= {"consent_recorded_on": record.consent_recorded_on, "version": record.version}
    if clinical:
        initial["clinical_notes"] = record.clinical_notes
    form = UpdateForm(request.POST or None, clinical=clinical, initial=initial)
    done = submit(
        request,
        form,
        lambda data: hospital_referral_update(
            actor=user,
            hospital_referral=record,
            expected_version=data["version"],
            reason=data["reason"],
            **form.changes(record),
        ),
        on_success=_back(record),
    )
    return done or render(
        request,
        "hospital/form.html",
        {
            "form": form,
            "title": _("Change the hospital referral of %(person)s") % {"person": record.referral.person},
            "subtitle": _("What it said before is kept in the history."),
            "cancel": _back(record),
            "hospitals": _known_hospitals(user),
        },
    )


@person_page(hospital_referral_records, "hospital_referral_id")
@never_cache
def void(request: HttpRequest, hospital_referral_id: int) -> HttpResponse:
    user = _user(request)
    record = record_or_404(request, hospital_referral_list, hospital_referral_id, action="hospital.correct")
    form = VoidForm(request.POST or None, initial={"version": record.version})
    done = submit(
        request,
        form,
        lambda data: hospital_referral_void(
            actor=user, hospital_referral=record, reason=data["reason"], expected_version=data["version"]
        ),
        on_success=_back(record),
        message=_("The hospital referral was voided; it is kept in the history."),
    )
    return done or form_page(
        request,
        form,
        title=_("Void the hospital referral of %(person)s") % {"person": record.referral.person},
        subtitle=_(
            "For details recorded in error (the wrong person, a duplicate). The referral into the program "
            "stays: correct or void it from the case file."
        ),
        submit=_("Void"),
        cancel=_back(record),
    )


@person_page(bedside_visit_records, "bedside_visit_id")
@never_cache
def visit_void(request: HttpRequest, bedside_visit_id: int) -> HttpResponse:
    user = _user(request)
    found = record_or_404(request, bedside_visit_list, bedside_visit_id, action="hospital.correct")
    back = _back(found.hospital_referral)
    form = VoidForm(request.POST or None, initial={"version": found.version})
    done = submit(
        request,
        form,
        lambda data: bedside_visit_void(
            actor=user, visit=found, reason=data["reason"], expected_version=data["version"]
        ),
        on_success=back,
        message=_("The bedside visit was voided; it is kept in the history."),
    )
    when = timezone.localtime(found.attempted_at, program_zone()).strftime("%Y-%m-%d %H:%M")
    return done or form_page(
        request,
        form,
        title=_("Void the bedside visit of %(when)s") % {"when": when},
        subtitle=_("A consent the visit recorded stays on the referral: change it there if it was wrong."),
        submit=_("Void"),
        cancel=back,
    )
