"""The forms of safety plans: write or revise a plan, check in, void a check-in; the list's filters."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from vip.core.forms import StaffForm, date_input, datetime_input
from vip.core.paging import QueueForm, Sort, name_matches
from vip.safety_plans.choices import SECTIONS, CheckInStatus
from vip.safety_plans.models import REASON_MAX, SECTION_MAX, SafetyPlan
from vip.safety_plans.selectors import CHECK_IN_DUE_DAYS, check_in_due_since


class SafetyPlanForm(StaffForm):
    """The plan's sections, written with the person. A revision (``revision=True``) also asks why,
    and carries the plan's version it started from."""

    written_on = forms.DateField(label=_("Written on"), widget=date_input())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, revision: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label, help_text in SECTIONS:
            self.fields[name] = forms.CharField(
                label=label,
                help_text=help_text,
                required=False,
                max_length=SECTION_MAX,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        if revision:
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the revision"),
                help_text=_("What changed in the person's life, or in the plan."),
                max_length=REASON_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )


FITS = (("", _("Not asked")), ("yes", _("Yes")), ("no", _("No: the plan needs a revision")))


def _fits(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class CheckInForm(StaffForm):
    checked_at = forms.DateTimeField(label=_("When"), widget=datetime_input(), input_formats=["%Y-%m-%dT%H:%M"])
    status = forms.ChoiceField(label=_("How is the person?"), choices=CheckInStatus.choices, widget=forms.RadioSelect)
    plan_still_fits = forms.TypedChoiceField(
        label=_("Does the plan still fit?"),
        choices=FITS,
        coerce=_fits,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=SECTION_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class VoidForm(StaffForm):
    reason = forms.CharField(
        label=_("Why is this check-in void?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# The list's "show" filter: the plans, or the people on the caseload without one.
PLANS, NO_PLAN = "", "no_plan"
# The status filter's value for plans nobody has checked in on yet.
NO_CHECK_IN = "none"


class SafetyPlanQueueForm(QueueForm):
    """The list of safety plans: the longest without a check-in first unless asked otherwise."""

    SORTS: ClassVar[dict[str, Sort]] = {
        "due": Sort(_("Longest without a check-in first"), (F("last_check_in_at").asc(nulls_first=True), "pk")),
        "person": Sort(_("Person's name"), (Lower("person__last_name"), Lower("person__first_name"), "pk")),
        "recent": Sort(_("Latest check-in first"), (F("last_check_in_at").desc(nulls_last=True), "-pk")),
    }

    show = forms.ChoiceField(
        label=_("Show"), required=False, choices=[(PLANS, _("Plans")), (NO_PLAN, _("People without a plan yet"))]
    )
    overdue = forms.BooleanField(
        label=format_lazy(_("Check-in overdue (none in the last {days} days)"), days=CHECK_IN_DUE_DAYS), required=False
    )
    status = forms.ChoiceField(
        label=_("Last check-in"),
        required=False,
        choices=[("", _("Any")), *CheckInStatus.choices, (NO_CHECK_IN, _("None yet"))],
    )

    field_order = ("q", "show", "overdue", "status", "sort")

    def no_plan(self) -> bool:
        return self.value("show") == NO_PLAN

    def narrow(self, plans: QuerySet[SafetyPlan]) -> QuerySet[SafetyPlan]:
        """The plans the filters keep (of those the selector gave the reader), in the chosen order."""
        if self.value("overdue"):
            plans = plans.filter(Q(last_check_in_at__isnull=True) | Q(last_check_in_at__lt=check_in_due_since()))
        status = self.value("status")
        if status == NO_CHECK_IN:
            plans = plans.filter(Q(last_check_in_status__isnull=True))
        elif status:
            plans = plans.filter(Q(last_check_in_status=status))
        if words := self.words():
            plans = plans.filter(name_matches(words, "person"))
        return plans.order_by(*self.ordering())

    def narrow_people(self, people: Any) -> Any:
        """The people without a plan the search keeps, by name."""
        if words := self.words():
            people = people.filter(name_matches(words))
        return people.order_by(Lower("last_name"), Lower("first_name"), "pk")
