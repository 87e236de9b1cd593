"""Groups and call-ins: the list of groups, a group's page (members as the reader sees them, the
call-ins it was invited to, the groups it shares members with), the network, the call-ins and their
attendance; the forms that record them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.accounts.models import User
from vip.audit.reads import person_page, record_or_404
from vip.audit.services import audit_read
from vip.core.access import can, can_some, require_some, sees, shows
from vip.core.config import program_today, program_zone
from vip.core.errors import ConflictError
from vip.core.forms import LARGEST_INTEGER
from vip.core.paging import paginate, wants_partial
from vip.core.views import form_page, submit
from vip.groups.forms import (
    CallInForm,
    CallInQueueForm,
    GroupForm,
    GroupQueueForm,
    MembershipEndForm,
    MembershipForm,
    VoidForm,
)
from vip.groups.models import CallIn, CallInAttendance, Group, GroupMembership
from vip.groups.selectors import (
    attendance_counts,
    attendance_list,
    call_in_list,
    current_memberships,
    group_list,
    linked_groups,
    member_counts,
    membership_list,
    network,
)
from vip.groups.services import (
    attendance_record,
    call_in_record,
    call_in_update,
    group_record,
    group_update,
    membership_add,
    membership_end,
    membership_sources,
    membership_void,
)
from vip.people.models import Correction
from vip.people.selectors import correction_list, person_list, person_matches

# At most this many people are offered by a search on the add-a-member page.
SEARCH_MAX = 25
# At most this many rows are taken from one attendance form.
ATTENDANCE_MAX = 500


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


# --- groups -----------------------------------------------------------------------------------------


@never_cache
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The groups, with their current members as the reader sees them, filtered and paged."""
    user = _user(request)
    groups = group_list(user=user)  # refuses roles that see no groups, before anything
    form = GroupQueueForm(request.GET)
    page = paginate(request, form.narrow(groups))
    shown = list(page.object_list)
    counts = member_counts(user=user, groups=shown) if sees(user, GroupMembership) else {}
    context = {
        "form": form,
        "page": page,
        "rows": [(g, counts.get(g.pk)) for g in shown],
        "counts": sees(user, GroupMembership),
        "may_record": can_some(user, "group.record"),
    }
    template = "groups/_index_results.html" if wants_partial(request) else "groups/index.html"
    return render(request, template, context)


@never_cache
def group_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_some(user, "group.record")
    form = GroupForm(request.POST or None, notes=shows(user, Group, "notes"), editing=False)
    done = submit(
        request,
        form,
        lambda data: group_record(
            actor=user, name=data["name"], area=data["area"], aliases=data["aliases"], notes=data.get("notes", "")
        ),
        on_success=lambda group: reverse("groups:group", args=[group.pk]),
    )
    return done or form_page(
        request, form, title=_("New group"), submit=_("Record group"), cancel=reverse("groups:index")
    )


@never_cache
def group_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    user = _user(request)
    group = record_or_404(request, group_list, group_id, action="group.record")
    notes = shows(user, Group, "notes")
    initial = {
        "name": group.name,
        "aliases": group.aliases,
        "area": group.area,
        "notes": group.notes,
        "active": group.active,
        "version": group.version,
    }
    form = GroupForm(request.POST or None, initial=initial, notes=notes, editing=True)

    def save(data: dict[str, Any]) -> object:
        values = {name: data[name] for name in ("name", "aliases", "area", "active")}
        if notes:
            values["notes"] = data["notes"]
        version = data["version"] if data["version"] is not None else group.version
        return group_update(actor=user, group=group, expected_version=version, **values)

    back = reverse("groups:group", args=[group.pk])
    done = submit(request, form, save, on_success=back)
    return done or form_page(request, form, title=_("Change %(group)s") % {"group": group.name}, cancel=back)


@dataclass(frozen=True)
class MemberRow:
    membership: GroupMembership
    reason: Correction | None  # why it was voided, where the reader sees corrections
    may_end: bool
    may_void: bool


