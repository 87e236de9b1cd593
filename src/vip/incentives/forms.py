from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from vip.core.config import Milestone
from vip.core.forms import StaffForm, choices_with_blank, date_input
from vip.core.paging import QueueForm, Sort, name_matches
from vip.incentives.choices import IncentiveStatus, PaymentMethod
from vip.incentives.figures import dollars, fiscal_year_label, fiscal_year_span, milestone_name
from vip.incentives.models import MAX_CENTS, Incentive


def milestone_choices(known: dict[str, Milestone]) -> list[tuple[str, str]]:
    """Each milestone with its amount, as the profile gives them: "Safety plan made ($25.00)"."""
    return [(code, f"{milestone_name(code, known)} ({dollars(m.amount_cents)})") for code, m in known.items()]


class ProposeForm(StaffForm):
    milestone = forms.ChoiceField(label=_("Milestone"), widget=forms.RadioSelect)
    reached_on = forms.DateField(label=_("Reached on"), widget=date_input())
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("For peer support only: managers and police never see it."),
    )

    def __init__(self, *args: Any, milestones: dict[str, Milestone], compact: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = milestone_choices(milestones)  # type: ignore[attr-defined]
        if compact:  # the case file's card: a list to choose from, a short note
            self.fields["milestone"].widget = forms.Select(choices=[("", "—"), *milestone_choices(milestones)])
            self.fields["note"].widget = forms.Textarea(attrs={"rows": 2})


class DecideForm(StaffForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for declining"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to decline."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class WithdrawForm(StaffForm):
    reason = forms.CharField(
        label=_("Reason for withdrawing"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to withdraw an approval."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class PayForm(StaffForm):
    paid_on = forms.DateField(label=_("Paid on"), widget=date_input())
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, widget=forms.RadioSelect)
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=100,
        help_text=_("The gift card's or check's number."),
    )


class ReverseForm(StaffForm):
    reason = forms.CharField(label=_("Reason for reversing"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class BudgetForm(StaffForm):
    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int)
    amount = forms.DecimalField(
        label=_("Budget (dollars)"),
        min_value=Decimal(0),
        max_value=Decimal(MAX_CENTS) / 100,
        decimal_places=2,
        max_digits=12,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spans = {year: fiscal_year_span(year) for year in years}
        self.fields["fiscal_year"].choices = [  # type: ignore[attr-defined]
            (year, _("%(year)s (%(start)s to %(end)s)") % {"year": span.label, "start": span.start, "end": span.end})
            for year, span in spans.items()
        ]


class FinanceForm(StaffForm):
    """The finance export's period: ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (the days paid, inclusive;
    the fields are named as the address names them, below the class: ``from`` is a keyword)."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from") and data.get("to") and data["to"] < data["from"]:
            self.add_error("to", _("The period ends before it starts."))
        return data


FinanceForm.base_fields["from"] = forms.DateField(label=_("Paid from"), widget=date_input())
FinanceForm.base_fields["to"] = forms.DateField(label=_("Paid to"), widget=date_input())


ALL = "all"


class IncentiveQueueForm(QueueForm):
    """The incentives list's filters: by status, milestone, fiscal year and person (a name or key)."""

    SORTS: ClassVar[dict[str, Sort]] = {
        "newest": Sort(_("Newest milestone first"), ("-reached_on", "-pk")),
        "oldest": Sort(_("Oldest milestone first"), ("reached_on", "pk")),
        "person": Sort(_("Person's name"), (Lower("person__last_name"), Lower("person__first_name"), "pk")),
    }

    status = forms.ChoiceField(label=_("Status"), required=False)
    milestone = forms.ChoiceField(label=_("Milestone"), required=False)
    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year"), required=False, coerce=int, empty_value=None)
    # A person's incentives (the case file's link): their id.
    person = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    field_order = ("q", "status", "milestone", "fiscal_year", "sort", "person")

    def __init__(self, data: Any = None, *, milestones: dict[str, Milestone], years: list[int]) -> None:
        self.milestones = milestones
        self.years = years
        super().__init__(data)

    def full_clean(self) -> None:
        # The choices are set before the form is cleaned (QueueForm cleans at once).
        self.fields["status"].choices = [("", _("Any")), *IncentiveStatus.choices]  # type: ignore[attr-defined]
        self.fields["milestone"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *((code, milestone_name(code, self.milestones)) for code in self.milestones),
        ]
        self.fields["fiscal_year"].choices = choices_with_blank(  # type: ignore[attr-defined]
            [(year, fiscal_year_label(year)) for year in self.years], _("Any")
        )
        self.fields["q"].label = _("Person (name or key)")
        super().full_clean()

    def narrow(self, incentives: QuerySet[Incentive]) -> QuerySet[Incentive]:
        """The incentives the filters keep (of those the selector gave the reader)."""
        if status := self.value("status"):
            incentives = incentives.filter(status=status)
        if milestone := self.value("milestone"):
            incentives = incentives.filter(milestone=milestone)
        if (year := self.value("fiscal_year")) is not None:
            span = fiscal_year_span(year)
            incentives = incentives.filter(reached_on__gte=span.start, reached_on__lte=span.end)
        if (person := self.value("person")) is not None:
            incentives = incentives.filter(person_id=person)
        if words := self.words():
            key = (self.value("q") or "").strip()
            incentives = incentives.filter(name_matches(words, "person") | Q(person__key=key))
        return incentives.order_by(*self.ordering())
