"""Custom notifications: plan one, record each attempt from a phone, and (police) the legal assessment."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from vip.accounts.models import User
from vip.audit.reads import person_page, record_or_404
from vip.core.access import shows
from vip.core.config import program_zone
from vip.core.views import add_service_errors, form_page, submit
from vip.notifications.choices import TEAM_ROLE_OF_ACCOUNT
from vip.notifications.forms import AttemptForm, LegalAssessmentForm, PlanForm
from vip.notifications.models import NotificationAttempt
from vip.notifications.selectors import notification_list
from vip.notifications.services import attempt_record, legal_assessment_write, notification_plan
from vip.people.selectors import person_list


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@person_page(person_list, "person_id")
@never_cache
def plan(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    person = record_or_404(request, person_list, person_id, action="notification.plan")
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


@person_page(person_list, "person_id")
@never_cache
def attempt(request: HttpRequest, person_id: int) -> HttpResponse:
    """Record an attempt, as it happens, from a phone on the doorstep."""
    user = _user(request)
    person = record_or_404(request, person_list, person_id, action="notification.attempt")
    zone = program_zone()
    now = timezone.now().astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
    form = AttemptForm(
        request.POST or None,
        # Whoever records the attempt was on the team, in their part of it.
        initial={
            "attempted_at": now,
            "area": person.area,
            "team": [TEAM_ROLE_OF_ACCOUNT[user.role]] if user.role in TEAM_ROLE_OF_ACCOUNT else [],
        },
    )
    if not shows(user, NotificationAttempt, "notes"):
        del form.fields["notes"]  # who may not read visit notes does not write them either
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
            return redirect("desk:person", person_id=person.pk)
    return form_page(
        request,
        form,
        title=_("Record an attempt: %(person)s") % {"person": person},
        submit=_("Record attempt"),
        cancel=f"/people/{person.pk}/",
    )


@person_page(notification_list, "notification_id")
@never_cache
def legal_assessment(request: HttpRequest, notification_id: int) -> HttpResponse:
    """The custom legal assessment, written by the police side only."""
    user = _user(request)
    # Who may not write it learns not even whether it exists: the assessment is police work product.
    notification = record_or_404(request, notification_list, notification_id, action="notification.legal_assessment")
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
