"""Peer casework screens: needs assessment, contacts, case notes (the assigned peer worker only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from vip.accounts.models import User
from vip.accounts.permissions import Role, require_role
from vip.casework.forms import CaseNoteForm, ContactForm, NeedsAssessmentForm
from vip.casework.services import case_note_write, contact_record, needs_assessment_record
from vip.core.config import program_today, program_zone
from vip.core.views import form_page, person_or_404, submit
from vip.people.models import Person


def _context(request: HttpRequest, person_id: int, roles: set[str], what: str) -> tuple[User, Person]:
    assert isinstance(request.user, User)
    require_role(request.user, roles, what)
    return person_or_404(request, person_id)


@never_cache
def needs(request: HttpRequest, person_id: int) -> HttpResponse:
    user, person = _context(request, person_id, {Role.PEER}, _("record needs assessments"))
    form = NeedsAssessmentForm(request.POST or None, initial={"assessed_on": program_today()})
    done = submit(
        request,
        form,
        lambda data: needs_assessment_record(
            actor=user, person=person, assessed_on=data["assessed_on"], needs=form.needs(), summary=data["summary"]
        ),
        on_success=reverse("people:detail", args=[person.pk]),
    )
    return done or form_page(
        request, form, title=_("Needs assessment: %(person)s") % {"person": person}, cancel=f"/people/{person.pk}/"
    )


@never_cache
def contact(request: HttpRequest, person_id: int) -> HttpResponse:
    user, person = _context(request, person_id, {Role.PEER, Role.MANAGER}, _("record contacts"))
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

    done = submit(request, form, save, on_success=reverse("people:detail", args=[person.pk]))
    return done or form_page(
        request, form, title=_("Contact with %(person)s") % {"person": person}, cancel=f"/people/{person.pk}/"
    )


@never_cache
def case_note(request: HttpRequest, person_id: int) -> HttpResponse:
    user, person = _context(request, person_id, {Role.PEER}, _("write case notes"))
    form = CaseNoteForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: case_note_write(actor=user, person=person, text=data["text"]),
        on_success=reverse("people:detail", args=[person.pk]),
    )
    return done or form_page(
        request,
        form,
        title=_("Case note: %(person)s") % {"person": person},
        subtitle=_("Case notes stay with you: police never see them."),
        cancel=f"/people/{person.pk}/",
    )
