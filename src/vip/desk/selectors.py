"""What the staff desk shows, read through the domain selectors (so the access policy holds):
the home page of each role, and a person's file (the person page).

The desk composes every step of the work, so it sits above the domain apps; it decides no
visibility of its own. Which records and fields a reader gets is the selectors' (the access
policy); which of them are *theirs to act on* (a peer's caseload, a manager's unassigned
referrals) is the desk's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vip.casework.models import CaseNote, Contact, NeedsAssessment
from vip.casework.selectors import case_note_list, contact_list, needs_assessment_list
from vip.core.access import Show, can, can_some, role_of, sees, shows, treatment
from vip.core.config import program_today, program_zone
from vip.core.dates import Month, local_date
from vip.core.roles import Role
from vip.identification.models import Candidate, Incident, ReviewIdentification
from vip.identification.selectors import candidate_list, incident_list, review_identification_list
from vip.notifications.choices import TeamRole
from vip.notifications.models import CustomNotification, NotificationAttempt
from vip.notifications.selectors import attempt_list, notification_list
from vip.outcomes.models import Outcome
from vip.outcomes.selectors import outcome_list
from vip.people.models import Person, PersonLink
from vip.people.selectors import confirmed_duplicate_of, person_list
from vip.referrals.models import Referral
from vip.referrals.selectors import referral_list
from vip.service_referrals.models import ConsentRecipient, ServiceReferral
from vip.service_referrals.selectors import consent_list, disclosure_list, service_referral_list

# A follow-up is due when its date falls within the home page's horizon; one more than this many
# days late is taken as dropped and leaves the page (the shooting review keeps it).
FOLLOW_UP_OVERDUE_DAYS = 30
# A peer worker's follow-ups: people on the caseload without a contact in this many days, and
# service referrals still waiting to connect after this many days.
CONTACT_GAP_DAYS = 14
SERVICE_WAIT_DAYS = 14
CASELOAD_SHOWN = 50


@dataclass(frozen=True)
class FollowUp:
    due_on: dt.date | None  # None: due now (no contact ever recorded)
    person: Any
    what: str
    overdue: bool = False
    kind: str = ""  # one of FOLLOW_UP_KINDS


@dataclass
class HomeSummary:
    caseload: list[Any] = field(default_factory=list)
    caseload_size: int = 0
    follow_ups: list[FollowUp] = field(default_factory=list)
    referrals_to_act_on: list[Any] = field(default_factory=list)
    notifications_planned: list[Any] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)
    shows_people: bool = False
    carries_caseload: bool = False

    def people_shown(self) -> list[int]:
        """The ids of the people the page names (for the audit of the read)."""
        ids = {p.pk for p in self.caseload} | {f.person.pk for f in self.follow_ups}
        ids |= {r.person_id for r in self.referrals_to_act_on} | {n.person_id for n in self.notifications_planned}
        return sorted(ids)


def home_summary(*, user: Any, today: dt.date, horizon: dt.date) -> HomeSummary:
    summary = HomeSummary()
    if not sees(user, Person):
        return summary  # analysts and administrators see no person-level data
    summary.shows_people = True
    summary.carries_caseload = role_of(user) == Role.PEER  # only peer workers carry a caseload
    if summary.carries_caseload:
        # The whole caseload is read once, with only what the page shows: the follow-ups look
        # at everyone on it, the page lists the first CASELOAD_SHOWN.
        caseload = list(
            person_list(user=user)
            .only("first_name", "middle_name", "last_name", "area__name", "assigned_peer_id")
            .order_by("last_name", "first_name", "pk")
        )
        summary.caseload = caseload[:CASELOAD_SHOWN]
        summary.caseload_size = len(caseload)
    else:
        caseload = []
    summary.follow_ups = _follow_ups(user=user, today=today, horizon=horizon, caseload=caseload)
    summary.referrals_to_act_on = list(
        referral_list(user=user)
        .filter(~Q(status="closed"))
        # Those who assign referrals also act on the ones nobody has yet.
        .filter(
            Q(assigned_to=user) | Q(assigned_to__isnull=True)
            if can_some(user, "referral.assign")
            else Q(assigned_to=user)
        )
        .order_by("-received_on", "-pk")[:20]
    )
    summary.notifications_planned = list(
        notification_list(user=user).filter(status="planned", planned_on__lte=horizon).order_by("planned_on")[:20]
    )
    month = Month.of(today)
    delivered = attempt_list(user=user).filter(
        outcome="delivered", attempted_on__gte=month.first_day, attempted_on__lte=month.last_day
    )
    summary.figures = {
        "notifications_delivered": delivered.values("person_id", "attempted_on").distinct().count(),
        "referrals_received": referral_list(user=user)
        .filter(received_on__gte=month.first_day, received_on__lte=month.last_day)
        .count(),
        "attempts": attempt_list(user=user)
        .filter(attempted_on__gte=month.first_day, attempted_on__lte=month.last_day)
        .aggregate(n=Count("id"))["n"],
    }
    return summary


# The kinds of follow-up, as the follow-ups queue filters them.
FOLLOW_UP_KINDS = {
    "review": gettext_lazy("Shooting review follow-up"),
    "contact": gettext_lazy("Contact due"),
    "service": gettext_lazy("Service referral not connected"),
    "notification": gettext_lazy("Custom notification planned"),
    "referral": gettext_lazy("Referral to accept"),
}


def follow_up_queue(*, user: Any, today: dt.date, horizon: dt.date) -> list[FollowUp]:
    """Everything the follow-ups queue lists for this user, soonest due first: the home page's
    follow-ups without its cut, the custom notifications planned by the horizon, and the
    referrals assigned to them and not yet accepted."""
    if not sees(user, Person):
        raise PermissionDenied(_("Your role does not see person-level records."))
    caseload: list[Any] = []
    if role_of(user) == Role.PEER:
        caseload = list(
            person_list(user=user)
            .only("first_name", "middle_name", "last_name", "area__name", "assigned_peer_id")
            .order_by("last_name", "first_name", "pk")
        )
    items = _follow_ups(user=user, today=today, horizon=horizon, caseload=caseload, limit=None)
    if sees(user, CustomNotification):
        for n in (
            notification_list(user=user)
            .filter(status="planned", planned_on__lte=horizon)
            .select_related("person")
            .order_by("planned_on", "pk")
        ):
            items.append(
                FollowUp(
                    n.planned_on,
                    n.person,
                    _("Custom notification planned for %(day)s") % {"day": n.planned_on.isoformat()},
                    overdue=n.planned_on < today,
                    kind="notification",
                )
            )
    if sees(user, Referral):
        # Those assigned to the user and not yet accepted; the ones nobody has yet are the referral
        # queue's (thousands in a city).
        for r in referral_list(user=user).filter(assigned_to=user, status="assigned").order_by("received_on", "pk"):
            items.append(
                FollowUp(
                    r.received_on,
                    r.person,
                    _("%(source)s referral received %(day)s: %(status)s")
                    % {
                        "source": r.get_source_display(),
                        "day": r.received_on.isoformat(),
                        "status": r.get_status_display().lower(),
                    },
                    kind="referral",
                )
            )
    items.sort(key=lambda f: (f.due_on or dt.date.min, str(f.person)))
    return items


def _follow_ups(
    *, user: Any, today: dt.date, horizon: dt.date, caseload: list[Any], limit: int | None = 30
) -> list[FollowUp]:
    """What this user has said they would do, or should do next, soonest first.

    Police and managers: shooting-review follow-ups owned by them (managers also those nobody
    owns) due by the horizon. Peer workers, as of today: people on their caseload without a
    contact for CONTACT_GAP_DAYS, and their service referrals waiting to connect for
    SERVICE_WAIT_DAYS.
    """
    items: list[FollowUp] = []
    if sees(user, ReviewIdentification):
        # Those who run the program (they assign referrals) also pick up follow-ups nobody owns.
        mine = (
            Q(follow_up_owner=user) | Q(follow_up_owner__isnull=True)
            if can_some(user, "referral.assign")
            else Q(follow_up_owner=user)
        )
        for row in (
            review_identification_list(user=user)
            .filter(
                mine, follow_up_by__lte=horizon, follow_up_by__gte=today - dt.timedelta(days=FOLLOW_UP_OVERDUE_DAYS)
            )
            .order_by("follow_up_by", "pk")[:limit]
        ):
            items.append(
                FollowUp(
                    row.follow_up_by,
                    row.person,
                    _("Shooting review of %(day)s: %(task)s")
                    % {"day": row.review.held_on.isoformat(), "task": row.follow_up or row.get_decision_display()},
                    overdue=row.follow_up_by is not None and row.follow_up_by < today,
                    kind="review",
                )
            )
    if caseload:
        contacted = dict(
            contact_list(user=user)
            .values("person_id")
            .annotate(last=Max("contacted_at"))
            .values_list("person_id", "last")
        )
        gap = dt.timedelta(days=CONTACT_GAP_DAYS)
        zone = program_zone()
        for person in caseload:
            last = contacted.get(person.pk)
            last_day = local_date(last, zone) if last else None
            if last_day is None or last_day + gap <= today:
                due = last_day + gap if last_day else None
                what = (
                    _("No contact recorded yet")
                    if last_day is None
                    else _("Last contact %(day)s") % {"day": last_day.isoformat()}
                )
                items.append(FollowUp(due, person, what, overdue=due is not None and due < today, kind="contact"))
        waiting = dt.timedelta(days=SERVICE_WAIT_DAYS)
        for referral in (
            service_referral_list(user=user)
            .filter(status="referred", referred_on__lte=today - waiting)
            .select_related("category")
            .order_by("referred_on", "pk")[:limit]
        ):
            due = referral.referred_on + waiting
            items.append(
                FollowUp(
                    due,
                    referral.person,
                    _("%(category)s referral not connected since %(day)s")
                    % {"category": referral.category.name, "day": referral.referred_on.isoformat()},
                    overdue=due < today,
                    kind="service",
                )
            )
    items.sort(key=lambda f: (f.due_on or dt.date.min, str(f.person)))
    return items[:limit]


# --- a person's file (the person page) ---------------------------------------------------------

# The kinds of record the person page lists, as it names them, with the model the access policy
# decides each by.
SECTIONS: dict[str, tuple[Any, type[Any]]] = {
    "referrals": (gettext_lazy("referrals"), Referral),
    "notifications": (gettext_lazy("custom notifications"), NotificationAttempt),
    "services": (gettext_lazy("service referrals"), ServiceReferral),
    "outcomes": (gettext_lazy("outcomes"), Outcome),
    "incidents": (gettext_lazy("incidents"), Incident),
    "casework": (gettext_lazy("casework"), CaseNote),
}

# Service referrals the person page lists apart, with a link to move them on.
OPEN_SERVICE_STATUSES = {"referred", "connected"}


@dataclass(frozen=True)
class Event:
    day: dt.date
    kind: str
    text: str
    detail: str = ""


@dataclass
class PersonFile:
    person: Person
    events: list[Event]
    sections: list[str]  # the kinds of record the reader's role sees, by name
    actions: list[tuple[str, str]]  # (label, url) of the steps the reader may take
    open_services: list[ServiceReferral]
    planned: list[Any]
    may_write_legal_assessment: bool
    consent_panel: dict[str, Any] | None
    linked_into: PersonLink | None
    linked_into_visible: bool


def _team_role(role: str) -> str:
    """A team role as the page shows it: lower case, in the page's language."""
    try:
        return str(TeamRole(role).label).lower()
    except ValueError:
        return role.replace("_", " ")


