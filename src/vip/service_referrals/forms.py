from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vip.core.forms import StaffForm, date_input
from vip.core.models import ServiceCategory
from vip.service_referrals.models import ConsentRecipient, Service


class ServiceReferralForm(StaffForm):
    category = forms.ModelChoiceField(label=_("Kind of service"), queryset=ServiceCategory.objects.filter(active=True))
    service = forms.ModelChoiceField(
        label=_("Service (from the catalogue)"), queryset=Service.objects.filter(active=True), required=False
    )
    provider = forms.CharField(label=_("Provider"), max_length=200, required=False)
    details = forms.CharField(label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    referred_on = forms.DateField(label=_("Referred on"), widget=date_input())


class MoveForm(StaffForm):
    status = forms.ChoiceField(label=_("New status"), choices=[])
    on = forms.DateField(label=_("On"), widget=date_input())
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: object, allowed: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["status"].choices = allowed  # type: ignore[attr-defined]


class ConsentForm(StaffForm):
    purpose = forms.CharField(
        label=_("Purpose of the disclosure"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("As written on the signed consent form, e.g. 'coordinate treatment and housing'."),
    )
    recipient_kind = forms.ChoiceField(label=_("Disclosed to"), choices=ConsentRecipient.choices)
    recipient = forms.CharField(
        label=_("Recipient named on the form"),
        max_length=200,
        help_text=_("The organisation or person (or 'VIP program managers')."),
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=date_input())
    expires_on = forms.DateField(label=_("Expires on"), widget=date_input())


class RevokeForm(StaffForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
