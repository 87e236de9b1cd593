"""People: search, and the person page with a timeline of what the viewer may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.accounts.models import User
from vip.audit.services import audit_read
from vip.core.views import record_refused
from vip.people.models import Person
from vip.people.selectors import person_list, person_search
from vip.service_referrals.views import consent_panel


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@never_cache
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    user = _user(request)

    person_list(user=user)  # refuses roles without person-level access, before anything is shown
    query = request.GET.get("q", "").strip()[:200]
    hits = person_search(user=user, query=query) if query else []
    if query:
        audit_read(
            actor=user,
            action="person.search",
            object_type="people.person",
            shown=[hit.person.pk for hit in hits] + [hit.linked_to.pk for hit in hits if hit.linked_to is not None],
            details={"query": query},
        )
    template = "people/_results.html" if request.headers.get("HX-Request") else "people/search.html"
    return render(request, template, {"query": query, "hits": hits})


# The kinds of record a role may see on the person page, as the page names them.
SECTION_NAMES = {
    "referrals": gettext_lazy("referrals"),
    "notifications": gettext_lazy("custom notifications"),
    "services": gettext_lazy("service referrals"),
    "outcomes": gettext_lazy("outcomes"),
    "incidents": gettext_lazy("incidents"),
    "casework": gettext_lazy("casework"),
}


# Service referrals the person page lists apart, with a link to move them on.
OPEN_SERVICE_STATUSES = {"referred", "connected"}


@dataclass(frozen=True)
class Event:
    day: dt.date
    kind: str
    text: str
    detail: str = ""


def _visible(fetch: Any) -> list[Any] | None:
    """A section's records, or None when the viewer's role may not see that kind of record."""
    try:
        return list(fetch())
    except PermissionDenied:
        return None


def timeline(user: User, person: Person) -> tuple[list[Event], dict[str, bool], list[Any]]:
    """The person's records the viewer may see, newest first; which kinds the viewer sees; and
    the service referrals (the page lists the open ones apart)."""
    from vip.casework.selectors import case_note_list, needs_assessment_list
    from vip.identification.selectors import incident_list
    from vip.notifications.selectors import attempt_list
    from vip.outcomes.selectors import outcome_list
    from vip.referrals.selectors import referral_list
    from vip.service_referrals.selectors import service_referral_list

    events: list[Event] = []
    shown: dict[str, bool] = {}
    referrals = _visible(lambda: referral_list(user=user).filter(person=person).select_related(None))
    shown["referrals"] = referrals is not None
    for r in referrals or []:
        events.append(
            Event(
                r.received_on,
                _("Referral"),
                f"{r.get_source_display()}: {r.referred_by}".rstrip(": "),
                r.get_status_display(),
            )
        )
    attempts = _visible(lambda: attempt_list(user=user).filter(person=person).select_related(None))
    shown["notifications"] = attempts is not None
    for a in attempts or []:
        team = ", ".join(_team_role(role) for role in a.team_roles)
        events.append(
            Event(
                a.attempted_on,
                _("Custom notification"),
                a.get_outcome_display(),
                _("team: %(team)s") % {"team": team} if team else "",
            )
        )
        if a.notes:
            events.append(Event(a.attempted_on, _("Visit notes"), a.notes))
    services = _visible(
        lambda: service_referral_list(user=user).filter(person=person).select_related(None).select_related("category")
    )
    shown["services"] = services is not None
    for s in services or []:
        events.append(
            Event(s.referred_on, _("Service referral"), f"{s.category.name}: {s.get_status_display()}", s.provider)
        )
        if s.connected_on:
            events.append(Event(s.connected_on, _("Service connected"), s.category.name, s.provider))
    outcomes = _visible(lambda: outcome_list(user=user).filter(person=person).select_related(None))
    shown["outcomes"] = outcomes is not None
    for o in outcomes or []:
        events.append(Event(o.occurred_on, _("Outcome"), o.get_type_display(), o.source_ref))
    incidents = _visible(
        lambda: incident_list(user=user).filter(involvements__person=person).select_related(None).distinct()
    )
    shown["incidents"] = incidents is not None
    for i in incidents or []:
        events.append(Event(i.occurred_on, _("Incident"), f"{i.get_type_display()} {i.key}"))
    notes = _visible(lambda: case_note_list(user=user).filter(person=person).select_related(None))
    shown["casework"] = notes is not None
    for n in notes or []:
        events.append(Event(n.written_at.date(), _("Case note"), n.text))
    for assessment in (
        _visible(lambda: needs_assessment_list(user=user).filter(person=person).select_related(None)) or []
    ):
        events.append(Event(assessment.assessed_on, _("Needs assessment"), assessment.summary))
    events.sort(key=lambda e: e.day, reverse=True)
    return events, shown, services or []


def _team_role(role: str) -> str:
    """A team role as the page shows it: lower case, in the page's language."""
    from vip.notifications.choices import TeamRole

    try:
        return str(TeamRole(role).label).lower()
    except ValueError:
        return role.replace("_", " ")


