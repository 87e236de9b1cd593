"""The mediation log's pages: the log (filtered, paged), recording a mediation, its page (what the
reader may see of it, its parties, follow-ups and history), and the changes made from it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.accounts.models import User
from vip.audit.reads import person_page, record_or_404, refuse
from vip.audit.services import audit_read
from vip.core.access import can, require_some
from vip.core.config import program_today
from vip.core.models import Area
from vip.core.paging import paginate, wants_partial
from vip.core.views import form_page, submit
from vip.mediations.choices import ChangeKind, MediationOutcome, topic_labels
from vip.mediations.forms import (
    FollowUpForm,
    MediationEditForm,
    MediationForm,
    MediationQueueForm,
    PartyAddForm,
    ReasonForm,
)
from vip.mediations.models import Mediation, MediationChange
from vip.mediations.selectors import (
    Reading,
    change_list,
    follow_up_list,
    mediation_list,
    mediation_records,
    party_list,
    party_views,
    reading,
    with_parties,
)
from vip.mediations.services import (
    mediation_follow_up,
    mediation_follow_up_void,
    mediation_party_add,
    mediation_party_remove,
    mediation_record,
    mediation_update,
    mediation_void,
)
from vip.people.models import Person
from vip.people.selectors import person_list


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _people(user: User) -> Any:
    """The people the reader sees (none: an empty list of them)."""
    try:
        return person_list(user=user)
    except PermissionDenied:
        return Person.objects.none()


def _page(mediation: Mediation) -> str:
    return reverse("mediations:detail", args=[mediation.pk])


# --- the log ------------------------------------------------------------------------------------


@never_cache
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    """The mediation log: newest first, filtered, paged with its true count."""
    user = _user(request)
    mediations = mediation_list(user=user)  # refuses a role that sees none, before anything
    shown = reading(user)
    form = MediationQueueForm(request.GET, content=shown.content, parties=shown.parties, records=shown.parties)
    parties = party_list(user=user) if shown.parties else None
    narrowed = form.narrow(mediations, user=user, parties=parties, people=_people(user) if shown.parties else None)
    if shown.parties:
        narrowed = with_parties(narrowed, user)
    page = paginate(request, narrowed)
    rows = [_row(m, user, shown) for m in page.object_list]
    audit_read(
        actor=user,
        action="mediation.list_read",
        object_type="mediations.mediation",
        shown=[row.mediation.pk for row in rows],
        details={**form.applied(), "sort": form.sort_key(), "page": page.number, "total": page.paginator.count},
    )
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "shown": shown,
        "may_record": can(user, "mediation.record"),
    }
    template = "mediations/_log_results.html" if wants_partial(request) else "mediations/log.html"
    return render(request, template, context)


@dataclass(frozen=True)
class Row:
    mediation: Mediation
    topics: list[str]
    parties: list[Any]


def _row(mediation: Mediation, user: User, shown: Reading) -> Row:
    parties = party_views(user=user, parties=list(getattr(mediation, "shown_parties", []))) if shown.parties else []
    return Row(mediation, topic_labels(mediation.topics) if shown.content else [], parties)


# --- recording one --------------------------------------------------------------------------------


@never_cache
def new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_some(user, "mediation.record")  # a 403 before anything is read
    people = _people(user)
    initial: dict[str, Any] = {"occurred_on": program_today(), "outcome": MediationOutcome.RESOLVED}
    chosen = request.GET.get("person", "")
    if chosen.isdigit() and len(chosen) < 19:
        found = people.filter(pk=int(chosen)).first()
        if found is not None:
            if found.assigned_peer_id == user.pk:
                initial["caseload"] = [str(found.pk)]
            else:
                initial["person_keys"] = found.key
    form = MediationForm(request.POST or None, user=user, people=people, initial=initial)

    def save(data: dict[str, Any]) -> Mediation:
        return mediation_record(
            actor=user,
            occurred_on=data["occurred_on"],
            outcome=data["outcome"],
            topics=data["topics"],
            area=data["area"],
            summary=data["summary"],
            people=form.participants(),
            outside=form.outside_parties(),
        )

    done = submit(request, form, save, on_success=_page, message=_("The mediation was recorded."))
    if done is not None:
        return done
    if "caseload" in form.fields:
        # The form names the people of the reader's caseload: a read of them, on record.
        shown = [p.pk for p in form.caseload.values()]
        audit_read(actor=user, action="mediation.form_read", object_type="people.person", shown=shown)
    return render(request, "mediations/new.html", {"form": form, "title": _("Record a mediation")})


# --- one mediation ----------------------------------------------------------------------------------


def _mediation(request: HttpRequest, mediation_id: int, action: str | None = None, *, audit: bool = True) -> Mediation:
    return record_or_404(request, mediation_records, mediation_id, action=action, audit=audit)


@dataclass(frozen=True)
class Change:
    change: MediationChange
    what: str
    previous: list[tuple[str, str]]


def _previous(change: MediationChange, shown: Reading) -> list[tuple[str, str]]:
    """The values a change replaced, each only where the reader sees that field."""
    labels = {"outcome": _("Outcome"), "area": _("Area"), "topics": _("Topics"), "summary": _("Summary")}
    outcomes = dict(MediationOutcome.choices)
    areas = dict(Area.objects.values_list("code", "name"))
    found: list[tuple[str, str]] = []
    for name, value in change.previous.items():
        if name == "outcome":
            found.append((labels[name], str(outcomes.get(value, value))))
        elif name == "area":
            found.append((labels[name], str(areas.get(value, value)) if value else _("N/A")))
    if shown.content and change.previous_protected:
        for name, value in json.loads(change.previous_protected).items():
            text = ", ".join(topic_labels(value)) if name == "topics" else str(value)
            found.append((str(labels.get(name, name)), text))
    return found


def _what(change: MediationChange, names: dict[int, str]) -> str:
    if change.kind in {ChangeKind.PARTY_ADDED, ChangeKind.PARTY_REMOVED} and change.party_id in names:
        return f"{change.get_kind_display()}: {names[change.party_id]}"
    if change.kind == ChangeKind.FOLLOWED_UP and change.follow_up is not None:
        return _("followed up on %(day)s") % {"day": f"{change.follow_up.followed_up_on:%Y-%m-%d}"}
    if change.kind == ChangeKind.FOLLOW_UP_VOIDED and change.follow_up is not None:
        return _("follow-up of %(day)s voided") % {"day": f"{change.follow_up.followed_up_on:%Y-%m-%d}"}
    return str(change.get_kind_display())


@person_page(mediation_records, "mediation_id")
@never_cache
@require_GET
def detail(request: HttpRequest, mediation_id: int) -> HttpResponse:
    user = _user(request)
    mediation = _mediation(request, mediation_id)
    shown = reading(user)
    parties = (
        party_views(user=user, parties=list(party_list(user=user, include_removed=True).filter(mediation=mediation)))
        if shown.parties
        else []
    )
    follow_ups = list(follow_up_list(user=user, include_voided=True).filter(mediation=mediation))
    names = {v.party.pk: v.name or _("a program participant") for v in parties}
    changes = (
        [Change(c, _what(c, names), _previous(c, shown)) for c in change_list(user=user).filter(mediation=mediation)]
        if shown.history
        else []
    )
    open_ = mediation.voided_at is None
    context = {
        "mediation": mediation,
        "shown": shown,
        "topics": topic_labels(mediation.topics) if shown.content else [],
        "parties": parties,
        "follow_ups": follow_ups,
        "changes": changes,
        "may_update": open_ and can(user, "mediation.update", mediation),
        "may_follow_up": open_ and can(user, "mediation.follow_up", mediation),
        "may_void": open_ and can(user, "mediation.correct", mediation),
        "may_void_follow_up": {f.pk for f in follow_ups if open_ and can(user, "mediation.correct", f)},
    }
    return render(request, "mediations/detail.html", context)


def _back_to(mediation: Mediation) -> str:
    return _page(mediation)


@person_page(mediation_records, "mediation_id")
@never_cache
def edit(request: HttpRequest, mediation_id: int) -> HttpResponse:
    user = _user(request)
    mediation = _mediation(request, mediation_id, "mediation.update")
    if mediation.voided_at is not None:
        raise Http404
    shown = reading(user)
    initial = {"version": mediation.version, "outcome": mediation.outcome, "area": mediation.area_id}
    if shown.content:
        initial |= {"topics": mediation.topics, "summary": mediation.summary}
    form = MediationEditForm(request.POST or None, content=shown.content, initial=initial)

    def save(data: dict[str, Any]) -> Mediation:
        return mediation_update(
            actor=user,
            mediation=mediation,
            expected_version=data["version"],
            outcome=data["outcome"],
            area=data["area"],
            topics=data.get("topics") if shown.content else None,
            summary=data.get("summary") if shown.content else None,
        )

    done = submit(request, form, save, on_success=_back_to(mediation), message=_("The mediation was changed."))
    return done or form_page(
        request,
        form,
        title=_("Change the mediation of %(day)s") % {"day": f"{mediation.occurred_on:%Y-%m-%d}"},
        subtitle=_("What it said before stays in its history."),
        cancel=_back_to(mediation),
    )


@person_page(mediation_records, "mediation_id")
@never_cache
def follow_up(request: HttpRequest, mediation_id: int) -> HttpResponse:
    user = _user(request)
    mediation = _mediation(request, mediation_id, "mediation.follow_up")
    if mediation.voided_at is not None:
        raise Http404
    shown = reading(user)
    form = FollowUpForm(
        request.POST or None,
        content=shown.content,
        initial={"followed_up_on": program_today(), "outcome": mediation.outcome},
    )
    done = submit(
        request,
        form,
        lambda data: mediation_follow_up(
            actor=user,
            mediation=mediation,
            followed_up_on=data["followed_up_on"],
            outcome=data["outcome"],
            note=data.get("note") or "",
        ),
        on_success=_back_to(mediation),
        message=_("The follow-up was recorded."),
    )
    return done or form_page(
        request,
        form,
        title=_("Follow up the mediation of %(day)s") % {"day": f"{mediation.occurred_on:%Y-%m-%d}"},
        submit=_("Record the follow-up"),
        cancel=_back_to(mediation),
    )


@person_page(mediation_records, "mediation_id")
@never_cache
def void(request: HttpRequest, mediation_id: int) -> HttpResponse:
    user = _user(request)
    mediation = _mediation(request, mediation_id, "mediation.correct")
    if mediation.voided_at is not None:
        raise Http404
    form = ReasonForm(request.POST or None, initial={"version": mediation.version})
    done = submit(
        request,
        form,
        lambda data: mediation_void(
            actor=user, mediation=mediation, reason=data["reason"], expected_version=data["version"]
        ),
        on_success=_back_to(mediation),
        message=_("The mediation was voided; it is kept in the history."),
    )
    return done or form_page(
        request,
        form,
        title=_("Void the mediation of %(day)s") % {"day": f"{mediation.occurred_on:%Y-%m-%d}"},
        subtitle=_("A voided mediation leaves the log and the counts; it stays on record with who voided it and why."),
        submit=_("Void the mediation"),
        cancel=_back_to(mediation),
    )


@person_page(mediation_records, "mediation_id")
@never_cache
def follow_up_void(request: HttpRequest, mediation_id: int, mediation_follow_up_id: int) -> HttpResponse:
    user = _user(request)
    mediation = _mediation(request, mediation_id, audit=False)
    found = follow_up_list(user=user).filter(mediation=mediation, pk=mediation_follow_up_id).first()
    if found is None or mediation.voided_at is not None or not can(user, "mediation.correct", found):
        refuse(request, Mediation, mediation.pk)
        raise Http404
    form = ReasonForm(request.POST or None, initial={"version": found.version})
    done = submit(
        request,
        form,
        lambda data: mediation_follow_up_void(
            actor=user, follow_up=found, reason=data["reason"], expected_version=data["version"]
        ),
        on_success=_back_to(mediation),
        message=_("The follow-up was voided; it is kept in the history."),
    )
    return done or form_page(
        request,
        form,
        title=_("Void the follow-up of %(day)s") % {"day": f"{found.followed_up_on:%Y-%m-%d}"},
        submit=_("Void the follow-up"),
        cancel=_back_to(mediation),
    )


@person_page(mediation_records, "mediation_id")
@never_cache
def party_add(request: HttpRequest, mediation_id: int) -> HttpResponse:
    user = _user(request)
    mediation = _mediation(request, mediation_id, "mediation.update")
    if mediation.voided_at is not None:
        raise Http404
    form = PartyAddForm(
        request.POST or None, user=user, people=_people(user), initial={"version": mediation.version, "caseload": ""}
    )
    done = submit(
        request,
        form,
        lambda data: mediation_party_add(
            actor=user,
            mediation=mediation,
            expected_version=data["version"],
            person=data["person"],
            outside=form.outside(),
            role=data["role"],
        ),
        on_success=_back_to(mediation),
        message=_("The party was added."),
    )
    return done or form_page(
        request,
        form,
        title=_("Add a party to the mediation of %(day)s") % {"day": f"{mediation.occurred_on:%Y-%m-%d}"},
        subtitle=_("A participant of the program, or someone not enrolled (an outside party)."),
        submit=_("Add the party"),
        cancel=_back_to(mediation),
    )


@person_page(mediation_records, "mediation_id")
@never_cache
def party_remove(request: HttpRequest, mediation_id: int, mediation_party_id: int) -> HttpResponse:
    user = _user(request)
    mediation = _mediation(request, mediation_id, "mediation.update", audit=False)
    try:
        found = party_list(user=user).filter(mediation=mediation, pk=mediation_party_id).first()
    except PermissionDenied:
        found = None
    if found is None or mediation.voided_at is not None:
        refuse(request, Mediation, mediation.pk)
        raise Http404
    view = party_views(user=user, parties=[found])[0]
    form = ReasonForm(request.POST or None, initial={"version": mediation.version})
    done = submit(
        request,
        form,
        lambda data: mediation_party_remove(
            actor=user, party=found, reason=data["reason"], expected_version=data["version"]
        ),
        on_success=_back_to(mediation),
        message=_("The party was taken off the mediation; the history keeps it."),
    )
    who = view.name or _("a program participant")
    return done or form_page(
        request,
        form,
        title=_("Take %(who)s off the mediation of %(day)s") % {"who": who, "day": f"{mediation.occurred_on:%Y-%m-%d}"},
        submit=_("Take off"),
        cancel=_back_to(mediation),
    )
