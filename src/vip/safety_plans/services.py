"""Safety plans: writing a person's plan (the first version or a new one), checking in on it, and
voiding a check-in. The peer support worker whose caseload the person is on writes the plan;
they and the program's managers check in; the content never reaches police.

Each write is one audit event, recorded in its own transaction without the plan's or the note's
text (the sections are case content: ``vip.audit.services.snapshot`` redacts them). A new version
of a plan is one event on the version it adds: it names the plan and the version's number, which
is all that changes on the plan itself.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.writes import audited_create
from vip.core.access import require
from vip.core.config import program_zone
from vip.core.dates import local_date
from vip.core.errors import ConflictError
from vip.core.future import refuse_future
from vip.people.corrections import entry_void
from vip.people.models import Person
from vip.safety_plans.choices import SECTION_NAMES, SECTIONS, CheckInStatus
from vip.safety_plans.models import SafetyCheckIn, SafetyPlan, SafetyPlanVersion


def _sections(values: dict[str, str]) -> dict[str, str]:
    """The sections as they are kept: text, trailing blank lines and spaces dropped."""
    texts: dict[str, str] = {}
    for name in SECTION_NAMES:
        value = values[name]
        if not isinstance(value, str):
            raise ValidationError({name: _("Write this section as text.")})
        texts[name] = value.strip()
    if not any(texts.values()):
        labels = ", ".join(str(label).lower() for _name, label, _help in SECTIONS)
        raise ValidationError(
            {SECTION_NAMES[0]: _("Write at least one section of the plan (%(sections)s).") % {"sections": labels}}
        )
    return texts


@transaction.atomic
def safety_plan_write(
    *,
    actor: User | None,
    person: Person,
    written_on: dt.date,
    expected_version: int | None,
    warning_signs: str = "",
    avoid: str = "",
    safe_places: str = "",
    people_to_call: str = "",
    coping: str = "",
    goals: str = "",
    reason: str = "",
) -> SafetyPlanVersion:
    """Write the person's safety plan: its first version (``expected_version`` None) or a new one
    (``expected_version``: the plan's ``version`` the writer started from). Someone else's plan or
    version written meanwhile is a ``ConflictError``; nothing is written then. A new version needs
    the reason for the revision and a change to at least one section."""
    require(actor, "safety_plan.write", person)
    refuse_future(written_on, field="written_on", label=_("Written on"))
    texts = _sections(
        {
            "warning_signs": warning_signs,
            "avoid": avoid,
            "safe_places": safe_places,
            "people_to_call": people_to_call,
            "coping": coping,
            "goals": goals,
        }
    )
    why = (reason or "").strip()
    # Locked until the transaction ends (PostgreSQL): two revisions of one plan queue up here.
    plan = SafetyPlan.objects.select_for_update().filter(person=person).first()
    if expected_version is None:
        if plan is not None:
            raise ConflictError(plan)
        number = 1
        plan = SafetyPlan(person=person, current=number, created_by=actor)
        plan.full_clean(validate_unique=False)
        try:
            with transaction.atomic():  # a plan written by someone else a moment ago: a conflict
                plan.save()
        except IntegrityError:
            raise ConflictError(plan) from None
    else:
        if plan is None:
            raise ValidationError(
                {"expected_version": _("%(person)s has no safety plan yet: write the first one.") % {"person": person}}
            )
        if plan.version != expected_version:
            raise ConflictError(plan)
        if not why:
            raise ValidationError({"reason": _("Give the reason for the revision.")})
        current = plan.versions.get(number=plan.current)
        if written_on < current.written_on:
            raise ValidationError(
                {
                    "written_on": _("A new version cannot be written before the current one (%(day)s).")
                    % {"day": current.written_on.isoformat()}
                }
            )
        if all(getattr(current, name) == texts[name] for name in SECTION_NAMES):
            raise ValidationError(_("Nothing was changed: a new version needs a change to at least one section."))
        number = plan.current + 1
        # The version check is in the UPDATE itself: of two writers who opened the same version,
        # exactly one gets through.
        moved = SafetyPlan.objects.filter(pk=plan.pk, version=expected_version).update(
            current=number, version=F("version") + 1, updated_at=timezone.now()
        )
        if moved != 1:
            raise ConflictError(plan)
        plan.refresh_from_db()
    return audited_create(
        actor=actor,
        model=SafetyPlanVersion,
        action="safety_plan.write",
        values={"plan": plan, "number": number, "written_on": written_on, "by": actor, "reason": why, **texts},
    )


@transaction.atomic
def safety_check_in_record(
    *,
    actor: User | None,
    person: Person,
    checked_at: dt.datetime,
    status: str,
    plan_still_fits: bool | None = None,
    note: str = "",
) -> SafetyCheckIn:
    """A check-in with the person on their safety plan (refused when they have none yet)."""
    require(actor, "safety_plan.check_in", person)
    if not isinstance(checked_at, dt.datetime):
        raise ValidationError({"checked_at": _("Give the day and time of the check-in.")})
    if timezone.is_naive(checked_at):
        # A time without its zone would be stored as if it were UTC: hours off, maybe another day.
        raise ValidationError({"checked_at": _("The time of a check-in must carry its time zone.")})
    refuse_future(checked_at, field="checked_at", label=_("When"))
    if status not in CheckInStatus.values:
        raise ValidationError(
            {"status": _("Unknown status %(status)s: choose safe, concerns or unsafe.") % {"status": status}}
        )
    if plan_still_fits not in (True, False, None):
        raise ValidationError({"plan_still_fits": _("Say yes, no, or leave it out.")})
    plan = SafetyPlan.objects.filter(person=person).first()
    if plan is None:
        raise ValidationError(
            {"person": _("%(person)s has no safety plan yet: write one before checking in.") % {"person": person}}
        )
    first = plan.versions.order_by("number").values_list("written_on", flat=True).first()
    if first is not None and local_date(checked_at, program_zone()) < first:
        raise ValidationError(
            {
                "checked_at": _("The check-in is before the plan was first written (%(day)s).")
                % {"day": first.isoformat()}
            }
        )
    return audited_create(
        actor=actor,
        model=SafetyCheckIn,
        action="safety_plan.check_in",
        values={
            "person": person,
            "plan": plan,
            "plan_number": plan.current,
            "checked_at": checked_at,
            "by": actor,
            "status": status,
            "plan_still_fits": plan_still_fits,
            "note": (note or "").strip(),
        },
    )


@transaction.atomic
def safety_check_in_void(
    *, actor: User | None, check_in: SafetyCheckIn, reason: str, expected_version: int
) -> SafetyCheckIn:
    """Void a check-in, with the reason: it is kept, marked void, and the correction keeps why
    (whoever recorded it, or a manager)."""
    return entry_void(
        actor=actor, record=check_in, action="safety_plan.correct", reason=reason, expected_version=expected_version
    )
