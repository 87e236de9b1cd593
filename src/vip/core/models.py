"""The base model and the program's configuration (a city is data, not code)."""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import translation

from vip.core.masking import MaskingManager
from vip.core.sensitivity import Sensitivity

slug_validator = RegexValidator(r"^[a-z0-9_]+$", "Use lowercase letters, digits and underscores.")


class TimeStampedModel(models.Model):
    """Every domain record knows when it was created and last changed.

    ``version`` increases on every change made through a service; a form that
    saves an older version is refused (two editors of one record).
    """

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = MaskingManager()

    SENSITIVE_FIELDS: ClassVar[dict[str, Sensitivity]] = {}

    class Meta:
        abstract = True


class ProgramProfile(models.Model):
    """The one configuration of this installation (a single row).

    Areas, service categories and age bands hang off it. Loaded from a profile
    file in ``vip/configuration/profiles/`` and editable by an administrator.
    """

    profile = models.CharField(max_length=50, help_text="Name of the profile file it was loaded from.")
    city = models.CharField(max_length=100)
    program_name = models.CharField(max_length=200)
    report_title = models.CharField(max_length=200)
    web_address = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64)
    fiscal_year_start_month = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    suppression_threshold = models.PositiveSmallIntegerField(
        default=10, help_text="Public reports show counts from 1 to this number as '<N+1>'."
    )
    protection_width = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1)],
        help_text="No count from 1 to the threshold may be narrowed by all public releases together "
        "to an interval of values narrower than this (highest minus lowest possible value).",
    )
    candidate_expiry_days = models.PositiveSmallIntegerField(default=180)
    month_labels = models.JSONField(help_text="Twelve short month labels, January first.")
    wording = models.JSONField(default=dict, help_text="Report texts by key (introduction sections).")
    evaluation = models.JSONField(
        default=dict,
        blank=True,
        help_text="The evaluation's settings (docs/evaluation.md): violent_incident_types, the incident "
        "types whose victims, suspects and arrestees count as violent re-involvement; program_start, "
        "the day the interrupted time series of the areas divides at.",
    )
    field_work = models.JSONField(
        default=dict,
        blank=True,
        help_text="The field records' settings (docs/field-work.md): police_see_mediations, report_sections, "
        "offline_hours and the incentive milestones (code, name, name_es, amount in whole dollars).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "program profile"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="profile_fiscal_month_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_name} ({self.city})"

    def clean(self) -> None:

        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError({"time_zone": f"Unknown time zone {self.time_zone!r}."}) from exc
        if not isinstance(self.month_labels, list) or len(self.month_labels) != 12:
            raise ValidationError({"month_labels": "Give exactly twelve labels."})


def in_language(english: str, spanish: str) -> str:
    """A configured label in the active language: the Spanish one (from the profile's ``name_es``
    or ``label_es``) on Spanish pages when the profile gives one, else the English one."""
    if spanish and (translation.get_language() or "").split("-")[0] == "es":
        return spanish
    return english


class Area(models.Model):
    """A reporting geography (Albuquerque: the police area commands)."""

    code = models.CharField(max_length=50, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=100)
    name_es = models.CharField(max_length=100, blank=True, help_text="The name on Spanish pages (profile: name_es).")
    report_order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["report_order", "code"]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        """The name in the active language (what ``{{ area }}`` shows)."""
        return in_language(self.name, self.name_es)


class ServiceCategory(models.Model):
    """A kind of service a person can be referred to."""

    code = models.CharField(max_length=50, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=100)
    name_es = models.CharField(max_length=100, blank=True, help_text="The name on Spanish pages (profile: name_es).")
    report_order = models.PositiveSmallIntegerField(default=0)
    sensitivity = models.CharField(
        max_length=20,
        blank=True,
        choices=[("", "ordinary"), (Sensitivity.HEALTH.value, "health or substance use")],
        help_text="Health and substance-use categories: their details never reach police.",
    )
    substance_use = models.BooleanField(
        default=False, help_text="Disclosure of these referrals follows 42 CFR Part 2 (consent)."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["report_order", "code"]
        verbose_name_plural = "service categories"

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        """The name in the active language (what ``{{ category }}`` shows)."""
        return in_language(self.name, self.name_es)


class AgeBand(models.Model):
    """An age group of the report. ``max_age`` empty means "and over"."""

    label = models.CharField(max_length=50)
    label_es = models.CharField(max_length=50, blank=True, help_text="The label on Spanish pages (profile: label_es).")
    min_age = models.PositiveSmallIntegerField()
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    report_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["report_order", "min_age"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_age__isnull=True) | models.Q(max_age__gte=models.F("min_age")),
                name="ageband_max_not_below_min",
            )
        ]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        """The label in the active language (what ``{{ band }}`` shows)."""
        return in_language(self.label, self.label_es)
