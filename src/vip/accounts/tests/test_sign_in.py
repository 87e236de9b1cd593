"""Sign-in: password, then a second factor that every account must enrol; no public sign-up;
deny by default."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from vip.accounts.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough passphrase for tests"


def _code(secret: str) -> str:
    """The code an app shows now (not in the last seconds of its step, to avoid a race)."""
    import time

    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _secret(user: User) -> str:
    from allauth.mfa.utils import decrypt

    return decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])


def test_no_public_sign_up(client, program) -> None:
    page = client.get(reverse("account_signup"))
    assert b"Sign Up Closed" in page.content or b"sign up is currently closed" in page.content.lower()
    client.post(reverse("account_signup"), {"username": "intruder", "password1": PASSWORD, "password2": PASSWORD})
    assert not User.objects.filter(username="intruder").exists()


def test_row_01_password_only_account_must_enrol_a_second_factor_first(client, program, make_user) -> None:
    user = make_user("manager", second_factor=False)
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": PASSWORD, "acknowledge": "on"}
    )
    assert response.status_code == 302
    for url in (reverse("home"), reverse("reports:index"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    # Enrolling asks for the password once more, then shows the secret to scan.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("home")).status_code == 200


def test_removing_the_second_factor_sends_the_account_back_to_enrolment(client, program, make_user) -> None:
    # The check rides on the query that loads the account (vip.accounts.backends): it must see
    # a factor removed elsewhere (by an administrator) on the very next request.
    user = make_user("manager")
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    Authenticator.objects.filter(user=user).delete()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_the_signed_in_account_and_its_factor_load_in_one_query(client, program, make_user) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user("manager"))
    client.get(reverse("public:index"))  # the program header is now cached in this process
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("public:index")).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    account = [q for q in sql if q.startswith('SELECT "accounts_user"."id"')]
    assert len(account) == 1 and '"mfa_authenticator"' in account[0]  # the factor, in the same query
    assert not [q for q in sql if q.startswith('SELECT 1 AS "a" FROM "mfa_authenticator"')]
    assert not [q for q in sql if '"core_programprofile"' in q]


def test_row_02_sign_in_with_password_then_code_and_a_code_is_never_replayed(client, program, make_user) -> None:
    user = make_user("peer")
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": PASSWORD, "acknowledge": "on"}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the password alone reaches nothing.
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))
    code = _code(_secret(user))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200

    # The same code cannot be used twice.
    client.post(reverse("account_logout"))
    client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD, "acknowledge": "on"})
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200  # the form again, with an error
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password(client, program, make_user) -> None:
    user = make_user("peer")
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": "not the password at all", "acknowledge": "on"}
    )
    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_admin_sign_in_goes_through_the_second_factor(client, program) -> None:
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Views anyone may reach without signing in: signing in itself, and the published public reports.
PUBLIC = {
    "account_login",
    "favicon.ico",  # the browser asks for it on its own: the icon, not a sign-in redirect
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_inactive",
    "account_confirm_login_code",
    "account_request_login_code",
    "account_reauthenticate",
    "account_logout",
    "account_reset_password_code",
    "account_confirm_password_reset_code",
    "mfa_authenticate",
    "mfa_trust",
    "public:index",
    "public:report",
    "public:download",
    "public:chart",
    "admin:login",
    # The header's language switch (Django's set_language): it only sets the language cookie
    # and redirects to a same-site page, and the sign-in page needs it.
    "set_language",
    # The load balancer's health check: "ok" or "unavailable", nothing else (vip.core.health).
    "healthz",
}


def _patterns(resolver: URLResolver, namespace: str = "") -> list[tuple[str, object]]:
    found = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += _patterns(pattern, ns)
        elif isinstance(pattern, URLPattern):
            found.append((f"{namespace}{pattern.name}" if pattern.name else str(pattern.pattern), pattern.callback))
    return found


# The API authenticates its own callers (tokens) and refuses anyone else with 401.
API = {"api:people", "api:person", "api:referrals", "api:incidents", "api:report", "api:schema", "api:not_found"} | {
    # The field records' API: token authentication, like the rest (test_every_api_operation_needs_a_token).
    "api:groups_call_ins",
    "api:groups_detail",
    "api:groups_list",
    "api:hospital_referral",
    "api:hospital_referrals",
    "api:incentives",
    "api:mediations",
    "api:mediations_detail",
    "api:safety_plans_check_in",
    "api:safety_plans_plan",
}
# The field app's calls answer a phone whose session may have ended: each checks the session itself
# and answers 401 in JSON (or 410 to a deactivated account's device); its worker and manifest hold
# no data (src/vip/field/tests/test_sync.py).
FIELD = {"field:caseload", "field:manifest", "field:service_worker", "field:sign_out", "field:start", "field:sync"}


def test_row_09_deny_by_default_every_view_needs_sign_in_unless_listed() -> None:
    open_views = {name for name, callback in _patterns(get_resolver()) if not getattr(callback, "login_required", True)}
    unexpected = open_views - PUBLIC - API - FIELD - {""}  # "" is the root redirect to home (which needs sign-in)
    assert not unexpected, f"views reachable without signing in: {sorted(unexpected)}"


def test_every_api_operation_needs_a_token(client, program) -> None:
    for url in ("/api/v1/people/", "/api/v1/people/1/", "/api/v1/referrals/", "/api/v1/reports/2022-11/"):
        assert client.get(url).status_code == 401, url
    for url in ("/api/v1/referrals/", "/api/v1/incidents/"):
        assert client.post(url, {}, content_type="application/json").status_code == 401, url
    assert client.get("/api/schema/").status_code == 200  # the schema holds no data


def test_anonymous_requests_are_sent_to_sign_in(client, program) -> None:
    for url in ("/home/", "/reports/", "/reports/runs/1/", "/reports/runs/1/pdf/", "/accounts/2fa/", "/admin/"):
        response = client.get(url, follow=True)
        assert response.redirect_chain, url
        assert response.request["PATH_INFO"] == reverse("account_login"), url


def test_the_authenticator_secret_stays_the_same_across_reloads_until_confirmed(client, program, make_user) -> None:
    # A reload of the enrolment page (or any other request for it) must not replace the secret the
    # user has just scanned: every code from the app would then be refused.
    user = make_user("manager", second_factor=False)
    client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD, "acknowledge": "on"})
    client.post(client.get(reverse("mfa_activate_totp"))["Location"], {"password": PASSWORD})
    first = client.get(reverse("mfa_activate_totp"))
    second = client.get(reverse("mfa_activate_totp"))
    secret = first.context["form"].secret
    assert secret and second.context["form"].secret == secret
    assert secret.encode() in second.content  # the secret typed by hand is the one shown
    assert client.get("/favicon.ico").status_code == 301
    assert client.get(reverse("mfa_activate_totp")).context["form"].secret == secret
    # A wrong code keeps it too; the right code from the scanned secret enrols the app.
    client.post(reverse("mfa_activate_totp"), {"code": "000000" if _code(secret) != "000000" else "111111"})
    response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response.status_code == 302
    assert _secret(user) == secret
    assert "mfa.totp.secret" not in client.session  # the next enrolment gets a new one