@never_cache
@require_GET
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    """A group: its members as the reader sees them (current, then past; voided ones on request,
    with the reason where the reader sees it), the call-ins it was invited to, its links."""
    user = _user(request)
    group = record_or_404(request, group_list, group_id, audit=False)  # audited below, with who is shown
    with_voided = request.GET.get("voided") == "1"
    members: list[GroupMembership] = []
    reasons: dict[str, Correction] = {}
    if sees(user, GroupMembership):
        members = list(membership_list(user=user, include_voided=with_voided).filter(group=group))
        members.sort(key=lambda m: (m.voided_at is not None, m.member_to is not None, m.person.last_name.lower()))
        voided = [str(m.pk) for m in members if m.voided_at is not None]
        if voided and sees(user, Correction):
            found = correction_list(user=user, kinds={"groups.groupmembership"}).filter(target_id__in=voided)
            reasons = {c.target_id: c for c in found}
    rows = [
        MemberRow(
            membership=m,
            reason=reasons.get(str(m.pk)),
            may_end=m.voided_at is None and can(user, "group.member_end", m),
            may_void=m.voided_at is None and can(user, "group.member_correct", m),
        )
        for m in members
    ]
    call_ins = list(call_in_list(user=user).filter(groups=group)) if sees(user, CallIn) else []
    links = linked_groups(user=user, group=group) if sees(user, GroupMembership) else []
    audit_read(
        actor=user,
        action="group.read",
        target=group,
        shown=sorted({m.person_id for m in members}),
        details={"voided": with_voided},
    )
    current = {r.membership.person_id for r in rows if r.membership.current}
    return render(
        request,
        "groups/group.html",
        {
            "group": group,
            "rows": rows,
            "current_count": len(current),
            "sees_members": sees(user, GroupMembership),
            "with_voided": with_voided,
            "call_ins": call_ins,
            "links": links,
            "shows_notes": shows(user, Group, "notes"),
            "may_edit": can(user, "group.record", group),
            "may_add": can_some(user, "group.member_add"),
            "may_call_in": can_some(user, "call_in.record"),
        },
    )


def _addable_people(user: User) -> Any:
    """The people the user may add to a group: a peer worker's own caseload; anyone they see, for
    the others."""
    people = person_list(user=user)
    if not can(user, "group.member_add", None) and can_some(user, "group.member_add"):
        people = people.filter(assigned_peer=user)  # a caseload scope: only their own people
    return people


@never_cache
def membership_new(request: HttpRequest, group_id: int) -> HttpResponse:
    """Add a member to a group: the person found by name (a peer worker: picked from their caseload)."""
    user = _user(request)
    require_some(user, "group.member_add")
    group = record_or_404(request, group_list, group_id)
    people = _addable_people(user)
    query = (request.GET.get("q") or "").strip()[:200]
    caseload = not can(user, "group.member_add", None)
    if query:
        found = list(person_matches(user=user, query=query).filter(pk__in=people.values("pk"))[:SEARCH_MAX])
    elif caseload:
        found = list(people.order_by("last_name", "first_name", "pk")[:200])
    else:
        found = []
    form = MembershipForm(
        request.POST or None,
        initial={"member_from": program_today()},
        sources=membership_sources(user),
        people=people,
        shown=found,
    )
    if request.method == "GET" and found:
        audit_read(actor=user, action="person.search", object_type="people.person", shown=[p.pk for p in found])
    back = reverse("groups:group", args=[group.pk])
    done = submit(
        request,
        form,
        lambda data: membership_add(
            actor=user,
            group=group,
            person=data["person"],
            member_from=data["member_from"],
            member_to=data["member_to"],
            source=data["source"],
        ),
        on_success=back,
    )
    return done or render(
        request,
        "groups/membership_new.html",
        {"group": group, "form": form, "query": query, "found": found, "caseload": caseload, "back": back},
    )


@person_page(person_list, "person_id")
@never_cache
def person_membership_new(request: HttpRequest, person_id: int) -> HttpResponse:
    """Add a person to a group, from their case file."""
    user = _user(request)
    person = record_or_404(request, person_list, person_id, action="group.member_add")
    form = MembershipForm(
        request.POST or None,
        initial={"member_from": program_today()},
        sources=membership_sources(user),
        groups=group_list(user=user).filter(active=True).order_by("name"),
    )
    back = reverse("desk:person", args=[person.pk])
    done = submit(
        request,
        form,
        lambda data: membership_add(
            actor=user,
            group=data["group"],
            person=person,
            member_from=data["member_from"],
            member_to=data["member_to"],
            source=data["source"],
        ),
        on_success=back,
    )
    return done or form_page(
        request,
        form,
        title=_("Add %(person)s to a group") % {"person": person},
        submit=_("Add to the group"),
        cancel=back,
    )


