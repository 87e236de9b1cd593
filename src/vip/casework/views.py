"""Peer casework screens: needs assessment, contacts, case notes (the assigned peer worker only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from vip.accounts.models import User
from vip.audit.reads import person_page, record_or_404
from vip.casework.forms import CaseNoteForm, ContactForm, NeedsAssessmentForm
from vip.casework.services import case_note_write, contact_record, needs_assessment_record
from vip.core.config import program_today, program_zone
from vip.core.views import form_page, submit
from vip.people.models import Person
from vip.people.selectors import person_list


def _context(request: HttpRequest, person_id: int, action: str) -> tuple[User, Person]:
    """The user and the person, if they see them and may take ``action`` for them (or a 404)."""
    assert isinstance(request.user, User)
    return request.user, record_or_404(request, person_list, person_id, action=action)


@person_page(person_list, "person_id")
@never_cache
def needs(request: HttpRequest, person_id: int) -> HttpResponse:
    user, person = _context(request, person_id, "casework.needs_assessment")
    form = NeedsAssessmentForm(request.POST or None, initial={"assessed_on": program_today()})
    done = submit(
        request,
        form,
        lambda data: needs_assessment_record(
            actor=user, person=person, assessed_on=data["assessed_on"], needs=form.needs(), summary=data["summary"]
        ),
        on_success=reverse("desk:person", args=[person.pk]),
    )
    return done or form_page(
        request, form, title=_("Needs assessment: %(person)s") % {"person": person}, cancel=f"/people/{person.pk}/"
    )


@person_page(person_list, "person_id")
@never_cache
def contact(request: HttpRequest, person_id: int) -> HttpResponse:
    user, person = _context(request, person_id, "casework.contact")
    zone = program_zone()
    now = timezone.now().astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
    form = ContactForm(request.POST or None, initial={"contacted_at": now})

    def save(data: dict[str, Any]) -> object:
        when = data["contacted_at"]
        if timezone.is_naive(when):
            when = when.replace(tzinfo=zone)
        return contact_record(
            actor=user,
            person=person,
            contacted_at=when,
            kind=data["kind"],
            minutes=data["minutes"],
            summary=data["summary"],
        )

    done = submit(request, form, save, on_success=reverse("desk:person", args=[person.pk]))
    return done or form_page(
        request, form, title=_("Contact with %(person)s") % {"person": person}, cancel=f"/people/{person.pk}/"
    )


@person_page(person_list, "person_id")
@never_cache
def case_note(request: HttpRequest, person_id: int) -> HttpResponse:
    user, person = _context(request, person_id, "casework.case_note")
    form = CaseNoteForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: case_note_write(actor=user, person=person, text=data["text"]),
        on_success=reverse("desk:person", args=[person.pk]),
    )
    return done or form_page(
        request,
        form,
        title=_("Case note: %(person)s") % {"person": person},
        subtitle=_("Case notes stay with you: police never see them."),
        cancel=f"/people/{person.pk}/",
    )
