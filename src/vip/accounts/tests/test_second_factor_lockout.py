"""Security row 33: the second factor is as hard to guess as the password. Wrong codes (TOTP or
recovery codes, at sign-in or when confirming again) count toward the same lockout as wrong
passwords, per account whatever the address or session; each is audited; a new sign-in with the
right password does not clear the count; once locked, even the right code is refused."""

from __future__ import annotations

import itertools
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.urls import reverse

from vip.accounts.services import user_unlock
from vip.accounts.tests.helpers import PASSWORD, password_accepted, sign_in_post, totp_code
from vip.audit.models import AuditEvent

LIMIT = 5  # VIP_LOCKOUT_FAILURES (config), the same limit as for passwords


def _valid_codes(user) -> set[str]:  # type: ignore[no-untyped-def]
    """Every TOTP code that would be taken around now (the tolerance window, and then some)."""
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    now = int(time.time()) // 30
    return {format_hotp_value(hotp_value(secret, now + step)) for step in range(-3, 4)}


def _wrong_codes(user, count: int, *, digits: int = 6) -> list[str]:  # type: ignore[no-untyped-def]
    valid = _valid_codes(user)
    if digits != 6:
        valid |= set(RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).generate_codes())
    rng = random.Random(33)
    codes: list[str] = []
    while len(codes) < count:
        code = str(rng.randrange(10**digits)).zfill(digits)
        if code not in valid and code not in codes:
            codes.append(code)
    return codes


def _at_second_step(ip: str, username: str) -> Client:
    """A client past the password, at the second step of signing in."""
    client = Client(REMOTE_ADDR=ip)
    assert password_accepted(sign_in_post(client, username, PASSWORD, ip=ip))
    return client


def _code(client: Client, code: str, *, ip: str | None = None):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": ip} if ip else {}
    return client.post(reverse("mfa_authenticate"), {"code": code}, **extra)


def _signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def _failures(username: str) -> int:
    return sum(AccessAttempt.objects.filter(username=username).values_list("failures_since_start", flat=True))


@pytest.mark.django_db(transaction=True)
def test_row_33_two_hundred_wrong_codes_from_several_threads_lock_the_account_after_the_limit(
    program, make_user
) -> None:
    rosa = make_user("peer", username="rosa")
    # Four clients, from four addresses, each past the right password: four sessions guessing at once.
    clients = [_at_second_step(f"203.0.113.{n}", "rosa") for n in range(1, 5)]
    codes = _wrong_codes(rosa, 200)

    # The four threads run at once, on both databases (SQLite's test database is a file in WAL
    # mode, as an installation's is: a second writer waits for the first).

    def guess(job: tuple[int, str]) -> int:
        n, code = job
        try:
            return _code(clients[n % 4], code).status_code
        finally:
            connection.close()  # this thread's own database connection

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(guess, enumerate(codes)))
    assert set(statuses) == {200}  # every guess got the form again, with "Incorrect code."

    # Exactly the configured number of codes were checked and counted; the rest were refused unchecked.
    assert _failures("rosa") == LIMIT
    failed = AuditEvent.objects.filter(action="auth.mfa_failed", object_id=str(rosa.pk))
    assert failed.count() == 200  # every failure is in the audit ...
    assert failed.filter(changes__refused_while_locked=False).count() == LIMIT
    assert failed.filter(changes__refused_while_locked=True).count() == 200 - LIMIT
    assert set(failed.values_list("outcome", "actor_role")) == {("denied", "anonymous")}
    assert {e.changes["step"] for e in failed} == {"sign-in"}
    stored = str(list(AuditEvent.objects.values_list("changes", flat=True))) + str(
        list(AccessAttempt.objects.values_list("post_data", "get_data"))
    )
    assert not any(code in stored for code in codes)  # ... and no code is
    assert AuditEvent.objects.filter(action="account.lock", object_id=str(rosa.pk)).count() == 1

    # The right code is now refused, in every session, with the very answer a wrong code gets.
    right = totp_code(rosa)
    response = _code(clients[0], right)
    assert response.status_code == 200 and "Incorrect code." in response.content.decode()
    assert not _signed_in(clients[0])
    # A new sign-in with the right password does not even reach the second step.
    assert not password_accepted(sign_in_post(Client(), "rosa", PASSWORD, ip="198.51.100.9"))

    # An administrator unlocks; then the password and the right code sign in.
    user_unlock(actor=make_user("admin"), username="rosa")
    client = _at_second_step("198.51.100.9", "rosa")
    assert _code(client, right)["Location"] == reverse("home")
    assert _signed_in(client)
    assert _failures("rosa") == 0  # a complete sign-in clears the count


