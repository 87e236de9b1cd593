"""Uploads in the browser, and the mappings a program keeps for its records systems' exports.

An ``Upload`` records one file a manager gave the Data page (a bundle, or a records system's
export with its mapping): who, when, the file's name, size and SHA-256, what was asked (check
only, or import), how it went and its result. The file itself is kept apart, in a private
folder under the data directory (``VIP_UPLOAD_DIR``), under a random name, only until the
work on it is done (``vip.interchange.uploads``); the record stays as the history.

A ``SavedMapping`` is a mapping file kept by name, so that next month's export of the same
records system is read the same way without uploading the mapping again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vip.core.sensitivity import Sensitivity


class SavedMapping(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    text = models.TextField(help_text="The mapping file (TOML), as uploaded.")
    file_name = models.CharField(max_length=255, help_text="The name of the file it was saved from.")
    sha256 = models.CharField(max_length=64)
    saved_at = models.DateTimeField()
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")

    def __str__(self) -> str:
        return self.name


class Upload(models.Model):
    # What the importer said about the file's rows: messages may quote a cell of the police
    # export (a date that is not one, an unknown code).
    SENSITIVE_FIELDS = {"problems": Sensitivity.POLICE}

    class Kind(models.TextChoices):
        BUNDLE = "bundle", _("Bundle")
        MAPPED = "mapped", _("Records system's export")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        RUNNING = "running", _("Being read")
        CHECKED = "checked", _("Checked: no problem (nothing written)")
        INVALID = "invalid", _("Not imported: problems")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    FINISHED = (Status.CHECKED, Status.INVALID, Status.IMPORTED, Status.FAILED, Status.EXPIRED)

    kind = models.CharField(max_length=10, choices=Kind.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    file_name = models.CharField(max_length=255, help_text="The uploaded file's own name (shown in problems).")
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    # The random name of the kept file in VIP_UPLOAD_DIR; empty once it is deleted.
    stored_as = models.CharField(max_length=64, blank=True)
    # The mapping of a records system's export: an uploaded file (kept beside the export) or a
    # saved one. Its name as shown in problems.
    mapping_name = models.CharField(max_length=255, blank=True)
    mapping_sha256 = models.CharField(max_length=64, blank=True)
    mapping_stored_as = models.CharField(max_length=64, blank=True)
    saved_mapping = models.ForeignKey(
        SavedMapping, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    # Keep the uploaded mapping under this name once it reads without a problem.
    save_mapping_as = models.CharField(max_length=100, blank=True)
    dry_run = models.BooleanField(help_text="Check only: write nothing.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"lines": n, "problem_count": n, "written": bool, "counts": {file: {read, created, ...}}}
    result = models.JSONField(default=dict, blank=True)
    # The first problems (MAX_PROBLEMS_KEPT), each [file, line, column, message].
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.uploaded_at:%Y-%m-%d %H:%M})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def importable(self) -> bool:
        """A check that found no problem, whose file is still kept: it can be imported as it is."""
        return self.status == self.Status.CHECKED and bool(self.stored_as)
