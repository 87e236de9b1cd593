"""Service referrals: refer a person from the catalogue, then move the referral through its statuses."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from vip.accounts.models import User
from vip.audit.reads import person_page, record_or_404
from vip.audit.services import audit_read
from vip.core.access import shows
from vip.core.config import program_today
from vip.core.paging import paginate, wants_partial
from vip.core.views import form_page, submit
from vip.people.selectors import person_list
from vip.service_referrals.choices import TRANSITIONS, ServiceReferralStatus
from vip.service_referrals.forms import ConsentForm, MoveForm, RevokeForm, ServiceReferralForm, ServiceReferralQueueForm
from vip.service_referrals.models import ServiceReferral
from vip.service_referrals.selectors import consent_list, service_referral_list
from vip.service_referrals.services import (
    consent_record,
    consent_revoke,
    service_referral_create,
    service_referral_move,
    substance_use_disclose,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@person_page(person_list, "person_id")
@never_cache
def new(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    person = record_or_404(request, person_list, person_id, action="service_referral.create")
    form = ServiceReferralForm(request.POST or None, initial={"referred_on": program_today()})
    done = submit(
        request,
        form,
        lambda data: service_referral_create(actor=user, person=person, **data),
        on_success=f"/people/{person.pk}/",
    )
    return done or form_page(
        request,
        form,
        title=_("Refer %(person)s to a service") % {"person": person},
        submit=_("Refer"),
        cancel=f"/people/{person.pk}/",
    )


@person_page(service_referral_list, "referral_id")
@never_cache
def move(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = _user(request)
    referral = record_or_404(request, service_referral_list, referral_id, action="service_referral.move")
    allowed = [(s, str(ServiceReferralStatus(s).label)) for s in sorted(TRANSITIONS.get(referral.status, set()))]
    form = MoveForm(request.POST or None, allowed=allowed, initial={"on": program_today(), "version": referral.version})
    done = submit(
        request,
        form,
        lambda data: service_referral_move(
            actor=user, referral=referral, status=data["status"], on=data["on"], expected_version=data["version"]
        ),
        on_success=f"/people/{referral.person_id}/",
    )
    return done or form_page(
        request,
        form,
        title=_("Service referral: %(service)s") % {"service": referral.category},
        subtitle=_("Now %(status)s.") % {"status": referral.get_status_display().lower()},
        cancel=f"/people/{referral.person_id}/",
    )


# --- 42 CFR Part 2: consents, disclosure, the disclosure log ------------------------------


@person_page(person_list, "person_id")
@never_cache
def consent_new(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    person = record_or_404(request, person_list, person_id, action="consent.record")
    form = ConsentForm(request.POST or None, initial={"signed_on": program_today()})
    done = submit(
        request,
        form,
        lambda data: consent_record(actor=user, person=person, **data),
        on_success=f"/people/{person.pk}/#consents",
    )
    return done or form_page(
        request,
        form,
        title=_("Record a consent of %(person)s") % {"person": person},
        subtitle=_(
            "42 CFR Part 2: substance-use service referral details are disclosed only under a signed consent "
            "naming the purpose, the recipient and an expiry."
        ),
        submit=_("Record the consent"),
        cancel=f"/people/{person.pk}/",
    )


@person_page(consent_list, "consent_id")
@never_cache
def consent_revoke_view(request: HttpRequest, consent_id: int) -> HttpResponse:
    user = _user(request)
    consent = record_or_404(request, consent_list, consent_id, action="consent.revoke")
    form = RevokeForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: consent_revoke(actor=user, consent=consent, reason=data["reason"]),
        on_success=f"/people/{consent.person_id}/#consents",
    )
    return done or form_page(
        request,
        form,
        title=_("Revoke the consent to %(recipient)s") % {"recipient": consent.recipient},
        subtitle=_("From now on nothing is disclosed under it; past disclosures stay in the log."),
        submit=_("Revoke"),
        cancel=f"/people/{consent.person_id}/",
    )


@person_page(consent_list, "consent_id")
@never_cache
@require_POST
def disclose(request: HttpRequest, consent_id: int) -> HttpResponse:
    user = _user(request)
    # The disclosure is its own record (the log and its audit event).
    consent = record_or_404(request, consent_list, consent_id, action="substance_use.disclose", audit=False)
    try:
        disclosure, referrals = substance_use_disclose(actor=user, consent=consent)
    except PermissionDenied as exc:
        context = {"person": consent.person, "refused": str(exc)}
        return render(request, "service_referrals/disclosure.html", context, status=403)
    return render(
        request,
        "service_referrals/disclosure.html",
        {"person": consent.person, "disclosure": disclosure, "consent": consent, "referrals": referrals},
    )


@never_cache
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Service referrals the reader sees (a peer worker: their caseload's; police: none of the
    health ones): open ones waiting longest first, filtered, paged with the true count."""
    user = _user(request)
    referrals = service_referral_list(user=user)  # refuses roles that see none, before anything
    form = ServiceReferralQueueForm(request.GET)
    page = paginate(request, form.narrow(referrals.select_related("person__area"), user))
    shown = list(page.object_list)
    audit_read(
        actor=user,
        action="service_referral.list_read",
        object_type="service_referrals.servicereferral",
        shown=[r.pk for r in shown],
        details={**form.applied(), "status": form.value("status") or "open", "page": page.number},
    )
    context = {
        "form": form,
        "page": page,
        "referrals": shown,
        "today": program_today(),
        "shows_provider": shows(user, ServiceReferral, "provider"),
    }
    template = "service_referrals/_queue_results.html" if wants_partial(request) else "service_referrals/queue.html"
    return render(request, template, context)
