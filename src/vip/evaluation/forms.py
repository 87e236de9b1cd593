from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from vip.core.forms import StaffForm, date_input


class EvaluationForm(StaffForm):
    """The analysis day (and, for program managers, the audience) of the evaluation."""

    as_of = forms.DateField(
        label=_("As of"),
        widget=date_input(),
        help_text=_("The public edition: the last day of a month (it is released in the release ledger)."),
    )
    audience = forms.ChoiceField(
        label=_("Audience"),
        choices=[("public", _("Public (small counts withheld)")), ("official", _("Official (exact counts)"))],
    )

    def __init__(self, *args: Any, exact_allowed: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not exact_allowed:
            del self.fields["audience"]  # analysts: always the disclosure-controlled version


class FunderForm(StaffForm):
    """The template, the period (and, for program managers, the audience) of a funder report."""

    template = forms.ChoiceField(label=_("Template"))
    period = forms.CharField(
        label=_("Period"), max_length=10, help_text=_("Like 2026H1 (half-years), 2026Q3 (quarters) or 2026 (years).")
    )
    audience = forms.ChoiceField(
        label=_("Audience"),
        required=False,  # public unless a manager asks for exact counts
        choices=[("public", _("Public (small counts withheld)")), ("official", _("Official (exact counts)"))],
    )

    def __init__(self, *args: Any, exact_allowed: bool, templates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template = self.fields["template"]
        assert isinstance(template, forms.ChoiceField)
        template.choices = templates
        if not exact_allowed:
            del self.fields["audience"]
