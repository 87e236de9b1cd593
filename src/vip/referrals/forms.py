from __future__ import annotations

from django import forms

from vip.accounts.models import User
from vip.core.forms import StaffForm, date_input
from vip.core.models import Area
from vip.referrals.choices import ReferralCloseReason, ReferralSource


class ReferralForm(StaffForm):
    received_on = forms.DateField(label="Received on", widget=date_input())
    source = forms.ChoiceField(label="Source", choices=ReferralSource.choices)
    referred_by = forms.CharField(label="Referred by (organisation or unit)", max_length=200, required=False)
    area = forms.ModelChoiceField(label="Area", queryset=Area.objects.filter(active=True), required=False)
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AssignForm(StaffForm):
    assignee = forms.ModelChoiceField(
        label="Assign to",
        queryset=User.objects.filter(is_active=True, role__in=["peer", "police", "manager"]).order_by("username"),
    )


class CloseForm(StaffForm):
    closed_on = forms.DateField(label="Closed on", widget=date_input())
    reason = forms.ChoiceField(label="Reason", choices=ReferralCloseReason.choices)
