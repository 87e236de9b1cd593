"""The staff desk: the home page (my caseload, what is due, notifications planned, this month's
figures) and the person page (everything the reader may see about one person)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.accounts.models import User
from vip.audit.reads import person_page, record_or_404, refuse
from vip.audit.services import audit_read
from vip.core.access import can, can_some
from vip.core.config import program_today, program_zone
from vip.core.dates import Month
from vip.core.views import form_page, submit
from vip.desk.corrections import KINDS, CorrectionForm
from vip.desk.selectors import home_summary, person_file
from vip.desk.summary import person_summary_pdf
from vip.people.forms import AliasForm, AssignPeerForm, PersonEditForm
from vip.people.models import Person
from vip.people.selectors import alias_list, person_list
from vip.people.services import PERSON_FIELDS, alias_add, alias_remove, person_update
from vip.referrals.services import person_transfer


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


# --- the case file's edits: details, aliases, the assigned peer, corrections; the summary -------


def _staff(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _back(person: Person) -> str:
    return reverse("desk:person", args=[person.pk])


@person_page(person_list, "person_id")
@never_cache
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _staff(request)
    person = record_or_404(request, person_list, person_id, action="person.update")
    initial = {name: getattr(person, name) for name in PERSON_FIELDS}
    form = PersonEditForm(request.POST or None, initial={**initial, "version": person.version})

    def save(data: dict[str, Any]) -> object:
        values = {k: v for k, v in data.items() if k in PERSON_FIELDS}
        return person_update(actor=user, person=person, expected_version=data["version"], **values)

    done = submit(request, form, save, on_success=_back(person), message=_("The person's details were saved."))
    if done is not None:
        return done
    return form_page(request, form, title=_("Edit details: %(person)s") % {"person": person}, cancel=_back(person))


@person_page(person_list, "person_id")
@never_cache
def alias_new(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _staff(request)
    person = record_or_404(request, person_list, person_id, action="person.alias_add")
    form = AliasForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: alias_add(actor=user, person=person, **data),
        on_success=_back(person),
        message=_("The alias was added."),
    )
    if done is not None:
        return done
    return form_page(request, form, title=_("Add an alias: %(person)s") % {"person": person}, cancel=_back(person))


@person_page(person_list, "person_id")
@never_cache
def alias_delete(request: HttpRequest, person_id: int, alias_id: int) -> HttpResponse:
    user = _staff(request)
    # The access check comes first (a stranger to the person gets the 404); another method than
    # POST is then refused, and the refusal is the request's one event on record.
    person = record_or_404(request, person_list, person_id, action="person.alias_remove", audit=False)
    if request.method != "POST":
        refuse(request, Person, person.pk)
        return HttpResponseNotAllowed(["POST"])
    alias = alias_list(user=user).filter(person=person, pk=alias_id).first()
    if alias is None:
        refuse(request, Person, person.pk)  # no such alias of this person: refused, on record
        raise Http404
    alias_remove(actor=user, alias=alias)
    messages.success(request, _("The alias was removed."))
    return redirect(_back(person))


@person_page(person_list, "person_id")
@never_cache
def person_assign(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _staff(request)
    person = record_or_404(request, person_list, person_id, action="person.assign_peer")
    form = AssignPeerForm(request.POST or None, initial={"peer": person.assigned_peer_id})
    done = submit(
        request,
        form,
        lambda data: person_transfer(actor=user, person=person, peer=data["peer"]),
        on_success=_back(person),
        message=_("The peer support worker was changed."),
    )
    if done is not None:
        return done
    return form_page(
        request,
        form,
        title=_("Peer support worker of %(person)s") % {"person": person},
        subtitle=_("The person's referrals assigned to the peer who had them move with the person."),
        cancel=_back(person),
    )


@person_page(person_list, "person_id")
@never_cache
def correct(request: HttpRequest, person_id: int, kind: str, entry_id: int) -> HttpResponse:
    """Correct or void one recorded entry of the person, with a reason (the original kept)."""
    user = _staff(request)
    spec = KINDS.get(kind)
    if spec is None:
        raise Http404
    # One event for the request, naming the person its address names (row 36): the read of the
    # person when the page is shown (settled at the end of the request), a refusal on the person
    # when the entry is not one the reader may correct, the write when the form is saved.
    person = record_or_404(request, person_list, person_id, audit=False)
    if not can_some(user, spec.action):
        raise Http404
    try:
        entries = spec.selector(user=user)
    except PermissionDenied:
        raise Http404 from None
    entry = entries.filter(pk=entry_id, person=person).first()
    if entry is None or not can(user, spec.action, entry):
        raise Http404
    zone = program_zone()
    initial: dict[str, Any] = {"version": entry.version}
    for name in spec.fields:
        value = getattr(entry, name, None)
        if isinstance(value, dt.datetime):
            value = value.astimezone(zone).replace(tzinfo=None)
        initial[name] = value
    if kind == "needs":
        for item in entry.items.all():
            initial[f"need_{item.domain}"] = item.level
    form = CorrectionForm(request.POST or None, kind=kind, user=user, initial=initial)

    def save(data: dict[str, Any]) -> object:
        common = {"actor": user, spec.record_arg: entry, "reason": data["why"], "expected_version": data["version"]}
        if data["what"] == "void":
            return spec.void(**common)
        values = form.changes(zone)
        needs = form.needs()
        if needs is not None:
            values["needs"] = needs
        return spec.correct(**common, **values)

    done = submit(
        request,
        form,
        save,
        on_success=_back(person),
        message=_("The entry was changed; the original is kept in the history."),
    )
    if done is not None:
        return done
    return form_page(
        request,
        form,
        title=_("Correct a %(what)s: %(person)s") % {"what": spec.name, "person": person},
        subtitle=_("The original stays on record with who changed it, when and why."),
        submit=_("Save the change"),
        cancel=_back(person),
    )


@person_page(person_list, "person_id")
@never_cache
@require_GET
def summary_pdf(request: HttpRequest, person_id: int) -> HttpResponse:
    """The one-page person summary for a case conference (audited as a read)."""
    user = _staff(request)
    person = record_or_404(request, person_list, person_id, action="person.summary_pdf", audit=False)
    pdf = person_summary_pdf(user=user, person=person)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="person-{person.pk}-summary.pdf"'
    return response
