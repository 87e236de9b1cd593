"""Safety plan screens: the list, a person's plan with its versions and check-ins, an older
version, writing or revising the plan, checking in, voiding a check-in.

Every page about a person is for the readers whose safety plans include that person (a peer
worker: their caseload; a manager: everyone); anyone else gets a 404 and the refusal is on
record. A manager sees that a plan exists, its versions and days and the check-ins' statuses;
the sections and notes are withheld from them (``vip.core.access.policy``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vip.accounts.models import User
from vip.audit.reads import page_name, person_page, record_or_404, refuse
from vip.audit.services import audit_read
from vip.core.access import can, can_some, shows
from vip.core.config import program_today, program_zone
from vip.core.paging import paginate, wants_partial
from vip.core.views import form_page, submit
from vip.people.models import Correction, Person
from vip.people.selectors import correction_list
from vip.safety_plans.choices import SECTION_NAMES, SECTIONS
from vip.safety_plans.forms import CheckInForm, SafetyPlanForm, SafetyPlanQueueForm, VoidForm
from vip.safety_plans.models import SafetyCheckIn, SafetyPlan, SafetyPlanVersion
from vip.safety_plans.selectors import (
    CHECK_IN_DUE_DAYS,
    check_in_due_since,
    check_in_overdue,
    people_without_plan,
    safety_check_in_list,
    safety_plan_list,
    safety_plan_of,
    safety_plan_people,
    safety_plan_versions,
)
from vip.safety_plans.services import safety_check_in_record, safety_check_in_void, safety_plan_write


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _plan_url(person: Person) -> str:
    return reverse("safety_plans:plan", args=[person.pk])


# --- the list -------------------------------------------------------------------------------------


@never_cache
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The plans the reader sees with their last check-in, or the people on the caseload without a
    plan yet; filtered, paged with the true count. The read is audited with who was shown."""
    user = _user(request)
    plans = safety_plan_list(user=user)  # refuses roles that see no safety plans, before anything
    form = SafetyPlanQueueForm(request.GET)
    due_since = check_in_due_since()
    if form.no_plan():
        page = paginate(request, form.narrow_people(people_without_plan(user=user)))
        rows: list[Any] = [(p, can(user, "safety_plan.write", p)) for p in page.object_list]
        object_type, ids = "people.person", [p.pk for p, _may in rows]
    else:
        page = paginate(request, form.narrow(plans))
        rows = [(p, check_in_overdue(p, due_since), can(user, "safety_plan.check_in", p)) for p in page.object_list]
        object_type, ids = "safety_plans.safetyplan", [p.pk for p, _due, _may in rows]
    audit_read(
        actor=user,
        action="safety_plan.list_read",
        object_type=object_type,
        shown=ids,
        details={**form.applied(), "sort": form.sort_key(), "page": page.number, "total": page.paginator.count},
    )
    context = {"form": form, "page": page, "rows": rows, "no_plan": form.no_plan(), "due_days": CHECK_IN_DUE_DAYS}
    template = "safety_plans/_index_results.html" if wants_partial(request) else "safety_plans/index.html"
    return render(request, template, context)


# --- a person's plan ------------------------------------------------------------------------------


@dataclass
class VersionRow:
    version: SafetyPlanVersion
    # The labels of the sections that differ from the version before (None: not shown to the reader,
    # or the first version).
    changed: list[str] | None
    first: bool


@dataclass
class CheckInRow:
    check_in: SafetyCheckIn
    voiding: Correction | None
    may_void: bool


@dataclass
class PlanFile:
    """What the reader sees of one person's safety plan."""

    plan: SafetyPlan | None
    versions: list[VersionRow] = field(default_factory=list)
    check_ins: list[CheckInRow] = field(default_factory=list)
    shows_sections: bool = False
    shows_notes: bool = False
    may_write: bool = False
    may_check_in: bool = False

    @property
    def current(self) -> SafetyPlanVersion | None:
        return self.versions[0].version if self.versions else None


def sections_of(version: SafetyPlanVersion | None) -> list[tuple[str, str]]:
    """(label, text) of each section of a version, in the plan's order."""
    if version is None:
        return []
    return [(str(label), getattr(version, name)) for name, label, _help in SECTIONS]


