"""Sign-in rules for django-allauth: accounts come from an administrator, never from sign-up;
passwords set through allauth's pages go through the account service (audited); a mail that
cannot be sent never turns a page into an error."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.http import HttpRequest
from django.urls import reverse

from vip.accounts.services import PASSWORD_CHANGE, PASSWORD_RESET, user_password_set

log = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def set_password(self, user: Any, password: str) -> None:
        """allauth's password pages: a signed-in account changing its own password, or the
        holder of an e-mailed reset link setting a new one. Audited (row 37)."""
        request = allauth_context.request
        signed_in = getattr(request, "user", None)
        if signed_in is not None and signed_in.is_authenticated and signed_in.pk == user.pk:
            user_password_set(actor=signed_in, user=user, password=password, how=PASSWORD_CHANGE)
        else:
            user_password_set(actor=None, user=user, password=password, how=PASSWORD_RESET)

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        """After changing one's own password: back to the Security page (with allauth's message)."""
        return reverse("mfa_index")

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Send a mail (a password reset link). When the mail server cannot be reached the page
        still answers as if it had been sent: the same page whether or not an account has that
        address, and never an error page. The failure is logged, without the address."""
        try:
            super().send_mail(template_prefix, email, context)
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("A sign-in mail (%s) could not be sent: %s.", template_prefix, type(exc).__name__)
