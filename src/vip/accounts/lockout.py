"""The sign-in lockout (security rows 3 and 4), on top of django-axes.

Failed sign-ins are counted by username (as allauth matches it: without regard to case), not by
address, so that changing address or the case of a name does not buy more guesses. A locked
account gets exactly the page a wrong password gets: the lockout must not tell a guesser that
the account exists, nor that it is locked.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.crypto import get_random_string


def normalise_username(username: str | None) -> str | None:
    """The key failed sign-ins are counted under (allauth signs in without regard to case)."""
    if username is None:
        return None
    return username.strip().lower()


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the name a sign-in attempt is made for."""
    username = (credentials or {}).get("username")
    if username is None:
        data = getattr(request, "POST", {})
        username = data.get("login") or data.get("username")
    return normalise_username(username)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in form's own answer, which for a locked account is the
    same "username or password not correct" page as for a wrong password.

    A refused attempt during the lock never reaches the password check (the axes backend stops it
    first), so it would answer faster than a wrong password does: hash a throwaway password to
    take the same time. (The attempt that begins the lock had its password checked already.)"""
    if getattr(request, "axes_failures_since_start", None) is None:
        make_password(get_random_string(32))
    if original_response is None:  # axes answers from elsewhere than a view (never here)
        return redirect("account_login")
    return original_response
