"""What the staff desk shows, read through the domain selectors (so the access policy holds):
the home page of each role, and a person's file (the person page).

The desk composes every step of the work, so it sits above the domain apps; it decides no
visibility of its own. Which records and fields a reader gets is the selectors' (the access
policy); which of them are *theirs to act on* (a peer's caseload, a manager's unassigned
referrals) is the desk's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vip.casework.choices import NeedDomain, NeedLevel
from vip.casework.models import CaseNote, Contact, NeedItem, NeedsAssessment
from vip.casework.selectors import case_note_list, contact_list, need_item_list, needs_assessment_list
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
from vip.people.models import Correction, Person, PersonAlias, PersonLink
from vip.people.selectors import alias_list, confirmed_duplicate_of, correction_list, person_list
from vip.referrals.models import Referral
from vip.referrals.selectors import referral_list
from vip.service_referrals.models import ConsentRecipient, ServiceReferral, ServiceReferralStatusChange
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


# A note longer than this is folded on the timeline (``<details>``).
FOLD_AT = 160


@dataclass(frozen=True)
class Event:
    day: dt.date
    kind: str
    text: str
    detail: str = ""
    # When in the day (a moment recorded, else when it was written down): the order within a day.
    moment: dt.datetime | None = None
    correct: str = ""  # the address of the page that corrects or voids it ("": not the reader's)
    has_time: bool = False

    @property
    def long(self) -> bool:
        return len(self.text) > FOLD_AT

    @property
    def short(self) -> str:
        return self.text[:FOLD_AT].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True)
class NeedsRow:
    assessment: NeedsAssessment
    levels: list[tuple[str, str]] | None  # (domain, level) as words; None: withheld from the reader
    summary: str
    correct: str


@dataclass(frozen=True)
class HistoryRow:
    correction: Correction
    what: str  # the entry, as the page names it
    previous: list[tuple[str, str]]  # (field, previous value) the reader sees


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
    aliases: list[PersonAlias] = field(default_factory=list)
    referrals: list[tuple[Referral, str]] = field(default_factory=list)  # (referral, correct url)
    contacts: list[tuple[Contact, str, str]] = field(default_factory=list)  # (contact, summary, correct url)
    needs: list[NeedsRow] = field(default_factory=list)
    services: list[tuple[ServiceReferral, list[Any], str]] = field(default_factory=list)
    history: list[HistoryRow] = field(default_factory=list)
    shows_history: bool = False
    may_edit: bool = False
    may_assign: bool = False
    may_remove_alias: bool = False
    may_print: bool = False
    demographics: list[tuple[str, str]] = field(default_factory=list)
    map_url: str = ""


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


def _correct_url(user: Any, kind: str, action: str, record: Any) -> str:
    """The page correcting ``record``, if the reader may correct it."""
    if getattr(record, "voided_at", None) is not None or not can(user, action, record):
        return ""
    return reverse("desk:correct", args=[record.person_id, kind, record.pk])


def _at_noon(day: dt.date, zone: Any) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=zone)


@dataclass
class Shown:
    """The person's records that both the timeline and the case file's sections show, read once
    (each through its selector; None: the reader's role does not see that kind)."""

    referrals: list[Referral] | None
    contacts: list[Contact] | None
    assessments: list[NeedsAssessment] | None


def shown_records(*, user: Any, person: Person) -> Shown:
    return Shown(
        referrals=list(referral_list(user=user).filter(person=person).order_by("-received_on", "-pk"))
        if sees(user, Referral)
        else None,
        contacts=list(contact_list(user=user).filter(person=person).select_related("by").order_by("-contacted_at"))
        if sees(user, Contact)
        else None,
        assessments=list(
            needs_assessment_list(user=user)
            .filter(person=person)
            .select_related("assessed_by")
            .order_by("-assessed_on")
        )
        if sees(user, NeedsAssessment)
        else None,
    )


def person_timeline(
    *, user: Any, person: Person, shown: Shown | None = None
) -> tuple[list[Event], list[ServiceReferral]]:
    """The person's records the reader sees, newest first (entries of one day by their time, else
    by when they were written down), each kind read through its selector (a kind the reader's
    role does not see is left out); and the service referrals. Voided entries are left out."""
    events: list[Event] = []
    zone = program_zone()
    shown = shown or shown_records(user=user, person=person)
    if shown.referrals is not None:
        for r in shown.referrals:
            events.append(
                Event(
                    r.received_on,
                    _("Referral"),
                    f"{r.get_source_display()}: {r.referred_by}".rstrip(": "),
                    r.get_status_display(),
                    moment=r.created_at,
                    correct=_correct_url(user, "referral", "referral.correct", r),
                )
            )
    if sees(user, NotificationAttempt):
        for a in attempt_list(user=user).filter(person=person).select_related(None):
            team = ", ".join(_team_role(role) for role in a.team_roles)
            moment = a.attempted_at or a.created_at
            events.append(
                Event(
                    a.attempted_on,
                    _("Custom notification"),
                    a.get_outcome_display(),
                    _("team: %(team)s") % {"team": team} if team else "",
                    moment=moment,
                    has_time=a.attempted_at is not None,
                    correct=_correct_url(user, "attempt", "notification.attempt_correct", a),
                )
            )
            if a.notes:
                events.append(
                    Event(a.attempted_on, _("Visit notes"), a.notes, moment=moment, has_time=a.attempted_at is not None)
                )
    services: list[ServiceReferral] = []
    if sees(user, ServiceReferral):
        services = list(
            service_referral_list(user=user).filter(person=person).select_related(None).select_related("category")
        )
    for s in services:
        events.append(
            Event(
                s.referred_on,
                _("Service referral"),
                f"{s.category.name}: {s.get_status_display()}",
                s.provider,
                moment=s.created_at,
                correct=_correct_url(user, "service", "service_referral.correct", s),
            )
        )
        if s.connected_on:
            events.append(
                Event(
                    s.connected_on,
                    _("Service connected"),
                    s.category.name,
                    s.provider,
                    moment=_at_noon(s.connected_on, zone),
                )
            )
    if sees(user, Outcome):
        for o in outcome_list(user=user).filter(person=person).select_related(None):
            events.append(
                Event(
                    o.occurred_on,
                    _("Outcome"),
                    o.get_type_display(),
                    o.source_ref,
                    moment=o.created_at,
                    correct=_correct_url(user, "outcome", "outcome.correct", o),
                )
            )
    if sees(user, Incident):
        for i in incident_list(user=user).filter(involvements__person=person).select_related(None).distinct():
            events.append(
                Event(
                    i.occurred_on,
                    _("Incident"),
                    f"{i.get_type_display()} {i.key}",
                    moment=i.occurred_at,
                    has_time=True,
                )
            )
    if shown.contacts is not None:
        for c in shown.contacts:
            minutes = _("%(minutes)s min") % {"minutes": c.minutes} if c.minutes else ""
            text = _or_withheld(user, Contact, "summary", c.summary)
            events.append(
                Event(
                    local_date(c.contacted_at, zone),
                    _("Contact"),
                    " · ".join(x for x in (c.get_kind_display(), minutes) if x),
                    text,
                    moment=c.contacted_at,
                    has_time=True,
                    correct=_correct_url(user, "contact", "casework.correct", c),
                )
            )
    if sees(user, CaseNote):
        for n in case_note_list(user=user).filter(person=person):
            events.append(
                Event(
                    local_date(n.written_at, zone),
                    _("Case note"),
                    _or_withheld(user, CaseNote, "text", n.text),
                    moment=n.written_at,
                    has_time=True,
                    correct=_correct_url(user, "note", "casework.correct", n),
                )
            )
    if shown.assessments is not None:
        for assessment in shown.assessments:
            events.append(
                Event(
                    assessment.assessed_on,
                    _("Needs assessment"),
                    _or_withheld(user, NeedsAssessment, "summary", assessment.summary),
                    moment=assessment.created_at,
                    correct=_correct_url(user, "needs", "casework.correct", assessment),
                )
            )
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    events.sort(key=lambda e: (e.day, e.moment or floor), reverse=True)
    return events, services


# The kinds of entry whose corrections a reader may see: those whose records their role sees.
HISTORY_KINDS: dict[type[Any], str] = {
    NotificationAttempt: "notifications.notificationattempt",
    Contact: "casework.contact",
    CaseNote: "casework.casenote",
    NeedsAssessment: "casework.needsassessment",
    Outcome: "outcomes.outcome",
    Referral: "referrals.referral",
    ServiceReferral: "service_referrals.servicereferral",
}


def _describe(user: Any, person: Person, kinds: set[str]) -> dict[tuple[str, str], tuple[type[Any], str]]:
    """Each entry of the person a correction may name, voided ones too, as the page names it."""
    zone = program_zone()
    found: dict[tuple[str, str], tuple[type[Any], str]] = {}

    def add(model: type[Any], label: str, rows: Any, words: Callable[[Any], str]) -> None:
        if HISTORY_KINDS[model] in kinds:
            for row in rows:
                found[(HISTORY_KINDS[model], str(row.pk))] = (model, f"{label} {words(row)}")

    seen = HISTORY_MODELS(user)  # the policy asked once, not once per kind of entry
    if NotificationAttempt in seen:
        add(
            NotificationAttempt,
            str(_("Notification attempt")),
            attempt_list(user=user, include_voided=True).filter(person=person),
            lambda a: f"{a.attempted_on:%Y-%m-%d} ({a.get_outcome_display().lower()})",
        )
    if Contact in seen:
        add(
            Contact,
            str(_("Contact")),
            contact_list(user=user, include_voided=True).filter(person=person),
            lambda c: f"{local_date(c.contacted_at, zone):%Y-%m-%d} ({c.get_kind_display().lower()})",
        )
    if CaseNote in seen:
        add(
            CaseNote,
            str(_("Case note")),
            case_note_list(user=user, include_voided=True).filter(person=person),
            lambda n: f"{local_date(n.written_at, zone):%Y-%m-%d}",
        )
    if NeedsAssessment in seen:
        add(
            NeedsAssessment,
            str(_("Needs assessment")),
            needs_assessment_list(user=user, include_voided=True).filter(person=person),
            lambda n: f"{n.assessed_on:%Y-%m-%d}",
        )
    if Outcome in seen:
        add(
            Outcome,
            str(_("Outcome")),
            outcome_list(user=user, include_voided=True).filter(person=person),
            lambda o: f"{o.occurred_on:%Y-%m-%d} ({o.get_type_display().lower()})",
        )
    if Referral in seen:
        add(
            Referral,
            str(_("Referral")),
            referral_list(user=user, include_voided=True).filter(person=person),
            lambda r: f"{r.received_on:%Y-%m-%d} ({r.get_source_display().lower()})",
        )
    if ServiceReferral in seen:
        add(
            ServiceReferral,
            str(_("Service referral")),
            service_referral_list(user=user, include_voided=True).filter(person=person),
            lambda s: f"{s.referred_on:%Y-%m-%d} ({s.category.name})",
        )
    return found


def HISTORY_MODELS(user: Any) -> list[type[Any]]:  # noqa: N802
    """The kinds of entry the reader's role sees (their corrections only are shown)."""
    return [model for model in HISTORY_KINDS if sees(user, model)]


def _previous_shown(model: type[Any], name: str, value: Any) -> str:
    """A kept previous value as the page shows it: a moment (kept as ISO text, in UTC) in the
    program's time zone, to the minute, as the entry itself is shown."""
    if value is None:
        return ""
    field = next((f for f in model._meta.concrete_fields if f.name == name), None)
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(program_zone()).strftime("%Y-%m-%d %H:%M")
    return str(value)


def person_history(*, user: Any, person: Person) -> tuple[bool, list[HistoryRow]]:
    """The corrections and voidings of the person's entries the reader sees, newest first, each
    previous value only where the access policy shows the reader that field of the entry."""
    if not sees(user, Correction):
        return False, []
    kinds = {HISTORY_KINDS[m] for m in HISTORY_MODELS(user)}
    corrections = list(correction_list(user=user, kinds=kinds).filter(person=person))
    if not corrections:
        return True, []  # most people: nothing corrected, and their entries need not be read again
    entries = _describe(user, person, kinds)
    rows: list[HistoryRow] = []
    for c in corrections:
        found = entries.get((c.target_type, c.target_id))
        if found is None:
            continue  # an entry the reader does not see (another's, a health referral...)
        model, what = found
        previous: list[tuple[str, str]] = []
        values: dict[str, Any] = dict(c.previous or {})
        if c.previous_protected:
            values.update(json.loads(c.previous_protected))
        for name in c.fields:
            if name == "needs":
                if sees(user, NeedItem):
                    levels = values.get("needs") or {}
                    shown = ", ".join(f"{_domain(d)}: {_level(v)}" for d, v in sorted(levels.items()))
                    previous.append((str(_("needs")), shown))
                continue
            if name in values and shows(user, model, name):
                previous.append((str(_field_label(model, name)), _previous_shown(model, name, values[name])))
            else:
                previous.append((str(_field_label(model, name)), str(_("withheld from your role"))))
        rows.append(HistoryRow(c, what, previous))
    return True, rows


def _field_label(model: type[Any], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _domain(code: str) -> str:
    try:
        return str(NeedDomain(code).label)
    except ValueError:
        return code


def _level(code: str) -> str:
    try:
        return str(NeedLevel(code).label).lower()
    except ValueError:
        return code


def person_details(
    *, user: Any, person: Person, services: list[ServiceReferral], shown: Shown | None = None
) -> dict[str, Any]:
    """The case file's sections beyond the timeline: aliases, referrals, contacts, needs per
    domain, service referrals with their status history; each read through its selector."""
    out: dict[str, Any] = {"aliases": [], "referrals": [], "contacts": [], "needs": [], "services": []}
    shown = shown or shown_records(user=user, person=person)
    if sees(user, PersonAlias):
        out["aliases"] = list(alias_list(user=user).filter(person=person).order_by("pk"))
    if shown.referrals is not None:
        out["referrals"] = [(r, _correct_url(user, "referral", "referral.correct", r)) for r in shown.referrals]
    if shown.contacts is not None:
        out["contacts"] = [
            (
                c,
                _or_withheld(user, Contact, "summary", c.summary),
                _correct_url(user, "contact", "casework.correct", c),
            )
            for c in shown.contacts
        ]
    if shown.assessments is not None:
        assessments = shown.assessments
        items: dict[int, list[tuple[str, str]]] | None = None
        if sees(user, NeedItem):
            items = {}
            for item in need_item_list(user=user).filter(assessment__in=assessments).order_by("domain"):
                items.setdefault(item.assessment_id, []).append((_domain(item.domain), item.get_level_display()))
        out["needs"] = [
            NeedsRow(
                a,
                None if items is None else items.get(a.pk, []),
                _or_withheld(user, NeedsAssessment, "summary", a.summary),
                _correct_url(user, "needs", "casework.correct", a),
            )
            for a in assessments
        ]
    if services:
        from vip.core.access import visible

        changes: dict[int, list[Any]] = {}
        for change in visible(
            ServiceReferralStatusChange.objects.filter(service_referral__in=services).order_by("changed_on", "pk"),
            user,
        ):
            changes.setdefault(change.service_referral_id, []).append(change)
        out["services"] = [
            (s, changes.get(s.pk, []), _correct_url(user, "service", "service_referral.correct", s))
            for s in sorted(services, key=lambda s: (s.referred_on, s.pk), reverse=True)
        ]
    return out


def demographics(person: Person) -> list[tuple[str, str]]:
    unknown = str(_("unknown"))
    return [
        (str(_("Sex")), person.get_sex_display() or unknown),
        (str(_("Race")), person.get_race_display() or unknown),
        (str(_("Ethnicity")), person.get_ethnicity_display() or unknown),
    ]


def map_url(person: Person) -> str:
    """A map search of the person's address (OpenStreetMap), or "" without one."""
    parts = [person.address, person.city, person.state, person.postal_code]
    text = ", ".join(p for p in parts if p)
    if not person.address:
        return ""
    return "https://www.openstreetmap.org/search?" + urlencode({"query": text})


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
    shown = shown_records(user=user, person=person)
    events, services = person_timeline(user=user, person=person, shown=shown)
    link, kept_visible = confirmed_duplicate_of(user=user, person=person)
    details = person_details(user=user, person=person, services=services, shown=shown)
    shows_history, history = person_history(user=user, person=person)
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
        aliases=details["aliases"],
        referrals=details["referrals"],
        contacts=details["contacts"],
        needs=details["needs"],
        services=details["services"],
        history=history,
        shows_history=shows_history,
        may_edit=can(user, "person.update", person),
        may_assign=can(user, "person.assign_peer", person),
        may_remove_alias=can(user, "person.alias_remove", person),
        may_print=can(user, "person.summary_pdf", person),
        demographics=demographics(person),
        map_url=map_url(person),
    )
