"""Milestone incentives: proposals, decisions within the fiscal year's budget, payments and their
reversals, and the budgets themselves. Every write checks the access policy first and records its
audit event in its own transaction.

Two-person rule: whoever proposed an incentive never decides on it, a manager's own proposal
included (another manager decides). Money rule: a payment's amount is never changed; a mistaken
payment is reversed by a row of its own (the negative amount, with the reason) and, if need be,
paid again, so an incentive is paid at most once net.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.audit.writes import audited_create, audited_update
from vip.core.access import require
from vip.core.config import program_today
from vip.core.dates import out_of_range
from vip.core.errors import ConflictError
from vip.core.future import refuse_future
from vip.incentives.choices import HOLDING, IncentiveStatus, PaymentMethod
from vip.incentives.figures import dollars, fiscal_year_label, fiscal_year_of, fiscal_year_span, milestones
from vip.incentives.models import MAX_CENTS, Incentive, IncentiveBudget, IncentivePayment
from vip.people.models import Person

NOTE_MAX = 2000
REASON_MAX = 500
REFERENCE_MAX = 100


def _text(value: str, *, field: str, label: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("%(field)s: give the reason.") % {"field": label}})
    if len(text) > limit:
        raise ValidationError({field: _("%(field)s: keep it under %(n)s characters.") % {"field": label, "n": limit}})
    return text


def _day(value: object, *, field: str, label: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({field: _("%(field)s must be a day.") % {"field": label}})
    if out_of_range(value):
        raise ValidationError({field: _("Enter a date between 1900 and 2199.")})
    refuse_future(value, field=field, label=label)
    return value


def committed_cents(fiscal_year: int) -> int:
    """What the program has committed in a fiscal year: the amounts of its approved incentives,
    paid or not (the budget a milestone's day falls in)."""
    span = fiscal_year_span(fiscal_year)
    found = Incentive.objects.filter(
        status=IncentiveStatus.APPROVED, reached_on__gte=span.start, reached_on__lte=span.end
    ).aggregate(total=Sum("amount_cents"))["total"]
    return int(found or 0)


def _net_paid(incentive: Incentive) -> int:
    return int(IncentivePayment.objects.filter(incentive=incentive).aggregate(total=Sum("amount_cents"))["total"] or 0)


def _fresh(incentive: Incentive, expected_version: int) -> Incentive:
    """The incentive as stored, locked until the transaction ends; a stale version is a conflict."""
    stored = Incentive.objects.select_for_update().get(pk=incentive.pk)
    if stored.version != expected_version:
        raise ConflictError(stored)
    return stored


# --- proposals ----------------------------------------------------------------------------------


@transaction.atomic
def incentive_propose(
    *, actor: User | None, person: Person, milestone: str, reached_on: dt.date, note: str = ""
) -> Incentive:
    """Propose the incentive of a milestone the person reached; its amount is the profile's.

    A person gets each milestone at most once: refused while an earlier one is proposed or
    approved (this check, in words; the model's conditional unique constraint holds under a race);
    a declined or withdrawn one leaves the milestone free."""
    require(actor, "incentive.propose", person)
    known = milestones()
    if milestone not in known:
        raise ValidationError(
            {
                "milestone": _("Unknown milestone %(code)s: choose one of %(codes)s.")
                % {"code": milestone, "codes": ", ".join(known) or "—"}
            }
        )
    reached_on = _day(reached_on, field="reached_on", label=_("Reached on"))
    note = _text(note, field="note", label=_("Note"), limit=NOTE_MAX)
    if Incentive.objects.filter(person=person, milestone=milestone, status__in=HOLDING).exists():
        raise ValidationError(
            {
                "milestone": _(
                    "%(person)s already has the incentive for “%(milestone)s” (proposed or approved): a "
                    "milestone is paid once."
                )
                % {"person": person, "milestone": known[milestone].name}
            }
        )
    return audited_create(
        actor=actor,
        model=Incentive,
        action="incentive.propose",
        values={
            "person": person,
            "milestone": milestone,
            "amount_cents": known[milestone].amount_cents,
            "reached_on": reached_on,
            "recorded_by": actor,
            "note": note,
        },
    )


@transaction.atomic
def incentive_decide(
    *, actor: User | None, incentive: Incentive, approve: bool, expected_version: int, reason: str = ""
) -> Incentive:
    """Approve or decline a proposal (a manager who did not propose it). An approval must fit the
    budget of the fiscal year the milestone was reached in: refused without a budget, or when the
    year's approved amounts and this one would exceed it. A decline gives its reason."""
    require(actor, "incentive.decide", incentive)
    stored = _fresh(incentive, expected_version)
    if actor is not None and stored.recorded_by_id == actor.pk:
        raise PermissionDenied(_("You proposed this incentive: another manager decides on it."))
    if stored.status != IncentiveStatus.PROPOSED:
        raise ValidationError(
            _("This incentive is %(status)s already: only a proposal is decided on.")
            % {"status": stored.get_status_display().lower()}
        )
    values: dict[str, object] = {"decided_by": actor, "decided_at": timezone.now()}
    if approve:
        year = fiscal_year_of(stored.reached_on)
        label = fiscal_year_label(year)
        budget = IncentiveBudget.objects.select_for_update().filter(fiscal_year=year).first()
        if budget is None:
            raise ValidationError(
                _("No incentive budget is set for %(year)s: a manager sets it on the budgets page before approving.")
                % {"year": label}
            )
        committed = committed_cents(year)
        if committed + stored.amount_cents > budget.amount_cents:
            raise ValidationError(
                _(
                    "Approving this incentive (%(amount)s) would exceed the %(year)s budget: %(committed)s of "
                    "%(budget)s is approved already, %(left)s is left."
                )
                % {
                    "amount": dollars(stored.amount_cents),
                    "year": label,
                    "committed": dollars(committed),
                    "budget": dollars(budget.amount_cents),
                    "left": dollars(max(budget.amount_cents - committed, 0)),
                }
            )
        values["status"] = IncentiveStatus.APPROVED
    else:
        values["status"] = IncentiveStatus.DECLINED
        values["decline_reason"] = _text(
            reason, field="reason", label=_("Reason for declining"), limit=REASON_MAX, required=True
        )
    return audited_update(
        actor=actor, instance=stored, action="incentive.decide", values=values, expected_version=expected_version
    )


@transaction.atomic
def incentive_withdraw(
    *, actor: User | None, incentive: Incentive, expected_version: int, reason: str = ""
) -> Incentive:
    """Withdraw a proposal before it is decided (its proposer, or a manager); or, a manager only,
    an approval of which nothing is paid (a mistaken approval: its decision stays on record and the
    budget is freed), with the reason. The milestone may then be proposed again."""
    require(actor, "incentive.withdraw", incentive)
    stored = _fresh(incentive, expected_version)
    reason = _text(reason, field="reason", label=_("Reason for withdrawing"), limit=REASON_MAX)
    if stored.status == IncentiveStatus.APPROVED:
        require(actor, "incentive.decide", stored)  # undoing an approval is a manager's decision
        if _net_paid(stored) != 0:
            raise ValidationError(_("This incentive is paid: reverse its payment before withdrawing the approval."))
        if not reason:
            raise ValidationError({"reason": _("Give the reason for withdrawing an approval.")})
    elif stored.status != IncentiveStatus.PROPOSED:
        raise ValidationError(
            _("This incentive is %(status)s: only a proposal or an unpaid approval can be withdrawn.")
            % {"status": stored.get_status_display().lower()}
        )
    return audited_update(
        actor=actor,
        instance=stored,
        action="incentive.withdraw",
        values={
            "status": IncentiveStatus.WITHDRAWN,
            "withdrawn_by": actor,
            "withdrawn_at": timezone.now(),
            "withdraw_reason": reason,
        },
        expected_version=expected_version,
    )


# --- payments: a ledger, never changed --------------------------------------------------------------


@transaction.atomic
def incentive_pay(
    *, actor: User | None, incentive: Incentive, paid_on: dt.date, method: str, reference: str = ""
) -> IncentivePayment:
    """Record the payment of an approved incentive: its whole amount, once (net of reversals)."""
    require(actor, "incentive.pay", incentive)
    stored = Incentive.objects.select_for_update().get(pk=incentive.pk)
    if stored.status != IncentiveStatus.APPROVED:
        raise ValidationError(
            _("Only an approved incentive is paid; this one is %(status)s.")
            % {"status": stored.get_status_display().lower()}
        )
    paid_on = _day(paid_on, field="paid_on", label=_("Paid on"))
    if paid_on < stored.reached_on:
        raise ValidationError(
            {"paid_on": _("Paid on cannot be before the milestone was reached (%(day)s).") % {"day": stored.reached_on}}
        )
    if method not in PaymentMethod.values:
        raise ValidationError(
            {"method": _("Choose how it was paid: %(methods)s.") % {"methods": ", ".join(PaymentMethod.values)}}
        )
    reference = _text(reference, field="reference", label=_("Reference"), limit=REFERENCE_MAX)
    if _net_paid(stored) != 0:
        raise ValidationError(
            _("This incentive is paid already: reverse that payment first if it has to be paid again.")
        )
    return audited_create(
        actor=actor,
        model=IncentivePayment,
        action="incentive.pay",
        values={
            "incentive": stored,
            "paid_on": paid_on,
            "method": method,
            "reference": reference,
            "amount_cents": stored.amount_cents,
            "recorded_by": actor,
        },
    )


@transaction.atomic
def payment_reverse(*, actor: User | None, payment: IncentivePayment, reason: str) -> IncentivePayment:
    """Reverse a payment, with the reason: a row of its own, dated today, with the negative amount
    (the payment itself is never changed). A payment is reversed once; a reversal is not reversed
    (pay the incentive again instead)."""
    require(actor, "incentive.reverse", payment)
    reason = _text(reason, field="reason", label=_("Reason for reversing"), limit=REASON_MAX, required=True)
    Incentive.objects.select_for_update().get(pk=payment.incentive_id)
    stored = IncentivePayment.objects.get(pk=payment.pk)
    if stored.reversal_of_id is not None:
        raise ValidationError(_("This is a reversal: it cannot be reversed. Pay the incentive again instead."))
    if IncentivePayment.objects.filter(reversal_of=stored).exists():
        raise ValidationError(_("This payment was reversed already."))
    return audited_create(
        actor=actor,
        model=IncentivePayment,
        action="incentive.reverse",
        values={
            "incentive_id": stored.incentive_id,
            "paid_on": program_today(),
            "method": stored.method,
            "reference": stored.reference,
            "amount_cents": -stored.amount_cents,
            "reversal_of": stored,
            "reason": reason,
            "recorded_by": actor,
        },
    )


# --- budgets -------------------------------------------------------------------------------------


@transaction.atomic
def budget_set(
    *,
    actor: User | None,
    fiscal_year: int,
    amount_cents: int,
    note: str = "",
    expected_version: int | None = None,
) -> IncentiveBudget:
    """Set a fiscal year's budget (a manager): a new one without ``expected_version``, a change of
    the stored one at that version. A budget may be raised or lowered, never below what is approved
    in that year already."""
    require(actor, "incentive.budget")
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int) or not 1900 <= fiscal_year <= 2199:
        raise ValidationError({"fiscal_year": _("Fiscal year: the calendar year it starts in, 1900 to 2199.")})
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or not 0 <= amount_cents <= MAX_CENTS:
        raise ValidationError({"amount_cents": _("Amount: from $0.00 to %(most)s.") % {"most": dollars(MAX_CENTS)}})
    note = _text(note, field="note", label=_("Note"), limit=NOTE_MAX)
    label = fiscal_year_label(fiscal_year)
    stored = IncentiveBudget.objects.select_for_update().filter(fiscal_year=fiscal_year).first()
    committed = committed_cents(fiscal_year)
    if amount_cents < committed:
        raise ValidationError(
            {
                "amount_cents": _(
                    "The %(year)s budget cannot be less than what is approved in that year already: %(committed)s."
                )
                % {"year": label, "committed": dollars(committed)}
            }
        )
    if stored is None:
        if expected_version is not None:
            raise ValidationError(
                {
                    "fiscal_year": _("No budget is set for %(year)s yet: set one (there is no version to change).")
                    % {"year": label}
                }
            )
        return audited_create(
            actor=actor,
            model=IncentiveBudget,
            action="incentive.budget",
            values={"fiscal_year": fiscal_year, "amount_cents": amount_cents, "note": note, "set_by": actor},
        )
    if expected_version is None:
        # Whoever asked believed there was none: someone else set it meanwhile.
        raise ConflictError(stored)
    return audited_update(
        actor=actor,
        instance=stored,
        action="incentive.budget",
        values={"amount_cents": amount_cents, "note": note, "set_by": actor},
        expected_version=expected_version,
    )
