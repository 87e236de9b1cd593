"""The sign-in form: allauth's, plus the use banner every user must acknowledge (security row 8)."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm
from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

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
