"""The peer app: its shell page, service worker and manifest, and the three calls it makes.

Every call names the device (header ``X-Vip-Device``). A device whose account was deactivated is
answered 410 ``{"wipe": true}`` before anything else, signed in or not, and discards its queue
and cache (docs/field-app.md). Otherwise the calls need a signed-in peer support worker (the
same sign-in and second factor as every page): ``start`` (who is signed in, the CSRF token, the
server's time), ``caseload`` (the snapshot the phone keeps, audited as a read) and ``sync`` (the
queued entries, each stored once).
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from vip.accounts.models import User
from vip.audit.services import audit_read
from vip.core.access import can_some
from vip.core.config import program_config
from vip.field import selectors, services

DEVICE_HEADER = "X-Vip-Device"
# What the service worker keeps to open the app without a signal: the shell and its files, never
# an answer that holds data.
SHELL_FILES = ("vip/field/app.js", "vip/field/store.js", "vip/field/field.css", "vip/icon-192.png", "vip/icon.svg")


@functools.cache
def _shell_version() -> str:
    """A digest of the shell's files: a new release makes a new service worker and a new cache."""
    digest = hashlib.sha256()
    for name in ("app.html", "sw.js"):
        digest.update((Path(__file__).parent / "templates" / "field" / name).read_bytes())
    for name in SHELL_FILES:
        found = finders.find(name)
        if found:
            digest.update(Path(str(found)).read_bytes())
    return digest.hexdigest()[:16]


def strings() -> dict[str, Any]:
    """The app's words, in the reader's language (the page carries them; the script has none)."""
    return {
        "online": _("Online"),
        "offline": _("Offline: entries are kept on this phone, encrypted, and sent when the signal returns."),
        "waiting": _("Waiting to send"),
        "syncNow": _("Send now"),
        "synced": _("Everything was sent."),
        "caseload": _("My caseload"),
        "search": _("Find a person on my caseload"),
        "noPeople": _("Nobody on your caseload yet, or the caseload has not been loaded on this phone."),
        "notLoaded": _("The caseload is not on this phone yet: connect once to load it."),
        "loadedAt": _("Caseload loaded"),
        "keptUntil": _("Kept on this phone until"),
        "back": _("Back"),
        "phone": _("Phone"),
        "address": _("Address"),
        "area": _("Area"),
        "nicknames": _("Also called"),
        "plans": _("Custom notifications planned"),
        "safetyPlan": _("Safety plan"),
        "noSafetyPlan": _("No safety plan yet (write one on the full site)."),
        "version": _("version"),
        "recordAttempt": _("Record an attempt"),
        "recordContact": _("Record a contact"),
        "writeNote": _("Write a case note"),
        "checkIn": _("Safety-plan check-in"),
        "recordMediation": _("Record a mediation"),
        "mediations": _("My recent mediations"),
        "noMediations": _("No mediation recorded by you in the last 90 days."),
        "updateOutcome": _("Change the outcome"),
        "queue": _("Entries on this phone"),
        "queueEmpty": _("Nothing waiting on this phone."),
        "when": _("When"),
        "day": _("Day"),
        "outcome": _("Outcome"),
        "team": _("Team"),
        "notification": _("Custom notification"),
        "none": _("None"),
        "notes": _("Notes"),
        "kind": _("Kind"),
        "minutes": _("Minutes"),
        "summary": _("Summary"),
        "text": _("Note"),
        "status": _("Status"),
        "planFits": _("Does the plan still fit?"),
        "yes": _("Yes"),
        "no": _("No"),
        "unknown": _("Not asked"),
        "topics": _("What the conflict is about"),
        "parties": _("Parties on my caseload"),
        "outside": _("Parties not in the program (name or street name, phone)"),
        "name": _("Name"),
        "save": _("Keep on this phone and send"),
        "cancel": _("Cancel"),
        "kept": _("Kept on this phone. It will be sent when there is a signal."),
        "sent": _("Sent."),
        "refused": _("Refused by the server"),
        "dismiss": _("Dismiss"),
        "conflict": _(
            "Someone changed this record after your phone loaded it. Nothing was overwritten: choose which to keep."
        ),
        "theirs": _("Now on the server"),
        "yours": _("Your change"),
        "keepMine": _("Keep mine"),
        "takeTheirs": _("Keep theirs, discard mine"),
        "signIn": _("Your session has ended: sign in again to send what is waiting (it stays here, encrypted)."),
        "signInLink": _("Sign in"),
        "signOut": _("Sign out and clear this phone"),
        "signOutWaiting": _("Entries not yet sent will be lost. Sign out anyway?"),
        "wiped": _("This phone was cleared: the account was deactivated, or another account signed in."),
        "expired": _("What this phone kept was older than the limit and was cleared."),
        "notForRole": _("The field app is for peer support workers."),
        "noCrypto": _(
            "This browser cannot encrypt what the app keeps (it needs a secure connection): the app cannot start."
        ),
        "fullSite": _("Full site"),
        "attempt": _("Attempt"),
        "contact": _("Contact"),
        "case_note": _("Case note"),
        "check_in": _("Safety-plan check-in"),
        "mediation": _("Mediation"),
        "mediation_update": _("Mediation outcome"),
        "kinds": {
            "attempt": _("Attempt"),
            "contact": _("Contact"),
            "case_note": _("Case note"),
            "check_in": _("Safety-plan check-in"),
            "mediation": _("Mediation"),
            "mediation_update": _("Mediation outcome"),
        },
    }


