"""Service referrals: refer a person from the catalogue, then move the referral through its statuses."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from vip.accounts.models import User
from vip.core.config import program_today
from vip.core.views import form_page, person_or_404, submit
from vip.service_referrals.choices import TRANSITIONS, ServiceReferralStatus
from vip.service_referrals.forms import MoveForm, ServiceReferralForm
from vip.service_referrals.models import ServiceReferral
from vip.service_referrals.selectors import service_referral_list
from vip.service_referrals.services import service_referral_create, service_referral_move


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@never_cache
def new(request: HttpRequest, person_id: int) -> HttpResponse:
    user, person = person_or_404(request, person_id)
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


@never_cache
def move(request: HttpRequest, referral_id: int) -> HttpResponse:
    user = _user(request)
    try:
        referral = service_referral_list(user=user).get(pk=referral_id)
    except ServiceReferral.DoesNotExist:
        raise Http404 from None
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
        title=_("Service referral: %(service)s") % {"service": referral.category.name},
        subtitle=_("Now %(status)s.") % {"status": referral.get_status_display().lower()},
        cancel=f"/people/{referral.person_id}/",
    )
