from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from vip.core.config import program_zone
from vip.core.forms import StaffForm, date_input
from vip.core.models import Area
from vip.core.paging import QueueForm, Sort, name_matches
from vip.identification.choices import ReviewDecision, ReviewRole
from vip.identification.models import Candidate


class ReviewForm(StaffForm):
    held_on = forms.DateField(label=_("Held on"), widget=date_input())
    agencies_present = forms.CharField(label=_("Agencies present"), max_length=300, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ReviewIncidentForm(StaffForm):
    incident_key = forms.CharField(label=_("Incident (case number)"), max_length=100)
    discussion = forms.CharField(label=_("Discussion"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class IdentifyForm(StaffForm):
    """Who the review identified: one of the people of the incidents it discussed, someone found by
    name, or a person's key typed in (as on their page or in the records system)."""

    involved = forms.ChoiceField(
        label=_("People of the incidents reviewed"), widget=forms.RadioSelect, required=False, choices=[]
    )
    person_key = forms.CharField(
        label=_("Or the person's key"),
        max_length=100,
        required=False,
        help_text=_("As on the person's page (under their name) or in the records system."),
    )
    incident_key = forms.CharField(label=_("Incident (case number)"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ReviewRole.choices)
    decision = forms.ChoiceField(label=_("Decision"), choices=ReviewDecision.choices)
    follow_up = forms.CharField(label=_("Follow-up"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    follow_up_by = forms.DateField(label=_("Follow up by"), widget=date_input(), required=False)

    def __init__(self, *args: Any, offered: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        involved = self.fields["involved"]
        assert isinstance(involved, forms.ChoiceField)
        involved.choices = [("", _("someone else (found below or by key)")), *(offered or [])]
        if not offered:
            del self.fields["involved"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A person found by the name lookup comes as a radio button of the results (``pick``).
        data["pick"] = str(self.data.get(self.add_prefix("pick"), "")).strip()[:100]
        if not (data.get("involved") or data["pick"] or str(data.get("person_key") or "").strip()):
            raise forms.ValidationError(_("Choose a person of the incidents, find one by name, or give a key."))
        return data


class CandidateDecisionForm(StaffForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve for a custom notification")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Say why; the reason is kept with the decision."),
    )


class RevalidateForm(StaffForm):
    reason = forms.CharField(
        label=_("Why the approval still holds"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class DisparityForm(StaffForm):
    """The period (and, for program managers, the audience) of the disparity report."""

    start = forms.DateField(label=_("From"), widget=date_input())
    end = forms.DateField(label=_("To"), widget=date_input())
    audience = forms.ChoiceField(
        label=_("Audience"),
        choices=[("public", _("Public (small counts withheld)")), ("official", _("Official (exact counts)"))],
    )

    def __init__(self, *args: Any, exact_allowed: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not exact_allowed:
            del self.fields["audience"]  # analysts: always the disclosure-controlled version

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


class CandidateQueueForm(QueueForm):
    """The candidates queue's filters (the status is the tab). Proposals: by the published
    weights unless asked otherwise."""

    SORTS: ClassVar[dict[str, Sort]] = {
        "order": Sort(_("The queue's order"), ()),
        "newest": Sort(_("Newest first"), ("-proposed_at", "-pk")),
        "oldest": Sort(_("Oldest first"), ("proposed_at", "pk")),
    }

    status = forms.CharField(required=False, widget=forms.HiddenInput)
    area = forms.ModelChoiceField(label=_("Area"), required=False, queryset=Area.objects.all(), empty_label=_("Any"))
    proposed_from = forms.DateField(label=_("Proposed from"), required=False, widget=date_input())
    proposed_to = forms.DateField(label=_("Proposed to"), required=False, widget=date_input())

    field_order = ("q", "area", "proposed_from", "proposed_to", "sort", "status")

    def narrow(self, items: QuerySet[Candidate], status: str) -> QuerySet[Candidate]:
        if area := self.value("area"):
            items = items.filter(person__area=area)
        zone = program_zone()
        if start := self.value("proposed_from"):
            items = items.filter(proposed_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=zone))
        if end := self.value("proposed_to"):
            items = items.filter(
                proposed_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
            )
        if words := self.words():
            items = items.filter(name_matches(words, "person"))
        if self.sort_key() != "order":
            return items.order_by(*self.ordering())
        if status == "approved":
            return items.order_by("expires_on", "pk")
        if status == "proposed":
            return items.order_by("-score", "proposed_at", "pk")
        return items.order_by("-updated_at", "-pk")