def _device(request: HttpRequest) -> Any:
    return services.parse_device_id(request.headers.get(DEVICE_HEADER))


def _wipe_answer() -> JsonResponse:
    return JsonResponse({"wipe": True, "detail": _("This account was deactivated.")}, status=410)


def _peer_or_answer(request: HttpRequest) -> tuple[User | None, JsonResponse | None]:
    """The signed-in account, or the answer to give instead (wipe, sign in, not for this role)."""
    if services.device_must_wipe(_device(request)):
        device = _device(request)
        if device is not None:
            services.device_wiped(device_id=device, reason="account deactivated")
        return None, _wipe_answer()
    user = request.user
    if not user.is_authenticated or not isinstance(user, User):
        return None, JsonResponse({"signed_in": False, "login": reverse("account_login")}, status=401)
    if not can_some(user, "field.use"):
        return None, JsonResponse({"detail": _("The field app is for peer support workers.")}, status=403)
    return user, None


@never_cache
def shell(request: HttpRequest) -> HttpResponse:
    """The app's one page (it holds no data: the caseload comes from ``caseload``)."""
    if not can_some(request.user, "field.use"):
        raise PermissionDenied(_("The field app is for peer support workers."))
    return render(request, "field/app.html", {"config": program_config(), "strings": strings()})


@login_not_required
@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    files = [reverse("field:shell"), reverse("field:manifest"), *(static(f) for f in SHELL_FILES)]
    body = render(request, "field/sw.js", {"files": json.dumps(files), "version": _shell_version()})
    response = HttpResponse(body.content, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("field:shell")
    return response


@login_not_required
@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": _("Field app"),
        "short_name": _("Field"),
        "start_url": reverse("field:shell"),
        "scope": reverse("field:shell"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d4e89",
        "icons": [
            {"src": static("vip/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("vip/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return HttpResponse(json.dumps(data), content_type="application/manifest+json")


@login_not_required
@require_GET
def start(request: HttpRequest) -> JsonResponse:
    user, answer = _peer_or_answer(request)
    if answer is not None:
        return answer
    assert user is not None
    device_id = _device(request)
    if device_id is None:
        return JsonResponse({"detail": _("The request does not name its device.")}, status=400)
    _device_record, wipe = services.device_seen(actor=user, device_id=device_id)
    return JsonResponse(
        {
            "user": {"id": user.pk, "username": user.get_username(), "name": user.get_full_name()},
            "wipe": wipe,
            "csrf": get_token(request),
            "server_time": timezone.now().isoformat(),
            "offline_hours": program_config().field_work.offline_hours,
        }
    )


@login_not_required
@require_GET
def caseload(request: HttpRequest) -> JsonResponse:
    user, answer = _peer_or_answer(request)
    if answer is not None:
        return answer
    assert user is not None
    snapshot = selectors.caseload(user=user)
    audit_read(actor=user, action="field.caseload", shown=[p["id"] for p in snapshot["people"]])
    return JsonResponse(snapshot)


@login_not_required
@require_POST
def sync(request: HttpRequest) -> JsonResponse:
    user, answer = _peer_or_answer(request)
    if answer is not None:
        return answer
    assert user is not None
    device_id = _device(request)
    device = None
    if device_id is not None:
        device, wipe = services.device_seen(actor=user, device_id=device_id)
        if wipe:
            return JsonResponse({"wipe": True, "detail": _("Another account used this device.")}, status=409)
    try:
        body = json.loads(request.body or b"{}")
        outcomes = services.sync_receive(actor=user, device=device, entries=body.get("entries"))
    except (ValueError, AttributeError):
        return JsonResponse({"detail": _('The body must be JSON: {"entries": [...]}.')}, status=400)
    except ValidationError as exc:
        return JsonResponse({"detail": "; ".join(exc.messages)}, status=400)
    return JsonResponse({"server_time": timezone.now().isoformat(), "results": [o.as_json() for o in outcomes]})


@login_not_required
@require_POST
def sign_out(request: HttpRequest) -> JsonResponse:
    """Sign out from the app: the device is recorded as wiped (the app has discarded what it kept)."""
    device_id = _device(request)
    if device_id is not None and isinstance(request.user, User):
        services.device_wiped(device_id=device_id, reason="signed out", user=request.user)
    logout(request)
    return JsonResponse({"signed_out": True, "login": reverse("account_login")})