@person_page(membership_list, "membership_id")
@never_cache
def membership_end_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    user = _user(request)
    membership = record_or_404(request, membership_list, membership_id, action="group.member_end")
    form = MembershipEndForm(
        request.POST or None,
        initial={"member_to": membership.member_to or program_today(), "version": membership.version},
    )
    back = reverse("groups:group", args=[membership.group_id])
    done = submit(
        request,
        form,
        lambda data: membership_end(
            actor=user, membership=membership, member_to=data["member_to"], expected_version=data["version"]
        ),
        on_success=back,
    )
    return done or form_page(
        request,
        form,
        title=_("%(person)s left %(group)s") % {"person": membership.person, "group": membership.group.name},
        subtitle=_("Member since %(day)s (%(source)s).")
        % {"day": f"{membership.member_from:%Y-%m-%d}", "source": membership.get_source_display()},
        submit=_("Save the day it ended"),
        cancel=back,
    )


@person_page(membership_list, "membership_id")
@never_cache
def membership_void_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    user = _user(request)
    membership = record_or_404(request, membership_list, membership_id, action="group.member_correct")
    form = VoidForm(request.POST or None, initial={"version": membership.version})
    back = reverse("groups:group", args=[membership.group_id])
    done = submit(
        request,
        form,
        lambda data: membership_void(
            actor=user, membership=membership, reason=data["reason"], expected_version=data["version"]
        ),
        on_success=back,
        message=_("The membership was voided; it is kept as history."),
    )
    return done or form_page(
        request,
        form,
        title=_("Void the membership of %(person)s in %(group)s")
        % {"person": membership.person, "group": membership.group.name},
        subtitle=_("Member since %(day)s (%(source)s). The entry is kept, marked void, with your reason.")
        % {"day": f"{membership.member_from:%Y-%m-%d}", "source": membership.get_source_display()},
        submit=_("Void"),
        cancel=back,
    )


# --- the network -------------------------------------------------------------------------------------


@never_cache
@require_GET
def network_view(request: HttpRequest) -> HttpResponse:
    """The network the program plans custom notifications over: each active group with its current
    members, and the links between groups (people in both), as the reader sees them."""
    user = _user(request)
    group_list(user=user)  # refuses roles that see no groups
    if not sees(user, GroupMembership):
        return render(request, "groups/network.html", {"net": None})
    net = network(user=user)
    audit_read(actor=user, action="group.network_read", object_type="people.person", shown=net.people())
    return render(request, "groups/network.html", {"net": net})


# --- call-ins ------------------------------------------------------------------------------------------


