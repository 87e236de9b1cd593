from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vip.accounts.models import User
from vip.core.forms import StaffForm, choices_with_blank, date_input
from vip.core.models import Area
from vip.people.choices import AliasKind, Ethnicity, Race, Sex


class PersonForm(StaffForm):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    middle_name = forms.CharField(label=_("Middle name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=date_input())
    sex = forms.ChoiceField(label=_("Sex"), choices=choices_with_blank(Sex.choices, _("unknown")), required=False)
    race = forms.ChoiceField(label=_("Race"), choices=choices_with_blank(Race.choices, _("unknown")), required=False)
    ethnicity = forms.ChoiceField(
        label=_("Ethnicity"), choices=choices_with_blank(Ethnicity.choices, _("unknown")), required=False
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    state = forms.CharField(label=_("State"), max_length=50, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.filter(active=True), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)


class PersonEditForm(PersonForm):
    """The person's details as they are now; saved only if nobody changed them meanwhile."""

    # Set or corrected here only: a person is not entered as dead.
    died_on = forms.DateField(
        label=_("Date of death"),
        required=False,
        widget=date_input(),
        help_text=_("Leave empty unless the person is known to have died."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    field_order = ["first_name", "middle_name", "last_name", "date_of_birth", "died_on"]


class AliasForm(StaffForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=AliasKind.choices)
    name = forms.CharField(label=_("Nickname or street name"), max_length=200, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not any(str(data.get(n) or "").strip() for n in ("name", "first_name", "last_name")):
            raise forms.ValidationError(_("Give a name, a first name or a last name."))
        return data


class AssignPeerForm(StaffForm):
    peer = forms.ModelChoiceField(
        label=_("Peer support worker"),
        queryset=User.objects.filter(is_active=True, role="peer").order_by("username"),
        required=False,
        empty_label=_("nobody (take off every caseload)"),
    )
