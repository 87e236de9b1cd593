"""Safety plans: one per participant, written with their peer support worker and revised over
time (every revision a new version, the old ones kept), and the peer's check-ins on it.

Every section of a plan and every check-in's note is what the person told peer support
(``CASEWORK``): withheld from police and from managers, who see that a plan exists, its version
numbers and days, and the check-ins' statuses (``vip.core.access.policy``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vip.core.fields import EncryptedTextField
from vip.core.models import TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.people.models import Person
from vip.safety_plans.choices import CheckInStatus


def new_check_in_key() -> str:
    """The key of a check-in recorded by staff (an import brings its own: interchange format 2)."""
    from vip.people.services import new_key  # here: the services import the models

    return new_key("SC")


CASEWORK = Sensitivity.CASEWORK
# The longest section or note a plan takes (a page of text), and the longest reason for a revision.
SECTION_MAX = 5000
REASON_MAX = 500


class SafetyPlan(TimeStampedModel):
    """A participant's safety plan: its versions hang off it. ``current`` is the number of the
    version in force; ``version`` (TimeStampedModel's) moves on with every new version, so that
    two workers revising the same plan cannot overwrite each other (the second gets a conflict)."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="safety_plan")
    current = models.PositiveIntegerField(_("current version"), default=1)
    # None: written by the local operator (docs/adr/0001-operator-actor.md).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("safety plan")
        verbose_name_plural = _("safety plans")


class SafetyPlanVersion(TimeStampedModel):
    """One version of a plan, as it was written on ``written_on``; never changed afterwards (a
    revision is a new version)."""

    plan = models.ForeignKey(SafetyPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    written_on = models.DateField(_("written on"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    warning_signs = EncryptedTextField(_("warning signs"), blank=True, max_length=SECTION_MAX)
    avoid = EncryptedTextField(_("places and people to avoid"), blank=True, max_length=SECTION_MAX)
    safe_places = EncryptedTextField(_("safe places and routes"), blank=True, max_length=SECTION_MAX)
    people_to_call = EncryptedTextField(_("people to call"), blank=True, max_length=SECTION_MAX)
    coping = EncryptedTextField(_("coping steps"), blank=True, max_length=SECTION_MAX)
    goals = EncryptedTextField(_("goals"), blank=True, max_length=SECTION_MAX)
    # Why the plan was revised (blank for the first version).
    reason = EncryptedTextField(_("reason for the revision"), blank=True, max_length=REASON_MAX)

    SENSITIVE_FIELDS = {
        "warning_signs": CASEWORK,
        "avoid": CASEWORK,
        "safe_places": CASEWORK,
        "people_to_call": CASEWORK,
        "coping": CASEWORK,
        "goals": CASEWORK,
        "reason": CASEWORK,
    }

    class Meta:
        ordering = ["plan", "-number"]
        verbose_name = _("safety plan version")
        verbose_name_plural = _("safety plan versions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="safety_plan_version_once"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="safety_plan_version_from_one"),
        ]


class SafetyCheckIn(TimeStampedModel):
    """The peer worker checking in with the person on their plan: how they are, whether the plan
    still fits. ``plan_number`` is the version in force when it was recorded."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="safety_check_ins")
    plan = models.ForeignKey(SafetyPlan, on_delete=models.PROTECT, related_name="check_ins")
    plan_number = models.PositiveIntegerField(_("plan version"))
    checked_at = models.DateTimeField(_("checked in at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=CheckInStatus.choices)
    # None: not asked.
    plan_still_fits = models.BooleanField(_("plan still fits"), null=True, blank=True)
    note = EncryptedTextField(_("note"), blank=True, max_length=SECTION_MAX)
    # Set when the check-in was voided (the correction with its reason keeps why): kept as history.
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    key = models.CharField(max_length=100, unique=True, default=new_check_in_key, editable=False)

    SENSITIVE_FIELDS = {"note": CASEWORK, "key": Sensitivity.KEY}

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("safety check-in")
        verbose_name_plural = _("safety check-ins")
        indexes = [models.Index(fields=["plan", "checked_at"])]