@never_cache
@require_GET
def detail(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    try:
        person = person_list(user=user).select_related("assigned_peer").get(pk=person_id)
    except Person.DoesNotExist:
        record_refused(user, Person, person_id)
        raise Http404 from None
    events, shown, services = timeline(user, person)
    audit_read(actor=user, action="person.read", target=person)
    visible = [str(SECTION_NAMES.get(name, name)) for name, ok in shown.items() if ok]
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "events": events,
            "visible": visible,
            "actions": _actions(user, person),
            "open_services": [s for s in services if s.status in OPEN_SERVICE_STATUSES]
            if user.role in {"peer", "manager"}
            else [],
            "planned": _planned(user, person),
            "consent_panel": consent_panel(user, person),
            **_linked(user, person),
        },
    )


def _linked(user: User, person: Person) -> dict[str, Any]:
    """The confirmed link that moved this record's history onto another record, if any."""
    from vip.people.models import PersonLink

    link = (
        PersonLink.objects.filter(duplicate=person, status=PersonLink.Status.CONFIRMED).select_related("kept").first()
    )
    if link is None:
        return {}
    return {"linked_into": link, "linked_into_visible": person_list(user=user).filter(pk=link.kept_id).exists()}


def _actions(user: User, person: Person) -> list[tuple[str, str]]:
    """The steps this role takes for a person, as (label, url)."""

    role = user.role
    actions = []
    if role in {"peer", "police", "manager"}:
        actions.append((_("Record a notification attempt"), reverse("notifications:attempt", args=[person.pk])))
        actions.append((_("Plan a custom notification"), reverse("notifications:plan", args=[person.pk])))
        actions.append((_("New referral"), reverse("referrals:new", args=[person.pk])))
    if role in {"peer", "manager"}:
        actions.append((_("Refer to a service"), reverse("service_referrals:new", args=[person.pk])))
        actions.append((_("Record a contact"), reverse("casework:contact", args=[person.pk])))
    if role == "peer":
        actions.append((_("Needs assessment"), reverse("casework:needs", args=[person.pk])))
        actions.append((_("Case note"), reverse("casework:note", args=[person.pk])))
    if role == "police":
        actions.append((_("Record an outcome"), reverse("outcomes:new", args=[person.pk])))
    if role == "manager":
        from vip.identification.selectors import candidate_list

        latest = candidate_list(user=user).filter(person=person).order_by("-proposed_at", "-pk").first()
        if latest is not None:
            label = _("Candidacy: %(status)s") % {"status": latest.get_status_display().lower()}
            actions.append((label, reverse("identification:candidate", args=[latest.pk])))
    return actions


def _planned(user: User, person: Person) -> list[Any]:
    from vip.notifications.selectors import notification_list

    if user.role not in {"peer", "police", "manager"}:
        return []
    return list(notification_list(user=user).filter(person=person, status="planned").order_by("planned_on"))


@never_cache
def new(request: HttpRequest) -> HttpResponse:
    from vip.accounts.permissions import require_role
    from vip.core.views import form_page, submit
    from vip.people.forms import PersonForm
    from vip.people.services import PERSON_EDITORS, person_create

    user = _user(request)
    require_role(user, PERSON_EDITORS, _("add people"))
    form = PersonForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: person_create(actor=user, **data),
        on_success=lambda person: reverse("people:detail", args=[person.pk]),
    )
    return done or form_page(request, form, title=_("New person"), submit=_("Add person"), cancel="/people/")


@never_cache
def links(request: HttpRequest) -> HttpResponse:
    """The review queue of proposed links between two records of one person (program managers):
    the evidence and both records side by side; confirm, or reject with a reason; undo a link."""
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from vip.people.linking import link_confirm, link_queue, link_reject, link_undo
    from vip.people.models import PersonLink

    user = _user(request)
    queue = link_queue(user=user)  # refuses everyone but managers, before anything is read
    if request.method == "POST":
        try:
            link = PersonLink.objects.get(pk=int(request.POST.get("link", "0")))
        except (PersonLink.DoesNotExist, ValueError):
            raise Http404 from None
        decision, reason = request.POST.get("decision"), request.POST.get("reason", "").strip()[:300]
        try:
            if decision == "confirm":
                link_confirm(actor=user, link=link, reason=reason)
            elif decision == "reject":
                link_reject(actor=user, link=link, reason=reason)
            elif decision == "undo":
                link_undo(actor=user, link=link, reason=reason)
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            from django.contrib import messages

            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("people:links")
    proposed = list(queue[:50])
    confirmed = list(
        PersonLink.objects.filter(status=PersonLink.Status.CONFIRMED)
        .select_related("kept", "duplicate", "decided_by")
        .order_by("-decided_at")[:20]
    )
    shown = {link.kept_id for link in proposed + confirmed} | {link.duplicate_id for link in proposed + confirmed}
    audit_read(actor=user, action="person.link_list_read", object_type="people.person", shown=sorted(shown))
    return render(request, "people/links.html", {"proposed": proposed, "confirmed": confirmed})
