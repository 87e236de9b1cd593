"""The mediation forms: record one, change it, follow it up, add or take off a party, void; and the
log's filters. Every field carries its label; what a reader does not see (a manager: the topics,
the summary, the notes) is not offered to them."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from vip.accounts.models import User
from vip.core.dates import Month
from vip.core.forms import StaffForm, choices_with_blank, date_input
from vip.core.models import Area
from vip.core.paging import QueueForm, Sort
from vip.mediations.choices import ConflictTopic, MediationOutcome, PartyRole
from vip.mediations.models import REASON_MAX, SUMMARY_MAX, Mediation
from vip.mediations.services import OutsidePartyInput
from vip.people.models import Person

# The outside parties the form to record a mediation offers (more are added on its page).
OUTSIDE_ROWS = 3
# Person keys typed in at once, at most.
KEYS_MAX = 20


def _areas() -> QuerySet[Area]:
    return Area.objects.filter(active=True).order_by("report_order", "code")


def _topics_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("What was the conflict about?"),
        choices=ConflictTopic.choices,
        widget=forms.CheckboxSelectMultiple,
    )


def _outcome_field(label: Any = None) -> forms.ChoiceField:
    return forms.ChoiceField(label=label or _("Outcome"), choices=MediationOutcome.choices, widget=forms.RadioSelect)


class _PeopleFields(StaffForm):
    """Participants: ticked from the reader's caseload, or typed in by their person keys (each a
    person the reader sees)."""

    def __init__(self, *args: Any, user: User, people: QuerySet[Person], **kwargs: Any) -> None:
        self.user = user
        self.people = people  # those the reader sees (the selector's)
        self.caseload: dict[str, Person] = {}  # the reader's caseload offered, by id
        super().__init__(*args, **kwargs)

    def caseload_field(self, label: Any, *, many: bool = True) -> forms.ChoiceField | None:
        """The reader's own caseload to tick (None when they have none: a manager). Its cleaned
        value is the people ticked (a list, or one person or None)."""
        caseload = list(self.people.filter(assigned_peer=self.user).order_by("last_name", "first_name", "pk"))
        if not caseload:
            return None
        self.caseload = {str(p.pk): p for p in caseload}
        choices: list[tuple[str, Any]] = [(str(p.pk), f"{p.first_name} {p.last_name} ({p.key})") for p in caseload]
        if many:
            return forms.MultipleChoiceField(
                label=label, choices=choices, widget=forms.CheckboxSelectMultiple, required=False
            )
        choices.insert(0, ("", _("No one from my caseload")))
        return forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect, required=False)

    def clean_caseload(self) -> Any:
        value = self.cleaned_data.get("caseload")
        if isinstance(value, list):
            return [self.caseload[v] for v in value]
        return self.caseload.get(value) if value else None

    def people_by_keys(self, text: str) -> list[Person]:
        keys = [k.strip() for k in text.replace(";", ",").replace("\n", ",").split(",") if k.strip()]
        if len(keys) > KEYS_MAX:
            raise ValidationError(_("At most %(n)s person keys at once.") % {"n": KEYS_MAX})
        found = {p.key.lower(): p for p in self.people.filter(key__in=keys)}
        for key in keys:
            if key.lower() not in found:
                found.update({p.key.lower(): p for p in self.people.filter(key__iexact=key)})
        missing = [k for k in keys if k.lower() not in found]
        if missing:
            raise ValidationError(
                _("No one you see has the person key %(keys)s: add them as an outside party instead.")
                % {"keys": ", ".join(missing)}
            )
        return [found[k.lower()] for k in keys]


class MediationForm(_PeopleFields):
    occurred_on = forms.DateField(label=_("Day of the mediation"), widget=date_input())
    area = forms.ModelChoiceField(label=_("Area"), queryset=_areas(), required=False, empty_label=_("N/A"))
    outcome = _outcome_field()
    topics = _topics_field()
    summary = forms.CharField(
        label=_("Summary"),
        help_text=_("What happened and what was agreed. Police and managers never see it."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=SUMMARY_MAX,
        required=False,
    )
    person_keys = forms.CharField(
        label=_("Other participants, by person key"),
        help_text=_("Separated by commas. Someone not enrolled is an outside party below."),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        caseload = self.caseload_field(_("Participants from your caseload"))
        if caseload is not None:
            self.fields["caseload"] = caseload
        for n in range(1, OUTSIDE_ROWS + 1):
            self.fields[f"outside_{n}_name"] = forms.CharField(
                label=_("Outside party %(n)s: name or street name") % {"n": n}, max_length=200, required=False
            )
            self.fields[f"outside_{n}_phone"] = forms.CharField(
                label=_("Outside party %(n)s: phone") % {"n": n}, max_length=50, required=False
            )
            self.fields[f"outside_{n}_role"] = forms.ChoiceField(
                label=_("Outside party %(n)s: role") % {"n": n}, choices=PartyRole.choices, required=False
            )

    def clean_person_keys(self) -> list[Person]:
        return self.people_by_keys(self.cleaned_data.get("person_keys") or "")

    def participants(self) -> list[Person]:
        chosen = list(self.cleaned_data.get("caseload") or [])
        return chosen + list(self.cleaned_data.get("person_keys") or [])

    def outside_parties(self) -> list[OutsidePartyInput]:
        found = []
        for n in range(1, OUTSIDE_ROWS + 1):
            name = (self.cleaned_data.get(f"outside_{n}_name") or "").strip()
            phone = (self.cleaned_data.get(f"outside_{n}_phone") or "").strip()
            role = self.cleaned_data.get(f"outside_{n}_role") or PartyRole.PARTY
            if name:
                found.append(OutsidePartyInput(name=name, phone=phone, role=role))
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, OUTSIDE_ROWS + 1):
            if (data.get(f"outside_{n}_phone") or "").strip() and not (data.get(f"outside_{n}_name") or "").strip():
                self.add_error(f"outside_{n}_name", _("Give the name of the person with this phone."))
        return data

    def outside_rows(self) -> list[tuple[Any, Any, Any]]:
        """The outside parties' fields by row, for the template."""
        return [
            (self[f"outside_{n}_name"], self[f"outside_{n}_phone"], self[f"outside_{n}_role"])
            for n in range(1, OUTSIDE_ROWS + 1)
        ]