@pytest.mark.django_db
def test_row_33_a_new_sign_in_with_the_right_password_does_not_clear_the_code_failures(program, make_user) -> None:
    ana = make_user("peer", username="ana")
    wrong = _wrong_codes(ana, 10)
    first = _at_second_step("203.0.113.1", "ana")
    for code in wrong[:4]:
        assert not _signed_in(first) and _code(first, code).status_code == 200
    assert _failures("ana") == 4

    # Another session, another address, the right password: it reaches the second step (4 < 5),
    # and the count is still 4: one more wrong code locks the account.
    second = _at_second_step("198.51.100.7", "ana")
    assert _failures("ana") == 4
    _code(second, wrong[4])
    assert _failures("ana") == LIMIT
    assert not _signed_in(_code_and_return(second, totp_code(ana)))
    assert not _signed_in(_code_and_return(first, totp_code(ana)))
    assert not password_accepted(sign_in_post(Client(), "ana", PASSWORD, ip="192.0.2.1"))


def _code_and_return(client: Client, code: str) -> Client:
    _code(client, code)
    return client


@pytest.mark.django_db
def test_row_33_wrong_passwords_and_wrong_codes_add_up_to_the_one_limit(program, make_user) -> None:
    luis = make_user("peer", username="luis")
    for _ in range(2):
        assert not password_accepted(sign_in_post(Client(), "luis", "not his passphrase at all", ip="203.0.113.5"))
    client = _at_second_step("198.51.100.1", "luis")
    for code in _wrong_codes(luis, 3):
        _code(client, code)
    assert _failures("luis") == LIMIT
    # Locked: neither the password nor the right code gets in.
    assert not password_accepted(sign_in_post(Client(), "luis", PASSWORD))
    assert not _signed_in(_code_and_return(client, totp_code(luis)))


@pytest.mark.django_db
def test_row_33_wrong_recovery_codes_count_and_a_locked_account_keeps_its_recovery_codes(program, make_user) -> None:
    eva = make_user("peer", username="eva")
    codes = RecoveryCodes.activate(eva).generate_codes()
    client = _at_second_step("203.0.113.8", "eva")
    wrong = _wrong_codes(eva, 40, digits=len(codes[0]))
    for code in wrong:
        assert _code(client, code).status_code == 200
    assert _failures("eva") == LIMIT
    failed = AuditEvent.objects.filter(action="auth.mfa_failed", object_id=str(eva.pk))
    assert failed.count() == 40
    assert not any(code in str(list(failed.values_list("changes", flat=True))) for code in wrong + codes)

    # The right recovery code is refused while locked, and is not used up by the refusal.
    response = _code(client, codes[0])
    assert "Incorrect code." in response.content.decode() and not _signed_in(client)
    auth = Authenticator.objects.get(user=eva, type=Authenticator.Type.RECOVERY_CODES)
    assert RecoveryCodes(auth).get_unused_codes() == codes

    user_unlock(actor=make_user("admin"), username="eva")
    client = _at_second_step("203.0.113.8", "eva")
    assert _code(client, codes[0])["Location"] == reverse("home")
    assert _signed_in(client)


@pytest.mark.django_db
def test_row_33_wrong_codes_when_confirming_again_count_too(program, make_user) -> None:
    noa = make_user("manager", username="noa")
    client = Client()
    client.force_login(noa)
    for code in _wrong_codes(noa, LIMIT):
        assert client.post(reverse("mfa_reauthenticate"), {"code": code}).status_code == 200
    assert _failures("noa") == LIMIT
    failed = AuditEvent.objects.filter(action="auth.mfa_failed", object_id=str(noa.pk))
    assert failed.count() == LIMIT
    assert {(e.actor_id, e.changes["step"]) for e in failed} == {(noa.pk, "reauthentication")}
    # The account is locked: the right code is refused here, and signing in again is refused.
    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(noa)})
    assert response.status_code == 200 and "Incorrect code." in response.content.decode()
    assert not password_accepted(sign_in_post(Client(), "noa", PASSWORD))


@pytest.mark.django_db
def test_row_33_the_lock_by_codes_ends_after_the_cool_off_like_the_password_lock(program, make_user, clock) -> None:
    ines = make_user("peer", username="ines")
    client = _at_second_step("203.0.113.2", "ines")
    for code in _wrong_codes(ines, LIMIT):
        _code(client, code)
    clock.advance(minutes=29)
    assert not password_accepted(sign_in_post(Client(), "ines", PASSWORD))
    clock.advance(minutes=2)
    again = _at_second_step("203.0.113.2", "ines")
    assert _code(again, totp_code(ines))["Location"] == reverse("home")


@pytest.mark.django_db
def test_row_33_a_right_code_before_the_limit_signs_in_and_clears_the_count(program, make_user) -> None:
    joe = make_user("peer", username="joe")
    client = _at_second_step("203.0.113.3", "joe")
    for code in itertools.islice(_wrong_codes(joe, 10), LIMIT - 1):
        _code(client, code)
    assert _code(client, totp_code(joe))["Location"] == reverse("home")
    assert _failures("joe") == 0
    assert AuditEvent.objects.filter(action="auth.mfa_failed").count() == LIMIT - 1
