"""Custom notifications: plan one, record each attempt from a phone, and (police) the legal assessment."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from vip.accounts.models import User
from vip.accounts.permissions import Role
from vip.core.config import program_zone
from vip.core.views import add_service_errors, form_page, person_or_404, record_page_read, record_refused, submit
from vip.notifications.forms import AttemptForm, LegalAssessmentForm, PlanForm
from vip.notifications.models import CustomNotification
from vip.notifications.selectors import notification_list
from vip.notifications.services import attempt_record, legal_assessment_write, notification_plan
from vip.people.models import Person
from vip.people.selectors import person_get


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _person(request: HttpRequest, person_id: int) -> Person:
    try:
        return person_get(user=_user(request), person_id=person_id)
    except Person.DoesNotExist:
        raise Http404 from None


@never_cache
def plan(request: HttpRequest, person_id: int) -> HttpResponse:
    user, person = person_or_404(request, person_id)
    zone = program_zone()
    form = PlanForm(
        request.POST or None, initial={"planned_on": timezone.now().astimezone(zone).date(), "area": person.area}
    )
    done = submit(
        request,
        form,
        lambda data: notification_plan(
            actor=user, person=person, planned_on=data["planned_on"], team=list(data["team"]), area=data["area"]
        ),
        on_success=f"/people/{person.pk}/",
    )
    return done or form_page(
        request,
        form,
        title=_("Plan a custom notification for %(person)s") % {"person": person},
        submit=_("Plan"),
        cancel=f"/people/{person.pk}/",
    )


@never_cache
def attempt(request: HttpRequest, person_id: int) -> HttpResponse:
    """Record an attempt, as it happens, from a phone on the doorstep."""
    person = _person(request, person_id)
    user = _user(request)
    zone = program_zone()
    now = timezone.now().astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
    form = AttemptForm(
        request.POST or None,
        initial={"attempted_at": now, "area": person.area, "team": ["peer_support"] if user.role == Role.PEER else []},
    )
    if user.role == Role.POLICE:
        del form.fields["notes"]  # visit notes are peer-support content
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        when: dt.datetime = data["attempted_at"]
        if timezone.is_naive(when):
            when = when.replace(tzinfo=zone)
        planned = notification_list(user=user).filter(person=person, status="planned").order_by("planned_on").first()
        try:
            attempt_record(
                actor=user,
                person=person,
                notification=planned,
                attempted_at=when,
                outcome=data["outcome"],
                team=set(data["team"]),
                area=data["area"],
                legal_risk_explained=form.message_part("legal_risk_explained"),
                offer_of_help=form.message_part("offer_of_help"),
                letter_given=form.message_part("letter_given"),
                notes=data.get("notes", ""),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("people:detail", person_id=person.pk)
    return form_page(
        request,
        form,
        title=_("Record an attempt: %(person)s") % {"person": person},
        submit=_("Record attempt"),
        cancel=f"/people/{person.pk}/",
    )


@never_cache
def legal_assessment(request: HttpRequest, notification_id: int) -> HttpResponse:
    """The custom legal assessment, written by the police side only."""
    user = _user(request)
    try:
        notification = notification_list(user=user).get(pk=notification_id)
    except CustomNotification.DoesNotExist:
        record_refused(user, CustomNotification, notification_id)
        raise Http404 from None
    if user.role != Role.POLICE:
        record_refused(user, CustomNotification, notification_id)
        raise Http404  # not even its existence: the assessment is police work product
    record_page_read(request, user, notification)
    form = LegalAssessmentForm(
        request.POST or None, initial={"text": notification.legal_assessment, "version": notification.version}
    )
    done = submit(
        request,
        form,
        lambda data: legal_assessment_write(
            actor=user, notification=notification, text=data["text"], expected_version=data["version"]
        ),
        on_success=f"/people/{notification.person_id}/",
    )
    return done or form_page(
        request,
        form,
        title=_("Legal assessment for %(person)s") % {"person": notification.person},
        subtitle=_("Police only: never shown to peer support workers."),
        cancel=f"/people/{notification.person_id}/",
    )