class MediationEditForm(StaffForm):
    """Change what a mediation says, on the version opened; a reader who does not see the topics
    and summary (a manager) changes the outcome and area only."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = _outcome_field()
    area = forms.ModelChoiceField(label=_("Area"), queryset=_areas(), required=False, empty_label=_("N/A"))
    topics = _topics_field()
    summary = MediationForm.base_fields["summary"]

    def __init__(self, *args: Any, content: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not content:
            del self.fields["topics"]
            del self.fields["summary"]


class FollowUpForm(StaffForm):
    followed_up_on = forms.DateField(label=_("Day of the follow-up"), widget=date_input())
    outcome = _outcome_field(_("How does it stand now?"))
    note = forms.CharField(
        label=_("Note"),
        help_text=_("Police and managers never see it."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=SUMMARY_MAX,
        required=False,
    )

    def __init__(self, *args: Any, content: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not content:
            del self.fields["note"]


class ReasonForm(StaffForm):
    """Void a mediation or a follow-up, or take a party off: the reason, on the version opened."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Kept in the mediation's history with who made the change and when."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX,
    )


class PartyAddForm(_PeopleFields):
    version = forms.IntegerField(widget=forms.HiddenInput)
    person_key = forms.CharField(label=_("A participant, by person key"), max_length=100, required=False)
    name = forms.CharField(label=_("Or an outside party: name or street name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Outside party's phone"), max_length=50, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)

    field_order = ("version", "caseload", "person_key", "name", "phone", "role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        caseload = self.caseload_field(_("A participant from your caseload"), many=False)
        if caseload is not None:
            self.fields["caseload"] = caseload
            self.order_fields(self.field_order)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        person = data.get("caseload")
        key = (data.get("person_key") or "").strip()
        if key and person is None:
            try:
                person = self.people_by_keys(key)[0]
            except ValidationError as exc:
                self.add_error("person_key", exc)
                return data
        name = (data.get("name") or "").strip()
        if (person is None) == (not name):
            raise ValidationError(_("Give one participant or one outside party's name."))
        data["person"] = person
        return data

    def outside(self) -> OutsidePartyInput | None:
        if self.cleaned_data.get("person") is not None:
            return None
        return OutsidePartyInput(
            name=self.cleaned_data["name"], phone=self.cleaned_data.get("phone") or "", role=self.cleaned_data["role"]
        )


# --- the log's filters ---------------------------------------------------------------------------


class MonthField(forms.CharField):
    """A month as ``YYYY-MM`` (``<input type="month">``)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def clean(self, value: Any) -> Month | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return Month.parse(text)
        except ValueError:
            raise ValidationError(_("Enter a month as YYYY-MM."), code="invalid") from None


ME = "me"


class MediationQueueForm(QueueForm):
    """The mediation log's filters: newest first unless asked otherwise. A reader who does not see
    what conflicts were about (managers, police) cannot filter by it either, nor search parties'
    names without seeing parties (police)."""

    SORTS: ClassVar[dict[str, Sort]] = {
        "newest": Sort(_("Newest first"), ("-occurred_on", "-pk")),
        "oldest": Sort(_("Oldest first"), ("occurred_on", "pk")),
    }

    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=choices_with_blank(MediationOutcome.choices, _("Any"))
    )
    area = forms.ModelChoiceField(label=_("Area"), required=False, queryset=Area.objects.all(), empty_label=_("Any"))
    month = MonthField(label=_("Month"), required=False)
    topic = forms.ChoiceField(
        label=_("Topic"), required=False, choices=choices_with_blank(ConflictTopic.choices, _("Any"))
    )
    mine = forms.BooleanField(label=_("Recorded by me"), required=False)

    field_order = ("q", "outcome", "area", "month", "topic", "mine", "sort")

    def __init__(self, data: Any = None, *, content: bool, parties: bool, records: bool) -> None:
        self.content, self.parties, self.records = content, parties, records
        super().__init__(data)

    def full_clean(self) -> None:
        # The fields a reader may not use go before the form is cleaned (QueueForm cleans at once).
        if not self.content:
            self.fields.pop("topic", None)
        if not self.parties:
            self.fields.pop("q", None)
        if not self.records:
            self.fields.pop("mine", None)
        else:
            self.fields["q"].label = _("Search parties by name or person key")
        super().full_clean()

    def narrow(
        self,
        mediations: QuerySet[Mediation],
        *,
        user: User,
        parties: QuerySet[Any] | None,
        people: QuerySet[Person] | None,
    ) -> QuerySet[Mediation]:
        """The mediations the filters keep (of those the selector gave the reader). ``parties`` and
        ``people``: the parties and the people the reader sees (None: none)."""
        if outcome := self.value("outcome"):
            mediations = mediations.filter(outcome=outcome)
        if area := self.value("area"):
            mediations = mediations.filter(area=area)
        if month := self.value("month"):
            mediations = mediations.filter(occurred_on__gte=month.first_day, occurred_on__lte=month.last_day)
        if self.content and (topic := self.value("topic")):
            # A list of codes in JSON: the code in its quotes (SQLite and PostgreSQL alike).
            mediations = mediations.filter(topics__icontains=f'"{topic}"')
        if self.records and self.value("mine"):
            mediations = mediations.filter(recorded_by=user)
        if parties is not None and (words := self.words()):
            outside = Q()
            named = Q()
            for word in words:
                outside &= Q(outside__search_name__contains=word)
                named &= Q(person__search_name__contains=word)
            condition = outside
            if people is not None:
                # A participant by name or key only among those the reader sees.
                key = (self.value("q") or "").strip()
                condition |= Q(person__in=people.values("pk")) & (named | Q(person__key__iexact=key))
            matched = parties.filter(condition).values_list("mediation_id", flat=True)
            mediations = mediations.filter(pk__in=matched)
        return mediations.order_by(*self.ordering())
