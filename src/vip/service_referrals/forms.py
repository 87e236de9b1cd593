from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from vip.core.forms import StaffForm, date_input
from vip.core.models import Area, ServiceCategory
from vip.core.paging import QueueForm, Sort, name_matches
from vip.service_referrals.choices import ServiceReferralStatus
from vip.service_referrals.models import ConsentRecipient, Service, ServiceReferral


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


# --- the service referrals queue ------------------------------------------------------------------

OPEN, WAITING, ALL = "open", "waiting", "all"


class ServiceReferralQueueForm(QueueForm):
    """The service referrals' filters: by default the open ones, those waiting longest first."""

    SORTS: ClassVar[dict[str, Sort]] = {
        "waiting": Sort(_("Waiting longest first"), ("referred_on", "pk")),
        "newest": Sort(_("Newest first"), ("-referred_on", "-pk")),
        "person": Sort(_("Person's name"), (Lower("person__last_name"), Lower("person__first_name"), "pk")),
    }

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (OPEN, _("Open (referred or connected)")),
            (WAITING, _("Awaiting connection")),
            *ServiceReferralStatus.choices,
            (ALL, _("All")),
        ],
    )
    category = forms.ModelChoiceField(
        label=_("Service"),
        required=False,
        queryset=ServiceCategory.objects.order_by("report_order", "name"),
        empty_label=_("Any"),
    )
    area = forms.ModelChoiceField(label=_("Area"), required=False, queryset=Area.objects.all(), empty_label=_("Any"))
    mine = forms.ChoiceField(label=_("Referred by"), required=False, choices=[("", _("Anyone")), ("me", _("Me"))])
    referred_from = forms.DateField(label=_("Referred from"), required=False, widget=date_input())
    referred_to = forms.DateField(label=_("Referred to"), required=False, widget=date_input())

    field_order = ("q", "status", "category", "area", "mine", "referred_from", "referred_to", "sort")

    def narrow(self, referrals: QuerySet[ServiceReferral], user: Any) -> QuerySet[ServiceReferral]:
        status = self.value("status") or OPEN
        if status == OPEN:
            referrals = referrals.filter(status__in=["referred", "connected"])
        elif status == WAITING:
            referrals = referrals.filter(status="referred")
        elif status != ALL:
            referrals = referrals.filter(status=status)
        if category := self.value("category"):
            referrals = referrals.filter(category=category)
        if area := self.value("area"):
            referrals = referrals.filter(person__area=area)
        if self.value("mine"):
            referrals = referrals.filter(referred_by=user)
        if start := self.value("referred_from"):
            referrals = referrals.filter(referred_on__gte=start)
        if end := self.value("referred_to"):
            referrals = referrals.filter(referred_on__lte=end)
        if words := self.words():
            referrals = referrals.filter(name_matches(words, "person"))
        return referrals.order_by(*self.ordering())
