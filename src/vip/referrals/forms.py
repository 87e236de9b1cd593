from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vip.accounts.models import User
from vip.core.forms import StaffForm, date_input
from vip.core.models import Area
from vip.referrals.choices import ReferralCloseReason, ReferralSource


class ReferralForm(StaffForm):
    received_on = forms.DateField(label=_("Received on"), widget=date_input())
    source = forms.ChoiceField(label=_("Source"), choices=ReferralSource.choices)
    referred_by = forms.CharField(label=_("Referred by (organisation or unit)"), max_length=200, required=False)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.filter(active=True), required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AssignForm(StaffForm):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=User.objects.filter(is_active=True, role__in=["peer", "police", "manager"]).order_by("username"),
    )


class CloseForm(StaffForm):
    closed_on = forms.DateField(label=_("Closed on"), widget=date_input())
    reason = forms.ChoiceField(label=_("Reason"), choices=ReferralCloseReason.choices)
