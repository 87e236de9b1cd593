"""Outcomes (police side): arrests and victimisation."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from vip.core.views import form_page, person_or_404, submit
from vip.outcomes.forms import OutcomeForm
from vip.outcomes.services import outcome_record


@never_cache
def new(request: HttpRequest, person_id: int) -> HttpResponse:
    user, person = person_or_404(request, person_id)
    form = OutcomeForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: outcome_record(actor=user, person=person, **data),
        on_success=f"/people/{person.pk}/",
    )
    return done or form_page(
        request,
        form,
        title=_("Record an outcome for %(person)s") % {"person": person},
        submit=_("Record"),
        cancel=f"/people/{person.pk}/",
    )
