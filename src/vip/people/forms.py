from __future__ import annotations

from django import forms

from vip.core.forms import StaffForm, choices_with_blank, date_input
from vip.core.models import Area
from vip.people.choices import Ethnicity, Race, Sex


class PersonForm(StaffForm):
    first_name = forms.CharField(label="First name", max_length=100)
    middle_name = forms.CharField(label="Middle name", max_length=100, required=False)
    last_name = forms.CharField(label="Last name", max_length=100)
    date_of_birth = forms.DateField(label="Date of birth", required=False, widget=date_input())
    sex = forms.ChoiceField(label="Sex", choices=choices_with_blank(Sex.choices, "unknown"), required=False)
    race = forms.ChoiceField(label="Race", choices=choices_with_blank(Race.choices, "unknown"), required=False)
    ethnicity = forms.ChoiceField(
        label="Ethnicity", choices=choices_with_blank(Ethnicity.choices, "unknown"), required=False
    )
    address = forms.CharField(label="Address", max_length=200, required=False)
    city = forms.CharField(label="City", max_length=100, required=False)
    state = forms.CharField(label="State", max_length=50, required=False)
    postal_code = forms.CharField(label="Postal code", max_length=20, required=False)
    area = forms.ModelChoiceField(label="Area", queryset=Area.objects.filter(active=True), required=False)
    phone = forms.CharField(label="Phone", max_length=50, required=False)
