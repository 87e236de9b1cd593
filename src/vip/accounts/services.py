"""Creating and changing staff accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from allauth.mfa.models import Authenticator
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_login_failed
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.accounts.lockout import normalise_username
from vip.accounts.models import ApiToken, User
from vip.audit.services import Actor, audit_record
from vip.core.access import require


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    role: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a staff account. Accounts are made by an administrator (or the operator), never by sign-up."""
    require(actor, "account.create")
    if role not in User.Role.values:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(User.Role.values)}")
    if User.objects.filter(username=username).exists():
        raise ValueError(f"an account named {username!r} already exists")
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role == User.Role.ADMIN,
        is_superuser=False,
    )
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="account.create",
        target=user,
        changes={"username": username, "role": role},
    )
    return user


# How a password came to be set, as the audit event names it.
PASSWORD_SET = "account.password_set"  # noqa: S105 (an audit action's name)  by an administrator (the administration screens)
PASSWORD_CHANGE = "account.password_change"  # noqa: S105  by the account itself, signed in
PASSWORD_RESET = "account.password_reset"  # noqa: S105  through the link e-mailed by "Forgot your password?"


@transaction.atomic
def user_password_set(*, actor: Actor, user: User, password: str | None, how: str = PASSWORD_SET) -> None:
    """Set an account's password (``None``: no password at all, the account cannot sign in with
    one), audited in the same transaction, never with the password or its hash (security row 37).

    ``how`` says who sets it: an administrator (``PASSWORD_SET``, the policy's ``account.edit``;
    the actor may be the account itself, changing its own password in the administration
    screens), the account itself signed in (``PASSWORD_CHANGE``), or the holder of an e-mailed
    reset link (``PASSWORD_RESET``; the actor is anonymous). The password is checked against the
    password policy (security row 5) whoever sets it."""
    if how == PASSWORD_SET:
        require(actor, "account.edit", user)
    elif how == PASSWORD_CHANGE:
        if actor is None or actor.pk != user.pk:
            raise PermissionDenied(_("Only the account itself changes its password this way."))
    elif how != PASSWORD_RESET:
        raise ValueError(f"unknown way of setting a password: {how!r}")
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action=how, target=user, changes={"usable_password": password is not None})


# What an administrator may change of an account in the administration screens, through
# user_update (row 37). The password, the second factor and the lockout have services of their own.
ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", "language", "role", "is_active")


@transaction.atomic
def user_update(*, actor: Actor, user: User, values: dict[str, object]) -> dict[str, list[object]]:
    """Change an account (administrators; security row 37). Audited in the same transaction:
    ``account.role_change`` for a new role, ``account.activate`` / ``account.deactivate`` for the
    active flag (deactivation ends the sessions and revokes the tokens: ``user_deactivate``), and
    ``account.update`` for the rest. An administrator never changes their own role, up or down:
    another administrator must (there is no other way to a new role, so none to approving one's
    own elevation either). Returns the changes ``{field: [old, new]}``."""
    require(actor, "account.edit", user)
    unknown = set(values) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValueError(f"not changed here: {', '.join(sorted(unknown))}")
    current = User.objects.select_for_update().get(pk=user.pk)
    changes = {
        name: [getattr(current, name), value] for name, value in values.items() if getattr(current, name) != value
    }
    if "role" in changes:
        if actor is not None and actor.pk == user.pk:
            raise PermissionDenied(_("You cannot change your own role; another administrator must."))
        if changes["role"][1] not in User.Role.values:
            raise ValueError(f"unknown role {changes['role'][1]!r}; choose one of {', '.join(User.Role.values)}")
    for name, (_old, new) in changes.items():
        setattr(user, name, new)
    fields = [name for name in changes if name != "is_active"]
    if "role" in changes:
        user.is_staff = user.role == User.Role.ADMIN  # the admin site is for administrators only
        fields.append("is_staff")
    if fields:
        user.full_clean(exclude=["password"], validate_unique=True, validate_constraints=True)
        user.save(update_fields=fields)
    if "role" in changes:
        old, new = changes["role"]
        audit_record(actor=actor, action="account.role_change", target=user, changes={"role": [old, new]})
    other = {name: change for name, change in changes.items() if name not in ("role", "is_active")}
    if other:
        audit_record(actor=actor, action="account.update", target=user, changes=other)
    if "is_active" in changes:
        if user.is_active:
            User.objects.filter(pk=user.pk).update(is_active=True)
            audit_record(actor=actor, action="account.activate", target=user, changes={"is_active": True})
        else:
            user.is_active = True  # user_deactivate records the change itself
            user_deactivate(actor=actor, user=user)
    return changes


def user_sessions_end(*, user: User) -> int:
    """End every signed-in session of an account (part of a change made to it, so no audit of its
    own: the caller's audit event says why). Returns how many ended."""
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


@transaction.atomic
def user_second_factor_reset(*, actor: Actor, user: User) -> int:
    """Remove an account's second factor (a lost phone): its TOTP and recovery codes go, its
    sessions end, and at the next sign-in with the password it must enrol a new factor before
    reaching anything. Administrators (or the operator) only. Returns the factors removed."""
    require(actor, "account.second_factor_reset", user)
    removed = [str(kind) for kind in Authenticator.objects.filter(user=user).values_list("type", flat=True)]
    Authenticator.objects.filter(user=user).delete()
    sessions = user_sessions_end(user=user)
    audit_record(
        actor=actor,
        action="account.second_factor_reset",
        target=user,
        changes={"removed": sorted(removed), "sessions_ended": sessions},
    )
    return len(removed)


