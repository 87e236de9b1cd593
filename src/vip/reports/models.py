"""Report runs: every generation of a report is recorded with what it read and what it said."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportRun(models.Model):
    class Audience(models.TextChoices):
        OFFICIAL = "official", _("Official (exact counts)")
        PUBLIC = "public", _("Public (small counts suppressed)")

    month = models.CharField(max_length=7, help_text="The report month, YYYY-MM.")
    audience = models.CharField(max_length=10, choices=Audience.choices)
    definitions_version = models.CharField(max_length=20)
    data_fingerprint = models.CharField(max_length=64)
    data_as_of = models.DateTimeField(null=True, blank=True)
    numbers = models.JSONField(help_text="Every figure as the audience sees it (the JSON format's content).")
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    generated_by_name = models.CharField(max_length=150)
    published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by_name = models.CharField(max_length=150, blank=True)
    # The published run of the same month and audience that this run's figures were compared with.
    restates = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    restatements = models.JSONField(default=list, blank=True)
    # Public editions: the release ledger's check of this run (vip.reports.ledger): its cells,
    # the truths behind them, the latest release it was checked against ("basis") and the cells
    # withheld because of earlier releases. Kept so a draft can be published as it was checked.
    ledger_plan = models.JSONField(default=dict, blank=True)
    release = models.OneToOneField(
        "releases.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="report_run"
    )

    class Meta:
        ordering = ["-generated_at", "-id"]
        indexes = [models.Index(fields=["month", "audience", "published"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published=False) | models.Q(published_at__isnull=False),
                name="report_run_published_has_time",
            )
        ]

    def __str__(self) -> str:
        state = "published" if self.published else "draft"
        return f"{self.month} {self.audience} ({state}, {self.generated_at:%Y-%m-%d %H:%M})"


class ReportFile(models.Model):
    """One rendered file of a run (PDF, HTML, XLSX, CSV, JSON), kept with the run."""

    run = models.ForeignKey(ReportRun, on_delete=models.PROTECT, related_name="files")
    format = models.CharField(max_length=10)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "format"], name="report_file_once_per_format")]
