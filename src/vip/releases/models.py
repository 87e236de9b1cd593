"""The release ledger: every public release of the program's figures, cell by cell.

A public edition (a month's Monthly Informational Report, a restatement of one, a fiscal
year's disparity report, an evaluation as of a month's end, a funder report) is recorded once,
when it is released, and never changes: what was published can never be un-published, so every
later edition is checked against all of them together (:mod:`vip.releases.ledger`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Release(models.Model):
    class Kind(models.TextChoices):
        MONTHLY_REPORT = "monthly_report", _("Monthly Informational Report")
        DISPARITY = "disparity", _("Disparity report")
        EVALUATION = "evaluation", _("Evaluation")
        FUNDER_REPORT = "funder_report", _("Funder report")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=20, help_text="What was released: the month (YYYY-MM), day or period.")
    edition = models.PositiveSmallIntegerField(help_text="1 for the first release of the subject, then restatements.")
    released_at = models.DateTimeField()
    released_by_name = models.CharField(max_length=150)
    data_fingerprint = models.CharField(max_length=64)
    threshold = models.PositiveSmallIntegerField()
    width = models.PositiveSmallIntegerField(help_text="The protection width the release was checked with.")
    # Every cell as published, with what it means: [{"table", "row", "col", "kind", "value",
    # "terms": {...}, ...}] (see vip.releases.ledger.Cell).
    cells = models.JSONField()
    # The exact value of every quantity the cells are made of, as it was at release. Never
    # published: the ledger's check needs the truth to know which counts are small.
    truths = models.JSONField()
    # Cells withheld only because of what earlier releases published ("for history's sake").
    withheld_for_history = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["released_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "edition"], name="release_edition_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject}, edition {self.edition}"
