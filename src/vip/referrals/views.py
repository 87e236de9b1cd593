"""Referral intake and the referral queue (assign, accept, close with a reason)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from vip.accounts.models import User
from vip.audit.reads import person_page, record_or_404
from vip.audit.services import audit_read
from vip.core.access import can_some, require_some
from vip.core.config import program_today
from vip.core.forms import LARGEST_INTEGER
from vip.core.paging import paginate, wants_partial
from vip.core.views import form_page, submit
from vip.people.selectors import person_list
from vip.referrals.forms import AssignForm, CloseForm, ReferralForm, ReferralQueueForm
from vip.referrals.models import Referral
from vip.referrals.selectors import referral_list
from vip.referrals.services import (
    referral_accept,
    referral_assign,
    referral_assign_many,
    referral_close,
    referral_create,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _referral(request: HttpRequest, referral_id: int, action: str | None = None) -> Referral:
    return record_or_404(request, referral_list, referral_id, action=action)


# At most this many referrals are assigned by one bulk assign (a page holds fifty).
BULK_MAX = 200


def _staff(user: User) -> list[User]:
    """Whom the assignee filter and the bulk assign offer (no person-level data: accounts)."""
    return list(AssignForm.base_fields["assignee"].queryset.all()) if can_some(user, "referral.assign") else []  # type: ignore[attr-defined]


@never_cache
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The referral queue: newest first unless asked otherwise, filtered, paged with its true
    count; managers assign the referrals ticked on a page to one person at once."""
    user = _user(request)
    referrals = referral_list(user=user)  # refuses roles that see no referrals, before anything
    staff = _staff(user)
    form = ReferralQueueForm(request.GET, staff=staff)
    page = paginate(request, form.narrow(referrals, user))
    shown = list(page.object_list)
    audit_read(
        actor=user,
        action="referral.list_read",
        object_type="referrals.referral",
        shown=[r.pk for r in shown],
        details={
            **form.applied(),
            "status": form.value("status") or "open",
            "sort": form.sort_key(),
            "page": page.number,
            "total": page.paginator.count,
        },
    )
    context = {
        "form": form,
        "page": page,
        "referrals": shown,
        "assign_form": AssignForm() if staff else None,
        "here": request.get_full_path(),
    }
    template = "referrals/_queue_results.html" if wants_partial(request) else "referrals/queue.html"
    return render(request, template, context)


@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assign the referrals ticked on the queue to one person (each assignment audited)."""
    user = _user(request)
    require_some(user, "referral.assign")  # a 403 before anything is read
    back = request.POST.get("next", "")
    if not back.startswith("/referrals/") or not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        back = reverse("referrals:queue")
    form = AssignForm(request.POST)
    ids = _ids(request.POST.getlist("referral"))
    if not form.is_valid() or not ids:
        messages.error(request, _("Tick at least one referral and choose whom to assign them to."))
        return redirect(back)
    chosen = list(referral_list(user=user).filter(pk__in=ids).order_by("pk"))
    assignee = form.cleaned_data["assignee"]
    try:
        referral_assign_many(actor=user, referrals=chosen, assignee=assignee)
    except ValidationError as exc:  # e.g. one was closed since the queue was opened: none changed
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(
        request,
        ngettext("%(count)d referral assigned to %(name)s.", "%(count)d referrals assigned to %(name)s.", len(chosen))
        % {"count": len(chosen), "name": assignee},
    )
    return redirect(back)


def _ids(values: list[str]) -> list[int]:
    """The record ids of a form's ticked boxes: junk and ids no column holds are left out."""
    found = []
    for value in values[:BULK_MAX]:
        if value.isdigit() and 0 < int(value) <= LARGEST_INTEGER:
            found.append(int(value))
    return found


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
