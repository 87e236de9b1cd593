"""The sign-in form: allauth's, plus the use banner every user must acknowledge (security row 8)."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm, ResetPasswordForm
from allauth.core import context
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.totp.internal import auth as totp_auth
from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from vip.accounts.services import SecondFactorRefusedError, second_factor_attempt

USE_BANNER = _(
    "This system holds criminal justice, health and substance-use treatment information protected "
    "by law (the FBI CJIS Security Policy, HIPAA and 42 CFR Part 2). It is for authorised staff of the "
    "program only, for the program's work only. All activity is monitored and recorded in an audit "
    "trail; misuse may lead to disciplinary action and criminal and civil penalties. By signing in "
    "you consent to this monitoring."
)


def use_banner() -> str:
    """The banner's wording: a city's own (VIP_USE_BANNER, and VIP_USE_BANNER_ES for the Spanish
    pages) when its lawyers have written one, otherwise the translated default above."""
    own: dict[str, str] = settings.VIP_USE_BANNER
    language = (get_language() or "en").split("-")[0]
    return own.get(language) or own.get("en") or str(USE_BANNER)


class SignInForm(LoginForm):
    """Username and password, and the acknowledgement of the use banner. Without the
    acknowledgement the password is not even checked."""

    acknowledge = forms.BooleanField(
        required=True,
        label=_("I have read and accept the conditions of use above."),
        error_messages={"required": _("Please read the conditions of use and tick the box to accept them.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The sign-in page's template lays the fields out itself; keep the banner next to the form.
        self.use_banner = use_banner()


class PasswordResetForm(ResetPasswordForm):
    """The "Forgot your password?" page: an e-mail address; a link to choose a new password is mailed to
    the active account with that address, if there is one. The page that follows says the same
    whether or not there is (no account, an account without an address, a mail server that did
    not answer): it must not tell who has an account. Where the installation sends no mail
    (VIP_PASSWORD_RESET off: no mail server configured), the page tells the reader to ask the
    administrator instead, and sends nothing."""

    @property
    def enabled(self) -> bool:
        return bool(settings.VIP_PASSWORD_RESET)

    def save(self, request: Any, **kwargs: Any) -> str:
        if not self.enabled:
            return str(self.cleaned_data["email"])
        return str(super().save(request, **kwargs))


class CountedCodeMixin:
    """A second-factor code form whose wrong codes count toward the sign-in lockout (security
    row 33; ``vip.accounts.services.second_factor_attempt``). A locked account's code, right or
    wrong, gets the page a wrong code gets: the form does not say that the account is locked."""

    reauthentication = False
    user: Any

    def clean_code(self) -> str:
        try:
            return second_factor_attempt(
                user=self.user,
                request=context.request,
                check=super().clean_code,  # type: ignore[misc]
                reauthentication=self.reauthentication,
            )
        except SecondFactorRefusedError as refused:
            raise refused.error or get_mfa_adapter().validation_error("incorrect_code") from None


class SecondFactorForm(CountedCodeMixin, AuthenticateForm):
    """The second step of signing in (MFA_FORMS["authenticate"])."""


class SecondFactorReauthenticateForm(CountedCodeMixin, ReauthenticateForm):
    """Confirming the code again before a sensitive change (MFA_FORMS["reauthenticate"])."""

    reauthentication = True


class EnrolAuthenticatorForm(ActivateTOTPForm):
    """Enrolling an authenticator app (MFA_FORMS["activate_totp"]). allauth draws a new secret on
    every showing of the page, so a reload (or any second request for the page) silently replaces
    the secret the user has just scanned, and every code then fails. Here the secret is drawn once
    per enrolment and kept in the session until a code confirms it (allauth's ``activate_totp`` flow
    then removes it from the session)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Not ActivateTOTPForm.__init__: it would draw a new secret for every unbound form.
        self.user = kwargs.pop("user")
        forms.Form.__init__(self, *args, **kwargs)
        self.secret = totp_auth.get_totp_secret(regenerate=False)