def _changed(newer: SafetyPlanVersion, older: SafetyPlanVersion) -> list[str]:
    return [str(label) for name, label, _help in SECTIONS if getattr(newer, name) != getattr(older, name)]


def _voidings(user: User, person: Person) -> dict[str, Correction]:
    """Why each voided check-in of the person was voided (the corrections the reader sees)."""
    try:
        found = correction_list(user=user, kinds={SafetyCheckIn._meta.label_lower}).filter(person=person)
    except PermissionDenied:
        return {}
    return {c.target_id: c for c in found if c.kind == Correction.Kind.VOIDED}


def plan_file(user: User, person: Person) -> PlanFile:
    plan = safety_plan_of(user=user, person=person)
    shows_sections = shows(user, SafetyPlanVersion, "warning_signs")
    file = PlanFile(
        plan=plan,
        shows_sections=shows_sections,
        shows_notes=shows(user, SafetyCheckIn, "note"),
        may_write=can(user, "safety_plan.write", person),
        may_check_in=plan is not None and can(user, "safety_plan.check_in", person),
    )
    if plan is None:
        return file
    versions = list(safety_plan_versions(user=user, plan=plan).select_related("by"))
    for newer, older in zip(versions, [*versions[1:], None], strict=True):
        changed = _changed(newer, older) if shows_sections and older is not None else None
        file.versions.append(VersionRow(newer, changed, older is None))
    voidings = _voidings(user, person)
    check_ins = safety_check_in_list(user=user, include_voided=True).filter(person=person).select_related("by")
    for check_in in check_ins:
        may_void = check_in.voided_at is None and can(user, "safety_plan.correct", check_in)
        file.check_ins.append(CheckInRow(check_in, voidings.get(str(check_in.pk)), may_void))
    return file


@person_page(safety_plan_people, "person_id")
@never_cache
@require_GET
def plan(request: HttpRequest, person_id: int) -> HttpResponse:
    """The plan in force, its versions (what changed in each), the check-ins; the steps."""
    user = _user(request)
    person = record_or_404(request, safety_plan_people, person_id)
    file = plan_file(user, person)
    return render(
        request,
        "safety_plans/plan.html",
        {"person": person, "file": file, "sections": sections_of(file.current)},
    )


@person_page(safety_plan_people, "person_id")
@never_cache
@require_GET
def version(request: HttpRequest, person_id: int, safety_plan_version: int) -> HttpResponse:
    """One version of the plan as it was written (an older one, or the one in force)."""
    user = _user(request)
    person = record_or_404(request, safety_plan_people, person_id, audit=False)
    found = safety_plan_of(user=user, person=person)
    versions = list(safety_plan_versions(user=user, plan=found).select_related("by")) if found else []
    chosen = next((v for v in versions if v.number == safety_plan_version), None)
    if found is None or chosen is None:
        refuse(request, Person, person.pk)  # no such version of this person's plan: refused, on record
        raise Http404
    audit_read(actor=user, action="person.read", target=person, details={"page": page_name(request)})
    before = next((v for v in versions if v.number == chosen.number - 1), None)
    shows_sections = shows(user, SafetyPlanVersion, "warning_signs")
    return render(
        request,
        "safety_plans/version.html",
        {
            "person": person,
            "plan": found,
            "chosen": chosen,
            "sections": sections_of(chosen),
            "changed": _changed(chosen, before) if before is not None and shows_sections else None,
            "shows_sections": shows_sections,
            "numbers": [v.number for v in reversed(versions)],
        },
    )


# --- writing, checking in, voiding --------------------------------------------------------------