def _or_withheld(user: Any, model: type[Any], field_name: str, value: str) -> str:
    """A field's text, or the words saying the reader's role does not get it."""
    if shows(user, model, field_name):
        return value
    return str(_("kept with the peer support worker"))


def person_timeline(*, user: Any, person: Person) -> tuple[list[Event], list[ServiceReferral]]:
    """The person's records the reader sees, newest first, each kind read through its selector
    (a kind the reader's role does not see is left out); and the service referrals."""
    events: list[Event] = []
    if sees(user, Referral):
        for r in referral_list(user=user).filter(person=person).select_related(None):
            events.append(
                Event(
                    r.received_on,
                    _("Referral"),
                    f"{r.get_source_display()}: {r.referred_by}".rstrip(": "),
                    r.get_status_display(),
                )
            )
    if sees(user, NotificationAttempt):
        for a in attempt_list(user=user).filter(person=person).select_related(None):
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
    services: list[ServiceReferral] = []
    if sees(user, ServiceReferral):
        services = list(
            service_referral_list(user=user).filter(person=person).select_related(None).select_related("category")
        )
    for s in services:
        events.append(
            Event(s.referred_on, _("Service referral"), f"{s.category.name}: {s.get_status_display()}", s.provider)
        )
        if s.connected_on:
            events.append(Event(s.connected_on, _("Service connected"), s.category.name, s.provider))
    if sees(user, Outcome):
        for o in outcome_list(user=user).filter(person=person).select_related(None):
            events.append(Event(o.occurred_on, _("Outcome"), o.get_type_display(), o.source_ref))
    if sees(user, Incident):
        for i in incident_list(user=user).filter(involvements__person=person).select_related(None).distinct():
            events.append(Event(i.occurred_on, _("Incident"), f"{i.get_type_display()} {i.key}"))
    zone = program_zone()
    if sees(user, Contact):
        for c in contact_list(user=user).filter(person=person):
            minutes = _("%(minutes)s min") % {"minutes": c.minutes} if c.minutes else ""
            text = _or_withheld(user, Contact, "summary", c.summary)
            events.append(
                Event(
                    local_date(c.contacted_at, zone),
                    _("Contact"),
                    c.get_kind_display(),
                    " · ".join(x for x in (minutes, text) if x),
                )
            )
    if sees(user, CaseNote):
        for n in case_note_list(user=user).filter(person=person):
            events.append(
                Event(local_date(n.written_at, zone), _("Case note"), _or_withheld(user, CaseNote, "text", n.text))
            )
    if sees(user, NeedsAssessment):
        for assessment in needs_assessment_list(user=user).filter(person=person):
            events.append(
                Event(
                    assessment.assessed_on,
                    _("Needs assessment"),
                    _or_withheld(user, NeedsAssessment, "summary", assessment.summary),
                )
            )
    events.sort(key=lambda e: e.day, reverse=True)
    return events, services


