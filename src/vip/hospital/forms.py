from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from vip.core.dates import Month
from vip.core.forms import StaffForm, choices_with_blank, date_input, datetime_input
from vip.core.paging import QueueForm, Sort, name_matches
from vip.hospital.choices import ConsentToContact, InjuryType, VisitOutcome
from vip.hospital.models import BedsideVisit, HospitalReferral

NOTES_HELP = _("Peer support: managers and police never see these notes.")
CLINICAL_HELP = _("Health information: only the peer support workers of this person read it.")


class DetailsForm(StaffForm):
    """The hospital's details of a referral (shared by recording and changing one)."""

    hospital = forms.CharField(
        label=_("Hospital"), max_length=200, widget=forms.TextInput(attrs={"list": "known-hospitals"})
    )
    unit = forms.CharField(label=_("Unit or ward"), max_length=100, required=False)
    injury_date = forms.DateField(label=_("Injury date"), widget=date_input())
    injury_type = forms.ChoiceField(label=_("Injury"), choices=InjuryType.choices, widget=forms.RadioSelect)
    admitted = forms.TypedChoiceField(
        label=_("Admitted to the hospital"),
        choices=[("True", _("Yes")), ("False", _("No"))],
        coerce=lambda value: value == "True",
        widget=forms.RadioSelect,
    )
    consent_to_contact = forms.ChoiceField(
        label=_("Consent to contact"), choices=ConsentToContact.choices, widget=forms.RadioSelect
    )
    referring_staff = forms.CharField(label=_("Referring staff (name, role)"), max_length=200, required=False)
    clinical_notes = forms.CharField(
        label=_("Clinical notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=CLINICAL_HELP,
    )

    def __init__(self, *args: Any, clinical: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not clinical:  # a role that does not read the clinical notes does not write them either
            del self.fields["clinical_notes"]


class RecordForm(DetailsForm):
    received_on = forms.DateField(label=_("Referral received on"), widget=date_input())

    field_order = ("received_on", "hospital", "unit", "injury_date", "injury_type", "admitted")


class UpdateForm(DetailsForm):
    consent_recorded_on = forms.DateField(
        label=_("Consent answered on"),
        widget=date_input(),
        required=False,
        help_text=_("The day the patient answered: today if the answer changes and this day does not."),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=500,
        required=False,
        help_text=_("Say why if a mistake is corrected; otherwise it is kept as new information."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    field_order = ("hospital", "unit", "injury_date", "injury_type", "admitted", "consent_to_contact")

    def changes(self, record: HospitalReferral) -> dict[str, Any]:
        """The details the form changes on ``record`` (the consent's day only when it was changed)."""
        data = self.cleaned_data
        names = [n for n in self.fields if n not in {"reason", "version", "consent_recorded_on"}]
        values = {n: data[n] for n in names if data[n] != getattr(record, n)}
        if data["consent_recorded_on"] != record.consent_recorded_on and data["consent_recorded_on"] is not None:
            values["consent_recorded_on"] = data["consent_recorded_on"]
        elif data["consent_to_contact"] == ConsentToContact.NOT_ASKED and record.consent_recorded_on is not None:
            values["consent_recorded_on"] = None
        return values


CONSENT_ANSWERS = [("", _("Not asked at this visit")), ("yes", _("Yes, the program may contact them")), ("no", _("No"))]


class VisitForm(StaffForm):
    attempted_at = forms.DateTimeField(label=_("When"), widget=datetime_input(), input_formats=["%Y-%m-%dT%H:%M"])
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices, widget=forms.RadioSelect)
    consent_given = forms.ChoiceField(
        label=_("Consent to contact, as the patient answered"),
        choices=CONSENT_ANSWERS,
        required=False,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text=NOTES_HELP
    )

    def __init__(self, *args: Any, notes: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not notes:  # a manager records that a visit happened, not what was said
            del self.fields["notes"]

    def consent(self) -> bool | None:
        answer = self.cleaned_data.get("consent_given")
        return None if not answer else answer == "yes"


class VoidForm(StaffForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Managers read it in the history: do not repeat what the person said."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class PatientSearchForm(StaffForm):
    q = forms.CharField(
        label=_("Name or date of birth of the patient"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "class": "search-box"}),
    )


# --- the queue ----------------------------------------------------------------------------------

ANY, NONE_YET, VISITED = "", "none", "visited"
INCLUDED = "included"


class QueueFilterForm(QueueForm):
    """The hospital referrals' filters: newest received first unless asked otherwise."""

    SORTS: ClassVar[dict[str, Sort]] = {
        "newest": Sort(_("Newest first"), ("-referral__received_on", "-pk")),
        "oldest": Sort(_("Oldest first"), ("referral__received_on", "pk")),
        "injury": Sort(_("Injury date"), ("-injury_date", "-pk")),
        "person": Sort(
            _("Person's name"), (Lower("referral__person__last_name"), Lower("referral__person__first_name"), "pk")
        ),
    }

    visits = forms.ChoiceField(
        label=_("Bedside visits"),
        required=False,
        choices=[(ANY, _("Any")), (NONE_YET, _("No visit yet")), (VISITED, _("Visited"))],
    )
    consent = forms.ChoiceField(
        label=_("Consent to contact"), required=False, choices=choices_with_blank(ConsentToContact.choices, _("Any"))
    )
    hospital = forms.ChoiceField(label=_("Hospital"), required=False)
    injury_type = forms.ChoiceField(
        label=_("Injury"), required=False, choices=choices_with_blank(InjuryType.choices, _("Any"))
    )
    month = forms.CharField(
        label=_("Received in month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    voided = forms.ChoiceField(
        label=_("Voided ones"), required=False, choices=[("", _("Left out")), (INCLUDED, _("Included"))]
    )

    field_order = ("q", "visits", "consent", "hospital", "injury_type", "month", "voided", "sort")

    def __init__(self, data: Any = None, *, hospitals: Iterable[str] = ()) -> None:
        self.hospitals = sorted(set(hospitals), key=str.casefold)
        super().__init__(data)

    def full_clean(self) -> None:
        # The hospitals offered are those of the referrals the reader sees (set before cleaning).
        self.fields["hospital"].choices = [("", _("Any")), *[(h, h) for h in self.hospitals]]  # type: ignore[attr-defined]
        super().full_clean()

    def clean_month(self) -> str:
        text = self.cleaned_data.get("month") or ""
        if text:
            try:
                Month.parse(text)
            except ValueError:
                raise forms.ValidationError(_("Give a month as YYYY-MM.")) from None
        return str(text)

    def narrow(
        self, referrals: QuerySet[HospitalReferral], visits: QuerySet[BedsideVisit]
    ) -> QuerySet[HospitalReferral]:
        """The referrals the filters keep, of those the selector gave (``visits``: the reader's)."""
        has_visit = Exists(visits.filter(hospital_referral=OuterRef("pk")))
        wanted = self.value("visits")
        if wanted == NONE_YET:
            referrals = referrals.filter(~has_visit)
        elif wanted == VISITED:
            referrals = referrals.filter(has_visit)
        if consent := self.value("consent"):
            referrals = referrals.filter(consent_to_contact=consent)
        if hospital := self.value("hospital"):
            referrals = referrals.filter(hospital=hospital)
        if injury := self.value("injury_type"):
            referrals = referrals.filter(injury_type=injury)
        if month := self.value("month"):
            period = Month.parse(month).period
            referrals = referrals.filter(referral__received_on__range=(period.start, period.end))
        if words := self.words():
            key = self.value("q") or ""
            referrals = referrals.filter(name_matches(words, "referral__person") | Q(referral__key__iexact=key))
        return referrals.order_by(*self.ordering())
