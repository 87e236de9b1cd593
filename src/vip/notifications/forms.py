from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vip.accounts.models import User
from vip.core.forms import StaffForm, date_input, datetime_input
from vip.core.models import Area
from vip.notifications.choices import AttemptOutcome, TeamRole

YES_NO = [("", _("not recorded")), ("yes", _("yes")), ("no", _("no"))]


class PlanForm(StaffForm):
    planned_on = forms.DateField(label=_("Planned for"), widget=date_input())
    team = forms.ModelMultipleChoiceField(
        label=_("Team"),
        queryset=User.objects.filter(is_active=True, role__in=["peer", "police", "manager"]).order_by("username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.filter(active=True), required=False)


class AttemptForm(StaffForm):
    attempted_at = forms.DateTimeField(label=_("When"), widget=datetime_input(), input_formats=["%Y-%m-%dT%H:%M"])
    outcome = forms.ChoiceField(label=_("Outcome"), choices=AttemptOutcome.choices, widget=forms.RadioSelect)
    team = forms.MultipleChoiceField(
        label=_("Team present"), choices=TeamRole.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    area = forms.ModelChoiceField(
        label=_("Area where it took place"), queryset=Area.objects.filter(active=True), required=False
    )
    legal_risk_explained = forms.ChoiceField(
        label=_("Legal risk explained"), choices=YES_NO, required=False, widget=forms.RadioSelect
    )
    offer_of_help = forms.ChoiceField(
        label=_("Offer of help made"), choices=YES_NO, required=False, widget=forms.RadioSelect
    )
    letter_given = forms.ChoiceField(label=_("Letter given"), choices=YES_NO, required=False, widget=forms.RadioSelect)
    notes = forms.CharField(
        label=_("Notes (peer support only)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def message_part(self, name: str) -> bool | None:
        value = self.cleaned_data.get(name)
        return None if not value else value == "yes"


class LegalAssessmentForm(StaffForm):
    text = forms.CharField(label=_("Custom legal assessment"), widget=forms.Textarea(attrs={"rows": 8}))
    version = forms.IntegerField(widget=forms.HiddenInput)