@person_page(safety_plan_people, "person_id")
@never_cache
def write(request: HttpRequest, person_id: int) -> HttpResponse:
    """The first version of the plan, or a new one: the form holds the sections in force, the
    reason for the revision and the plan's version it started from."""
    user = _user(request)
    person = record_or_404(request, safety_plan_people, person_id, action="safety_plan.write")
    found = safety_plan_of(user=user, person=person)
    current = safety_plan_versions(user=user, plan=found).first() if found else None
    # What the form was opened on decides: a first version posted after someone else wrote one
    # is a conflict (the service says so), not a revision without a reason.
    revision = bool(request.POST.get("version")) if request.method == "POST" else found is not None
    initial: dict[str, Any] = {"written_on": program_today(), "version": found.version if found else None}
    if current is not None:
        initial |= {name: getattr(current, name) for name in SECTION_NAMES}
    form = SafetyPlanForm(request.POST or None, initial=initial, revision=revision)

    def save(data: dict[str, Any]) -> SafetyPlanVersion:
        return safety_plan_write(
            actor=user,
            person=person,
            written_on=data["written_on"],
            expected_version=data["version"] if revision else None,
            reason=data.get("reason", ""),
            **{name: data[name] for name in SECTION_NAMES},
        )

    done = submit(
        request,
        form,
        save,
        on_success=_plan_url(person),
        message=_("The safety plan was saved; earlier versions are kept."),
    )
    if done is not None:
        return done
    if current is not None:
        title = _("Revise the safety plan: %(person)s") % {"person": person}
        subtitle = _("Version %(number)s, written on %(day)s, is kept as it is: the changes make version %(next)s.") % {
            "number": current.number,
            "day": current.written_on.isoformat(),
            "next": current.number + 1,
        }
    else:
        title = _("Write a safety plan: %(person)s") % {"person": person}
        subtitle = _("Write it with the person, in their words. Police never see it; managers see only that it exists.")
    return form_page(request, form, title=title, subtitle=subtitle, submit=_("Save the plan"), cancel=_plan_url(person))


@person_page(safety_plan_people, "person_id")
@never_cache
def check_in(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    person = record_or_404(request, safety_plan_people, person_id, action="safety_plan.check_in")
    if safety_plan_of(user=user, person=person) is None:
        messages.error(
            request, _("%(person)s has no safety plan yet: write one before checking in.") % {"person": person}
        )
        return redirect(_plan_url(person))
    zone = program_zone()
    now = timezone.now().astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
    form = CheckInForm(request.POST or None, initial={"checked_at": now})

    def save(data: dict[str, Any]) -> SafetyCheckIn:
        when = data["checked_at"]
        if timezone.is_naive(when):
            when = when.replace(tzinfo=zone)
        return safety_check_in_record(
            actor=user,
            person=person,
            checked_at=when,
            status=data["status"],
            plan_still_fits=data["plan_still_fits"],
            note=data["note"],
        )

    done = submit(request, form, save, on_success=_plan_url(person), message=_("The check-in was recorded."))
    return done or form_page(
        request,
        form,
        title=_("Check in on the safety plan: %(person)s") % {"person": person},
        subtitle=_("The note stays with peer support: police and managers never see it."),
        submit=_("Record the check-in"),
        cancel=_plan_url(person),
    )


@person_page(safety_plan_people, "person_id")
@never_cache
def check_in_void(request: HttpRequest, person_id: int, safety_check_in_id: int) -> HttpResponse:
    """Void one check-in, with the reason (it stays on record, marked void)."""
    user = _user(request)
    # One event for the request, naming the person (row 36): the read when the page is shown
    # (settled at the end of the request), the refusal when the check-in is not one the reader may
    # void, the write when the form is saved.
    person = record_or_404(request, safety_plan_people, person_id, audit=False)
    entry = None
    if can_some(user, "safety_plan.correct"):
        entry = safety_check_in_list(user=user).filter(pk=safety_check_in_id, person=person).first()
    if entry is None or not can(user, "safety_plan.correct", entry):
        refuse(request, Person, person.pk)
        raise Http404
    form = VoidForm(request.POST or None, initial={"version": entry.version})
    done = submit(
        request,
        form,
        lambda data: safety_check_in_void(
            actor=user, check_in=entry, reason=data["reason"], expected_version=data["version"]
        ),
        on_success=_plan_url(person),
        message=_("The check-in was voided; it stays on record with the reason."),
    )
    if done is not None:
        return done
    when = timezone.localtime(entry.checked_at).strftime("%Y-%m-%d %H:%M")
    return form_page(
        request,
        form,
        title=_("Void the check-in of %(when)s: %(person)s") % {"when": when, "person": person},
        subtitle=_("The check-in stays on record, marked void, with who voided it, when and why."),
        submit=_("Void the check-in"),
        cancel=_plan_url(person),
    )
