"""Every signed-in staff account must use a second factor before it reaches anything."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

# Pages a signed-in account without a second factor may still reach: enrolling one, leaving,
# and the header's language switch.
ENROLMENT_URLS = ("mfa_activate_totp", "mfa_index", "account_reauthenticate", "account_logout", "set_language")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not self._enrolled(user):
            allowed = {reverse(name) for name in ENROLMENT_URLS}
            if request.path not in allowed and not request.path.startswith("/static/"):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "Enrol a second factor (TOTP) first."}, status=401)
                return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _enrolled(user: object) -> bool:
        known = getattr(user, "has_totp", None)  # loaded with the account (vip.accounts.backends)
        if known is not None:
            return bool(known)
        return Authenticator.objects.filter(user_id=getattr(user, "pk", None), type=Authenticator.Type.TOTP).exists()