def _account_named(username: str) -> User | None:
    """The account a sign-in name designates, as allauth matches it (without regard to case)."""
    key = normalise_username(username)
    matches = [u for u in User.objects.filter(username__iexact=key) if u.username.lower() == key]
    return matches[0] if len(matches) == 1 else None


@transaction.atomic
def user_lockout_record(*, username: str | None) -> None:
    """Audit that failed sign-ins have locked a sign-in name (security row 3). The lock itself is
    django-axes' record; this is its audit event, written when the lock begins. The actor is the
    anonymous caller of the sign-in page (the event keeps its address). A name that matches no
    account is recorded without the name: people type passwords into the name field."""
    account = _account_named(username or "")
    audit_record(
        actor=None,
        action="account.lock",
        target=account,
        object_type="accounts.user",
        outcome="denied",
        changes={
            "known_account": account is not None,
            "failures": settings.AXES_FAILURE_LIMIT,
            "minutes": settings.VIP_LOCKOUT_MINUTES,
        },
    )


@transaction.atomic
def user_unlock(*, actor: Actor, username: str) -> int:
    """Lift the sign-in lockout of a name before its time is up (administrators, or the operator).
    Returns how many records of failed sign-ins were cleared (0: it was not locked)."""
    require(actor, "account.unlock")
    key = normalise_username(username) or ""
    cleared = AxesProxyHandler.reset_attempts(username=key)
    account = _account_named(key)
    audit_record(
        actor=actor,
        action="account.unlock",
        target=account,
        object_type="accounts.user",
        changes={"attempts_cleared": cleared},
    )
    return cleared


@transaction.atomic
def user_deactivate(*, actor: Actor, user: User) -> dict[str, int]:
    """Deactivate an account (security row 7): it can no longer sign in, every session it has ends
    now, and its API tokens are revoked. Administrators (or the operator) only. Returns how many
    sessions ended and tokens were revoked."""
    require(actor, "account.deactivate", user)
    was_active = user.is_active
    if was_active:
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
    sessions = user_sessions_end(user=user)
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=actor,
        action="account.deactivate",
        target=user,
        changes={"is_active": False, "sessions_ended": sessions, "tokens_revoked": tokens},
    )
    return {"sessions_ended": sessions, "tokens_revoked": tokens}


T = TypeVar("T")


class SecondFactorRefusedError(Exception):
    """A code was not taken: wrong, or the account is locked (the caller answers both alike)."""

    def __init__(self, error: ValidationError | None = None) -> None:
        super().__init__("second factor refused")
        self.error = error


def second_factor_attempt(
    *, user: User, request: HttpRequest | None, check: Callable[[], T], reauthentication: bool = False
) -> T:
    """One try of a second-factor code (TOTP or recovery code) for ``user`` (security row 33).

    The code counts toward the very lockout the password does (django-axes, by account name,
    whatever the address or session): a wrong code is a failed sign-in, recorded as axes records a
    wrong password, and VIP_LOCKOUT_FAILURES failures of either kind lock the account for
    VIP_LOCKOUT_MINUTES. A locked account's code is not even checked, the right one included,
    until the lock ends or an administrator lifts it (``user_unlock``). Only a complete sign-in
    (password and code) clears the count; a right password alone does not.

    The tries of one account are taken one at a time (its row is locked for the check), so
    however many arrive at once, no more than the limit are ever checked. Each refused try is
    audited (``auth.mfa_failed``; never the code), with the failure count and whether the account
    was already locked. ``check`` is the form's own code check (allauth's); it raises
    ``ValidationError`` for a wrong code. Raises ``SecondFactorRefusedError`` for a refused try."""

    credentials = {"username": user.get_username()}
    with transaction.atomic():
        # One try of this account at a time (SQLite takes its write lock at BEGIN anyway).
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        locked = request is not None and AxesProxyHandler.is_locked(request, credentials)
        error: ValidationError | None = None
        if not locked:
            try:
                return check()
            except ValidationError as exc:
                error = exc
            # Counted as a failed sign-in of the account (axes; it audits the lock when it begins).
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        failures = getattr(request, "axes_failures_since_start", None)
        if failures is None and request is not None:
            failures = AxesProxyHandler.get_failures(request, credentials)
        audit_record(
            actor=user if reauthentication else None,
            action="auth.mfa_failed",
            target=user,
            outcome="denied",
            changes={
                "step": "reauthentication" if reauthentication else "sign-in",
                "refused_while_locked": locked,
                "failures": failures,
                "locked_now": bool(getattr(request, "axes_locked_out", False)) or locked,
            },
        )
    raise SecondFactorRefusedError(error)


@transaction.atomic
def user_language_set(*, user: User, language: str) -> bool:
    """An account's own choice of language (the header's switch, used while signed in): kept on
    the account and applied at each sign-in (vip.accounts.middleware.AccountLanguageMiddleware).
    Any signed-in account may choose its own language; nobody else's. Audited when it changes.
    Returns whether it changed."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    current = User.objects.select_for_update().get(pk=user.pk)
    if current.language == language:
        return False
    User.objects.filter(pk=user.pk).update(language=language)
    audit_record(actor=user, action="account.language", target=user, changes={"language": [current.language, language]})
    user.language = language
    return True
