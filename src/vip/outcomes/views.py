"""Outcomes (police side): arrests and victimisation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from vip.accounts.models import User
from vip.core.views import add_service_errors, form_page
from vip.outcomes.forms import OutcomeForm
from vip.outcomes.services import outcome_record
from vip.people.models import Person
from vip.people.selectors import person_get


@never_cache
def new(request: HttpRequest, person_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        person = person_get(user=user, person_id=person_id)
    except Person.DoesNotExist:
        raise Http404 from None
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome_record(actor=user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("people:detail", person_id=person.pk)
    return form_page(
        request,
        form,
        title=_("Record an outcome for %(person)s") % {"person": person},
        submit=_("Record"),
        cancel=f"/people/{person.pk}/",
    )
