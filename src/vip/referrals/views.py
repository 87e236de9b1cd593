"""Referral intake and the referral queue (assign, accept, close with a reason)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from vip.accounts.models import User
from vip.audit.reads import person_page, record_or_404
from vip.audit.services import audit_read
from vip.core.access import can_some
from vip.core.config import program_today
from vip.core.views import form_page, submit
from vip.people.selectors import person_list
from vip.referrals.forms import AssignForm, CloseForm, ReferralForm
from vip.referrals.models import Referral
from vip.referrals.selectors import referral_list
from vip.referrals.services import referral_accept, referral_assign, referral_close, referral_create


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _referral(request: HttpRequest, referral_id: int, action: str | None = None) -> Referral:
    return record_or_404(request, referral_list, referral_id, action=action)


@never_cache
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status = request.GET.get("status", "open")
    referrals = referral_list(user=user).order_by("received_on", "id")
    referrals = referrals.exclude(status="closed") if status == "open" else referrals.filter(status="closed")
    shown = list(referrals[:200])
    audit_read(
        actor=user,
        action="referral.list_read",
        object_type="referrals.referral",
        shown=[r.pk for r in shown],
        details={"status": status},
    )
    return render(
        request,
        "referrals/queue.html",
        {
            "referrals": shown,
            "status": status,
            "assign_form": AssignForm() if can_some(user, "referral.assign") else None,
        },
    )


@person_page(person_list, "person_id")
@never_cache
def new(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    person = record_or_404(request, person_list, person_id, action="referral.create")
    form = ReferralForm(request.POST or None, initial={"received_on": program_today(), "area": person.area})
    done = submit(
        request,
        form,
        lambda data: referral_create(actor=user, person=person, **data),
        on_success=f"/people/{person.pk}/",
    )
    return done or form_page(
        request,
        form,
        title=_("New referral for %(person)s") % {"person": person},
        submit=_("Record referral"),
        cancel=f"/people/{person.pk}/",
    )


@person_page(referral_list, "referral_id")
@require_POST
def assign(request: HttpRequest, referral_id: int) -> HttpResponse:
    # Who may not assign is refused like one who may not see the referral (a 404, on record).
    referral = _referral(request, referral_id, action="referral.assign")
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            referral_assign(actor=_user(request), referral=referral, assignee=form.cleaned_data["assignee"])
        except ValidationError as exc:  # e.g. closed since the queue was opened
            messages.error(request, " ".join(exc.messages))
    return redirect("referrals:queue")


@person_page(referral_list, "referral_id")
@require_POST
def accept(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(request, referral_id)
    try:
        referral_accept(actor=_user(request), referral=referral)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("referrals:queue")


@person_page(referral_list, "referral_id")
@never_cache
def close(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _referral(request, referral_id)
    form = CloseForm(request.POST or None, initial={"closed_on": program_today()})
    done = submit(
        request,
        form,
        lambda data: referral_close(
            actor=_user(request), referral=referral, closed_on=data["closed_on"], reason=data["reason"]
        ),
        on_success="/referrals/",
    )
    return done or form_page(
        request,
        form,
        title=_("Close referral %(key)s") % {"key": referral.key},
        submit=_("Close referral"),
        cancel="/referrals/",
    )