@never_cache
@require_GET
def call_ins(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    found = call_in_list(user=user)
    form = CallInQueueForm(request.GET)
    page = paginate(request, form.narrow(found, program_zone()))
    shown = list(page.object_list)
    counts = attendance_counts(user=user, call_ins=shown)
    context = {
        "form": form,
        "page": page,
        "rows": [(c, counts[c.pk]) for c in shown],
        "counts": sees(user, CallInAttendance),
        "may_record": can_some(user, "call_in.record"),
    }
    template = "groups/_call_ins_results.html" if wants_partial(request) else "groups/call_ins.html"
    return render(request, template, context)


def _local(moment: Any) -> Any:
    return timezone.localtime(moment, program_zone()).replace(second=0, microsecond=0, tzinfo=None)


def _aware(moment: Any) -> Any:
    return moment.replace(tzinfo=program_zone()) if timezone.is_naive(moment) else moment


@never_cache
def call_in_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_some(user, "call_in.record")
    groups = group_list(user=user).filter(active=True).order_by("name")
    initial = {"held_at": _local(timezone.now())}
    if chosen := request.GET.get("group", ""):
        initial["groups"] = [pk] if (pk := _number(chosen)) else []
    form = CallInForm(request.POST or None, initial=initial, groups=groups, editing=False)
    done = submit(
        request,
        form,
        lambda data: call_in_record(
            actor=user,
            held_at=_aware(data["held_at"]),
            place=data["place"],
            groups=list(data["groups"]),
            area=data["area"],
            notes=data["notes"],
        ),
        on_success=lambda call_in: reverse("groups:call_in", args=[call_in.pk]),
    )
    return done or form_page(
        request, form, title=_("Record a call-in"), submit=_("Record call-in"), cancel=reverse("groups:call_ins")
    )


@never_cache
def call_in_edit(request: HttpRequest, call_in_id: int) -> HttpResponse:
    user = _user(request)
    call_in = record_or_404(request, call_in_list, call_in_id, action="call_in.record")
    groups = group_list(user=user).order_by("name")
    initial = {
        "held_at": _local(call_in.held_at),
        "place": call_in.place,
        "area": call_in.area,
        "groups": list(call_in.groups.all()),
        "notes": call_in.notes,
        "version": call_in.version,
    }
    form = CallInForm(request.POST or None, initial=initial, groups=groups, editing=True)
    back = reverse("groups:call_in", args=[call_in.pk])

    def save(data: dict[str, Any]) -> object:
        return call_in_update(
            actor=user,
            call_in=call_in,
            expected_version=data["version"] if data["version"] is not None else call_in.version,
            held_at=_aware(data["held_at"]),
            place=data["place"],
            area=data["area"],
            groups=list(data["groups"]),
            notes=data["notes"],
        )

    done = submit(request, form, save, on_success=back)
    return done or form_page(request, form, title=_("Change the call-in"), cancel=back)


def _attendance_rows(user: User, call_in: CallIn) -> list[dict[str, Any]]:
    """Who the reader sees at this call-in: everyone with a record of attendance, then the current
    members of the invited groups without one yet (all as the reader sees them)."""
    rows: dict[int, dict[str, Any]] = {}
    if sees(user, CallInAttendance):
        for a in attendance_list(user=user).filter(call_in=call_in).order_by("person__last_name", "person__pk"):
            rows[a.person_id] = {"person": a.person, "record": a, "invited": a.invited, "attended": a.attended}
    if sees(user, GroupMembership):
        groups = [g.pk for g in call_in.groups.all()]
        members = current_memberships(user=user).filter(group__in=groups).order_by("person__last_name", "person__pk")
        for m in members:
            if m.person_id not in rows:
                rows[m.person_id] = {"person": m.person, "record": None, "invited": True, "attended": False}
    for row in rows.values():
        row["may"] = can(user, "call_in.attendance", row["person"])
    return sorted(rows.values(), key=lambda r: (r["person"].last_name.lower(), r["person"].first_name.lower()))


def _number(value: str | None) -> int | None:
    """A record id or version typed into a form or an address: a positive integer a database column
    holds, or None (junk, "²", a number no column holds)."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= LARGEST_INTEGER else None


def _ids(values: list[str]) -> list[int]:
    return [n for v in values[:ATTENDANCE_MAX] if (n := _number(v)) is not None]


def _version(value: str | None) -> int | None:
    return _number(value)


def _save_attendance(request: HttpRequest, user: User, call_in: CallIn, rows: list[dict[str, Any]]) -> int:
    """Record the ticked boxes of the rows the user may change; the rows whose boxes changed only."""
    offered = {r["person"].pk: r for r in rows if r["may"]}
    changed = 0
    with transaction.atomic():
        for person_id in _ids(request.POST.getlist("person")):
            row = offered.get(person_id)
            if row is None:
                continue  # not one the page offered this user
            invited = request.POST.get(f"invited-{person_id}") == "on"
            attended = request.POST.get(f"attended-{person_id}") == "on"
            record = row["record"]
            if record is None and not (invited or attended):
                continue
            if record is not None and (record.invited, record.attended) == (invited, attended):
                continue
            attendance_record(
                actor=user,
                call_in=call_in,
                person=row["person"],
                invited=invited,
                attended=attended,
                expected_version=_version(request.POST.get(f"version-{person_id}")) if record else None,
            )
            changed += 1
    return changed


@never_cache
def call_in_detail(request: HttpRequest, call_in_id: int) -> HttpResponse:
    """A call-in: the groups invited, and who was invited and who attended (as the reader sees it);
    the attendance form for the people the reader may record it for."""
    user = _user(request)
    call_in = record_or_404(request, call_in_list, call_in_id, audit=False)
    rows = _attendance_rows(user, call_in)
    if request.method == "POST":
        require_some(user, "call_in.attendance")
        try:
            changed = _save_attendance(request, user, call_in, rows)
        except (ValidationError, ConflictError) as exc:
            messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(
                request,
                ngettext("Attendance saved for %(n)d person.", "Attendance saved for %(n)d people.", changed)
                % {"n": changed}
                if changed
                else _("Nothing was changed."),
            )
        return redirect("groups:call_in", call_in_id=call_in.pk)
    audit_read(actor=user, action="callin.read", target=call_in, shown=[r["person"].pk for r in rows])
    return render(
        request,
        "groups/call_in.html",
        {
            "call_in": call_in,
            "rows": rows,
            "invited": sum(1 for r in rows if r["record"] and r["record"].invited),
            "attended": sum(1 for r in rows if r["record"] and r["record"].attended),
            "may_record": any(r["may"] for r in rows),
            "may_edit": can(user, "call_in.record", call_in),
        },
    )