def person_actions(*, user: Any, person: Person) -> list[tuple[str, str]]:
    """The steps the reader may take for this person (the access policy's actions), as (label, url)."""
    steps = [
        (
            "notification.attempt",
            _("Record a notification attempt"),
            reverse("notifications:attempt", args=[person.pk]),
        ),
        ("notification.plan", _("Plan a custom notification"), reverse("notifications:plan", args=[person.pk])),
        ("referral.create", _("New referral"), reverse("referrals:new", args=[person.pk])),
        ("service_referral.create", _("Refer to a service"), reverse("service_referrals:new", args=[person.pk])),
        ("casework.contact", _("Record a contact"), reverse("casework:contact", args=[person.pk])),
        ("casework.needs_assessment", _("Needs assessment"), reverse("casework:needs", args=[person.pk])),
        ("casework.case_note", _("Case note"), reverse("casework:note", args=[person.pk])),
        ("outcome.record", _("Record an outcome"), reverse("outcomes:new", args=[person.pk])),
    ]
    actions = [(label, url) for action, label, url in steps if can(user, action, person)]
    if sees(user, Candidate):
        latest = candidate_list(user=user).filter(person=person).order_by("-proposed_at", "-pk").first()
        if latest is not None:
            label = _("Candidacy: %(status)s") % {"status": latest.get_status_display().lower()}
            actions.append((label, reverse("identification:candidate", args=[latest.pk])))
    return actions


