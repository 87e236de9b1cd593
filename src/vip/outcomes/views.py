"""Outcomes (police side): arrests and victimisation."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from vip.accounts.models import User
from vip.audit.reads import person_page, record_or_404
from vip.core.views import form_page, submit
from vip.outcomes.forms import OutcomeForm
from vip.outcomes.services import outcome_record
from vip.people.selectors import person_list


@person_page(person_list, "person_id")
@never_cache
def new(request: HttpRequest, person_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    person = record_or_404(request, person_list, person_id, action="outcome.record")
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
