"""A Job: one long piece of work asked for by someone and run by the task queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    FINISHED = (Status.DONE, Status.FAILED)

    kind = models.CharField(max_length=60)
    params = models.JSONField(default=dict, blank=True)
    # Who asked: an account, or nobody (the operator on the command line, or the schedule).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    step = models.PositiveIntegerField(default=0)
    steps = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("requested_by", "-created_at"), name="job_requester_idx"),)
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class Schedule(models.Model):
    """A recurring job, put on the queue by the worker when it falls due (`vip schedule`)."""

    class Every(models.TextChoices):
        DAY = "day", _("every day")
        WEEK = "week", _("every week")
        MONTH = "month", _("every month")

    name = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=60)
    params = models.JSONField(default=dict, blank=True)
    every = models.CharField(max_length=5, choices=Every.choices)
    # When, in the program's time zone: the hour and minute; the weekday (0 Monday) of a weekly
    # entry; the day of the month (1-28) of a monthly one.
    hour = models.PositiveSmallIntegerField(default=2)
    minute = models.PositiveSmallIntegerField(default=0)
    weekday = models.PositiveSmallIntegerField(default=0)
    day = models.PositiveSmallIntegerField(default=1)
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("name",)
        constraints = (
            models.CheckConstraint(condition=models.Q(hour__lte=23, minute__lte=59), name="schedule_time_ok"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6, day__gte=1, day__lte=28), name="schedule_day_ok"),
        )

    def __str__(self) -> str:
        return self.name
