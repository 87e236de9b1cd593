"""Peer casework screens: needs assessment, contacts, case notes (the assigned peer worker only)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from vip.accounts.models import User
from vip.accounts.permissions import Role, require_role
from vip.casework.forms import CaseNoteForm, ContactForm, NeedsAssessmentForm
from vip.casework.services import case_note_write, contact_record, needs_assessment_record
from vip.core.config import program_config
from vip.core.views import add_service_errors, form_page
from vip.people.models import Person
from vip.people.selectors import person_get


def _context(request: HttpRequest, person_id: int, roles: set[str], what: str) -> tuple[User, Person]:
    user = request.user
    assert isinstance(user, User)
    require_role(user, roles, what)
    try:
        return user, person_get(user=user, person_id=person_id)
    except Person.DoesNotExist:
        raise Http404 from None


@never_cache
def needs(request: HttpRequest, person_id: int) -> HttpResponse:
    user, person = _context(request, person_id, {Role.PEER}, _("record needs assessments"))
    zone = program_config().zone
    form = NeedsAssessmentForm(request.POST or None, initial={"assessed_on": timezone.now().astimezone(zone).date()})
    if request.method == "POST" and form.is_valid():
        try:
            needs_assessment_record(
                actor=user,
                person=person,
                assessed_on=form.cleaned_data["assessed_on"],
                needs=form.needs(),
                summary=form.cleaned_data["summary"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("people:detail", person_id=person.pk)
    return form_page(
        request, form, title=_("Needs assessment: %(person)s") % {"person": person}, cancel=f"/people/{person.pk}/"
    )


@never_cache
def contact(request: HttpRequest, person_id: int) -> HttpResponse:
    user, person = _context(request, person_id, {Role.PEER, Role.MANAGER}, _("record contacts"))
    zone = program_config().zone
    now = timezone.now().astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
    form = ContactForm(request.POST or None, initial={"contacted_at": now})
    if request.method == "POST" and form.is_valid():
        when = form.cleaned_data["contacted_at"]
        if timezone.is_naive(when):
            when = when.replace(tzinfo=zone)
        try:
            contact_record(
                actor=user,
                person=person,
                contacted_at=when,
                kind=form.cleaned_data["kind"],
                minutes=form.cleaned_data["minutes"],
                summary=form.cleaned_data["summary"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("people:detail", person_id=person.pk)
    return form_page(
        request, form, title=_("Contact with %(person)s") % {"person": person}, cancel=f"/people/{person.pk}/"
    )


@never_cache
def case_note(request: HttpRequest, person_id: int) -> HttpResponse:
    user, person = _context(request, person_id, {Role.PEER}, _("write case notes"))
    form = CaseNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case_note_write(actor=user, person=person, text=form.cleaned_data["text"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("people:detail", person_id=person.pk)
    return form_page(
        request,
        form,
        title=_("Case note: %(person)s") % {"person": person},
        subtitle=_("Case notes stay with you: police never see them."),
        cancel=f"/people/{person.pk}/",
    )
