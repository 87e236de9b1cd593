from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvaluationRun(models.Model):
    """One evaluation as the task queue computed it for the account that asked for it
    (``vip.evaluation.jobs``): kept so that its page and its files show that computation again,
    never a new one, with the definitions' version and the data's fingerprint it was computed
    from. Aggregates only, as the audience sees them (the public edition's withheld figures are
    not kept)."""

    class Audience(models.TextChoices):
        OFFICIAL = "official", _("Official (exact counts)")
        PUBLIC = "public", _("Public (small counts withheld)")

    as_of = models.DateField()
    audience = models.CharField(max_length=10, choices=Audience.choices)
    definitions_version = models.CharField(max_length=20)
    data_fingerprint = models.CharField(max_length=64)
    # The evaluation as the audience sees it (vip.evaluation.evaluate.Evaluation.to_dict).
    result = models.JSONField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_name = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="evaluation_run_requester_idx")]

    def __str__(self) -> str:
        return f"Evaluation as of {self.as_of} ({self.audience})"
