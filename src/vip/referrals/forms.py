from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from vip.accounts.models import User
from vip.core.forms import StaffForm, choices_with_blank, date_input
from vip.core.models import Area
from vip.core.paging import QueueForm, Sort, name_matches
from vip.referrals.choices import ReferralCloseReason, ReferralSource, ReferralStatus
from vip.referrals.models import Referral


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


# --- the referral queue ------------------------------------------------------------------------

OPEN = "open"
ALL = "all"
ME, NOBODY = "me", "none"


class ReferralQueueForm(QueueForm):
    """The referral queue's filters: newest first unless asked otherwise."""

    SORTS: ClassVar[dict[str, Sort]] = {
        "newest": Sort(_("Newest first"), ("-received_on", "-pk")),
        "oldest": Sort(_("Oldest first"), ("received_on", "pk")),
        "person": Sort(_("Person's name"), (Lower("person__last_name"), Lower("person__first_name"), "pk")),
    }

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(OPEN, _("Open")), *ReferralStatus.choices, (ALL, _("All"))],
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=choices_with_blank(ReferralSource.choices, _("Any"))
    )
    area = forms.ModelChoiceField(label=_("Area"), required=False, queryset=Area.objects.all(), empty_label=_("Any"))
    assigned = forms.ChoiceField(label=_("Assigned to"), required=False)
    received_from = forms.DateField(label=_("Received from"), required=False, widget=date_input())
    received_to = forms.DateField(label=_("Received to"), required=False, widget=date_input())

    field_order = ("q", "status", "source", "area", "assigned", "received_from", "received_to", "sort")

    def __init__(self, data: Any = None, *, staff: Iterable[User] = ()) -> None:
        self.staff = list(staff)
        super().__init__(data)

    def full_clean(self) -> None:
        # The assigned filter's choices are set before the form is cleaned (QueueForm cleans at once).
        self.fields["assigned"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            (ME, _("Me")),
            (NOBODY, _("Nobody yet")),
            *[(str(u.pk), str(u)) for u in self.staff],
        ]
        super().full_clean()

    def narrow(self, referrals: QuerySet[Referral], user: User) -> QuerySet[Referral]:
        """The referrals the filters keep (of those the selector gave the user)."""
        status = self.value("status") or OPEN
        if status == OPEN:
            referrals = referrals.exclude(status=ReferralStatus.CLOSED)
        elif status != ALL:
            referrals = referrals.filter(status=status)
        if source := self.value("source"):
            referrals = referrals.filter(source=source)
        if area := self.value("area"):
            referrals = referrals.filter(area=area)
        assignee = self.value("assigned")
        if assignee == ME:
            referrals = referrals.filter(assigned_to=user)
        elif assignee == NOBODY:
            referrals = referrals.filter(assigned_to__isnull=True)
        elif assignee:
            referrals = referrals.filter(assigned_to_id=int(assignee))
        if start := self.value("received_from"):
            referrals = referrals.filter(received_on__gte=start)
        if end := self.value("received_to"):
            referrals = referrals.filter(received_on__lte=end)
        if words := self.words():
            # A name (accents folded in the database's stored folded name) or a referral's key.
            key = self.value("q") or ""
            referrals = referrals.filter(name_matches(words, "person") | Q(key__iexact=key))
        return referrals.order_by(*self.ordering())
