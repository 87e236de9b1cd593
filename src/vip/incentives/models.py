"""Milestone incentives: what a participant is paid for reaching a milestone of the program.

The milestones and their amounts are the profile's (``[[field_work.milestones]]``); a fiscal
year's budget caps what managers approve; payments are a ledger: an amount is never changed,
a mistaken payment is reversed by a row of its own with the negative amount (and paid again).
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from vip.core.fields import EncryptedTextField
from vip.core.masking import MaskingQuerySet
from vip.core.models import TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.incentives.choices import HOLDING, IncentiveStatus, PaymentMethod
from vip.people.models import Person

# The largest amount the program takes, in cents: a year's budget of ten million dollars.
MAX_CENTS = 1_000_000_000


def _key(prefix: str) -> str:
    from vip.people.services import new_key  # here: the services import the models

    return new_key(prefix)


def new_incentive_key() -> str:
    """The key of an incentive proposed in the program (an import brings its own: interchange format 2)."""
    return _key("IN")


def new_payment_key() -> str:
    return _key("IP")


class IncentiveBudget(TimeStampedModel):
    """What the program may spend on incentives in one fiscal year (figures only, no person)."""

    # The calendar year the fiscal year starts in (vip.core.dates.fiscal_year; FY2023 of a July
    # start is 2022).
    fiscal_year = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1900), MaxValueValidator(2199)]
    )
    amount_cents = models.BigIntegerField(validators=[MinValueValidator(0), MaxValueValidator(MAX_CENTS)])
    note = EncryptedTextField(blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-fiscal_year"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gte=0), name="incentive_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Incentive budget {self.fiscal_year}"


class Incentive(TimeStampedModel):
    """A milestone incentive for a participant: proposed (by their peer worker or a manager),
    then approved or declined by a manager who did not propose it, or withdrawn."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="incentives")
    milestone = models.CharField(max_length=50)  # a code of the profile's milestones
    # The profile's amount for the milestone at the proposal (never typed in).
    amount_cents = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_CENTS)])
    # The day the milestone was reached: its fiscal year is the budget the incentive draws on.
    reached_on = models.DateField()
    # Who proposed it. Named ``recorded_by`` so that the access policy finds the author of the
    # proposal (vip.core.access.author_of: withdrawing is the proposer's own entry).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="proposed by",
    )
    note = EncryptedTextField(blank=True)
    status = models.CharField(max_length=20, choices=IncentiveStatus.choices, default=IncentiveStatus.PROPOSED)
    key = models.CharField(max_length=100, unique=True, default=new_incentive_key, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = EncryptedTextField(blank=True)
    # A proposal withdrawn before a decision, or an approval withdrawn by a manager before anything
    # was paid (a mistaken approval): the decision, if any, stays recorded above.
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = EncryptedTextField(blank=True)

    SENSITIVE_FIELDS = {
        # What the peer worker wrote about the participant's milestone: peer support's.
        "note": Sensitivity.CASEWORK,
        # Free text about one participant may name them.
        "decline_reason": Sensitivity.IDENTIFYING,
        "withdraw_reason": Sensitivity.IDENTIFYING,
        "key": Sensitivity.KEY,
    }

    class Meta:
        ordering = ["-reached_on", "-pk"]
        indexes = [models.Index(fields=["status", "reached_on"]), models.Index(fields=["reached_on"])]
        constraints = [
            # A person gets each milestone once: a proposal or an approval holds it; a declined or
            # withdrawn one does not (the service says so first, in words; this holds under a race).
            models.UniqueConstraint(
                fields=["person", "milestone"],
                condition=Q(status__in=HOLDING),
                name="incentive_milestone_once",
                violation_error_message="This person already has this milestone's incentive (proposed or approved).",
            ),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="incentive_amount_positive"),
            # The approver is never the proposer.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | Q(recorded_by__isnull=True) | ~Q(decided_by=F("recorded_by")),
                name="incentive_decider_not_proposer",
            ),
        ]

    def __str__(self) -> str:
        return f"Incentive {self.pk} ({self.milestone})"


class PaymentQuerySet(MaskingQuerySet["IncentivePayment"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("Incentive payments are never changed: reverse a payment instead (payment_reverse).")


PaymentManager = models.Manager.from_queryset(PaymentQuerySet)


class IncentivePayment(TimeStampedModel):
    """A payment of an approved incentive, or the reversal of one (its own row, the negative
    amount, with the reason). Never changed: there is no update service, no admin, and the
    model refuses to save a stored row again."""

    incentive = models.ForeignKey(Incentive, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField()
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    # The gift card's or check's number.
    reference = models.CharField(max_length=100, blank=True)
    # Positive for a payment, negative for a reversal.
    amount_cents = models.IntegerField(validators=[MinValueValidator(-MAX_CENTS), MaxValueValidator(MAX_CENTS)])
    # The payment this row reverses (at most one reversal per payment).
    reversal_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal")
    reason = EncryptedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="paid by",
    )
    key = models.CharField(max_length=100, unique=True, default=new_payment_key, editable=False)

    objects: ClassVar[PaymentManager[IncentivePayment]] = PaymentManager()

    SENSITIVE_FIELDS = {
        "reference": Sensitivity.KEY,
        # Free text about one participant's payment may name them.
        "reason": Sensitivity.IDENTIFYING,
        "key": Sensitivity.KEY,
    }

    class Meta:
        ordering = ["paid_on", "pk"]
        verbose_name = "incentive payment"
        indexes = [models.Index(fields=["paid_on"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reversal_of__isnull=True) & Q(amount_cents__gt=0))
                | (Q(reversal_of__isnull=False) & Q(amount_cents__lt=0)),
                name="incentive_payment_sign",
                violation_error_message="A payment is positive; a reversal is negative and names the payment.",
            ),
        ]

    def __str__(self) -> str:
        return f"Incentive payment {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("Incentive payments are never changed: reverse a payment instead (payment_reverse).")
        super().save(*args, **kwargs)

    @property
    def is_reversal(self) -> bool:
        return self.reversal_of_id is not None