def consent_panel(*, user: Any, person: Person) -> dict[str, Any] | None:
    """What the person page shows of consents and disclosures (None: the role sees none of it)."""
    try:
        consents = list(consent_list(user=user).filter(person=person).select_related(None))
        disclosures = list(disclosure_list(user=user).filter(person=person))
    except PermissionDenied:
        return None
    today = program_today()
    # The details are withheld from the reader but under a consent (a manager): say so.
    under_consent = treatment(user, ServiceReferral, "provider") == Show.CONSENT
    rows = []
    for c in consents:
        # A consent naming program managers is for a manager to use (substance_use_disclose).
        names_reader = c.recipient_kind == ConsentRecipient.EXTERNAL or role_of(user) == Role.MANAGER
        usable = not c.refusal(today) and names_reader and can(user, "substance_use.disclose", person)
        rows.append({"consent": c, "status": c.status(today), "usable": usable})
    return {
        "consents": rows,
        "disclosures": disclosures,
        "under_consent": under_consent,
        "may_record": can(user, "consent.record", person),
    }


def person_file(*, user: Any, person: Person) -> PersonFile:
    """Everything the person page shows the reader about ``person``."""
    events, services = person_timeline(user=user, person=person)
    link, kept_visible = confirmed_duplicate_of(user=user, person=person)
    return PersonFile(
        person=person,
        events=events,
        sections=[str(name) for name, model in SECTIONS.values() if sees(user, model)],
        actions=person_actions(user=user, person=person),
        open_services=[
            s for s in services if s.status in OPEN_SERVICE_STATUSES and can(user, "service_referral.move", person)
        ],
        planned=list(notification_list(user=user).filter(person=person, status="planned").order_by("planned_on"))
        if sees(user, CustomNotification)
        else [],
        may_write_legal_assessment=can_some(user, "notification.legal_assessment"),
        consent_panel=consent_panel(user=user, person=person),
        linked_into=link,
        linked_into_visible=kept_visible,
    )
