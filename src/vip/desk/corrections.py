"""Correcting or voiding a recorded entry from the person page: which kinds of entry, the
selector each is read through, the service that corrects it, the policy action, and the form
fields of what may be corrected. The rules (who, which fields, dates, the original kept) are the
services'; this only puts them on one page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vip.casework.choices import ContactKind, NeedDomain, NeedLevel
from vip.casework.models import CaseNote, Contact, NeedsAssessment
from vip.casework.selectors import case_note_list, contact_list, needs_assessment_list
from vip.casework.services import (
    CONTACT_FIELDS,
    NEEDS_FIELDS,
    case_note_correct,
    case_note_void,
    contact_correct,
    contact_void,
    needs_assessment_correct,
    needs_assessment_void,
)
from vip.core.access import shows
from vip.core.forms import StaffForm, date_input, datetime_input
from vip.notifications.choices import AttemptOutcome
from vip.notifications.models import NotificationAttempt
from vip.notifications.selectors import attempt_list
from vip.notifications.services import attempt_correct, attempt_void
from vip.outcomes.choices import OutcomeType
from vip.outcomes.models import Outcome
from vip.outcomes.selectors import outcome_list
from vip.outcomes.services import OUTCOME_FIELDS, outcome_correct, outcome_void
from vip.people.corrections import correctable
from vip.referrals.choices import ReferralSource
from vip.referrals.models import Referral
from vip.referrals.selectors import referral_list
from vip.referrals.services import REFERRAL_FIELDS, referral_correct, referral_void
from vip.service_referrals.choices import ServiceReferralStatus
from vip.service_referrals.models import ServiceReferral
from vip.service_referrals.selectors import service_referral_list
from vip.service_referrals.services import SERVICE_REFERRAL_FIELDS, service_referral_correct, service_referral_void


@dataclass(frozen=True)
class Kind:
    model: type[Any]
    name: Any  # as the page names it
    selector: Callable[..., Any]
    action: str
    fields: set[str]
    correct: Callable[..., Any]
    void: Callable[..., Any]
    record_arg: str


def _referral_correct(*, reason: str, **rest: Any) -> Any:
    return referral_correct(reason_for_change=reason, **rest)


KINDS: dict[str, Kind] = {
    "attempt": Kind(
        NotificationAttempt,
        _("notification attempt"),
        attempt_list,
        "notification.attempt_correct",
        {"attempted_at", "outcome", "notes"},
        attempt_correct,
        attempt_void,
        "attempt",
    ),
    "contact": Kind(
        Contact,
        _("contact"),
        contact_list,
        "casework.correct",
        CONTACT_FIELDS,
        contact_correct,
        contact_void,
        "contact",
    ),
    "note": Kind(
        CaseNote,
        _("case note"),
        case_note_list,
        "casework.correct",
        {"text"},
        case_note_correct,
        case_note_void,
        "note",
    ),
    "needs": Kind(
        NeedsAssessment,
        _("needs assessment"),
        needs_assessment_list,
        "casework.correct",
        NEEDS_FIELDS,
        needs_assessment_correct,
        needs_assessment_void,
        "assessment",
    ),
    "outcome": Kind(
        Outcome, _("outcome"), outcome_list, "outcome.correct", OUTCOME_FIELDS, outcome_correct, outcome_void, "outcome"
    ),
    "referral": Kind(
        Referral,
        _("referral"),
        referral_list,
        "referral.correct",
        REFERRAL_FIELDS - {"area"},
        _referral_correct,
        referral_void,
        "referral",
    ),
    "service": Kind(
        ServiceReferral,
        _("service referral"),
        service_referral_list,
        "service_referral.correct",
        SERVICE_REFERRAL_FIELDS - {"provider", "details"},
        service_referral_correct,
        service_referral_void,
        "referral",
    ),
}


def _field(kind: str, name: str) -> forms.Field:
    """The form field of one correctable field."""
    dates = {"assessed_on", "occurred_on", "received_on", "referred_on", "connected_on", "closed_on"}
    if name in dates:
        return forms.DateField(widget=date_input(), required=name not in {"connected_on", "closed_on"})
    if name in {"attempted_at", "contacted_at"}:
        return forms.DateTimeField(widget=datetime_input(), input_formats=["%Y-%m-%dT%H:%M"])
    texts = {"notes", "summary", "text", "reason_text", "details"}
    if name in texts:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=name != "text")
    choices = {
        ("attempt", "outcome"): AttemptOutcome.choices,
        ("contact", "kind"): ContactKind.choices,
        ("outcome", "type"): OutcomeType.choices,
        ("referral", "source"): ReferralSource.choices,
        ("service", "status"): ServiceReferralStatus.choices,
    }
    if (kind, name) in choices:
        return forms.ChoiceField(choices=choices[(kind, name)])
    if name == "minutes":
        return forms.IntegerField(min_value=0, max_value=1440, required=False)
    return forms.CharField(max_length=200, required=False)


LABELS = {
    "attempted_at": _("When"),
    "contacted_at": _("When"),
    "outcome": _("Outcome"),
    "notes": _("Notes"),
    "kind": _("Kind"),
    "minutes": _("Minutes"),
    "summary": _("Summary"),
    "text": _("Case note"),
    "assessed_on": _("Assessed on"),
    "occurred_on": _("Occurred on"),
    "type": _("Type"),
    "source_ref": _("Source reference"),
    "received_on": _("Received on"),
    "source": _("Source"),
    "referred_by": _("Referred by"),
    "reason": _("Reason for referral"),
    "referred_on": _("Referred on"),
    "status": _("Status"),
    "connected_on": _("Connected on"),
    "closed_on": _("Closed on"),
}

# Field order on the page.
ORDER = [
    "attempted_at",
    "contacted_at",
    "assessed_on",
    "occurred_on",
    "received_on",
    "referred_on",
    "status",
    "connected_on",
    "closed_on",
    "outcome",
    "kind",
    "type",
    "source",
    "referred_by",
    "reason",
    "source_ref",
    "minutes",
    "summary",
    "notes",
    "text",
]


NOT_EMPTY = {
    "attempted_at",
    "contacted_at",
    "assessed_on",
    "occurred_on",
    "received_on",
    "referred_on",
    "status",
    "outcome",
    "kind",
    "type",
    "source",
    "text",
}


class CorrectionForm(StaffForm):
    what = forms.ChoiceField(
        label=_("What to do"),
        choices=[("correct", _("Correct this entry")), ("void", _("Void it: recorded in error"))],
        widget=forms.RadioSelect,
        initial="correct",
    )
    why = forms.CharField(
        label=_("Reason for the change"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Managers read it in the history: do not repeat case content."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, kind: str, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spec = KINDS[kind]
        self.kind = kind
        self.names = [n for n in ORDER if n in correctable(user, spec.model, spec.fields)]
        if kind == "needs" and shows(user, spec.model, "summary"):
            for domain, label in NeedDomain.choices:
                self.fields[f"need_{domain}"] = forms.ChoiceField(
                    label=label, choices=[("", _("not assessed")), *NeedLevel.choices], required=False
                )
        for name in self.names:
            field = _field(kind, name)
            field.label = LABELS.get(name, name)
            field.required = False
            self.fields[name] = field
        # The reason and the choice come last, whatever was added above.
        for name in ("what", "why", "version"):
            self.fields[name] = self.fields.pop(name)

    def changes(self, zone: Any) -> dict[str, Any]:
        """The values of the form (an emptied field that cannot be empty is left as it was); the
        service keeps only those that differ. A moment typed without its zone is the program's."""
        out: dict[str, Any] = {}
        for name in self.names:
            value = self.cleaned_data.get(name)
            if value in (None, "") and name in NOT_EMPTY:
                continue
            if isinstance(value, dt.datetime) and value.tzinfo is None:
                value = value.replace(tzinfo=zone)
            out[name] = value
        return out

    def needs(self) -> dict[str, str] | None:
        if self.kind != "needs" or "need_housing" not in self.fields:
            return None
        return {d: self.cleaned_data[f"need_{d}"] for d in NeedDomain.values if self.cleaned_data.get(f"need_{d}")}
