"""Form helpers shared by the staff screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _

from vip.core.dates import out_of_range

# The largest integer a database column holds (a bigger one is refused, not sent to the database).
LARGEST_INTEGER = 2**63 - 1


class StaffForm(forms.Form):
    """A form whose fields all carry an id'd label (the templates render them with labels).

    Every field takes only what the program can hold (security row 45: bad input gets the form
    back with its errors, never a server error): dates within ``vip.core.dates.EARLIEST`` to
    ``LATEST``, integers a database column holds, a record's choice by an id it could have."""

    template_name = "vip/form.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _bounded(field)

    def errors_as_messages(self) -> list[str]:
        out: list[str] = []
        for field, errors in self.errors.items():
            label = self.fields[field].label if field in self.fields else ""
            out += [f"{label}: {e}" if label else str(e) for e in errors]
        return out


def date_input() -> forms.DateInput:
    # <input type="date"> takes ISO dates whatever the page's language (Spanish would render d/m/Y).
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def choices_with_blank(choices: Any, blank: Any = "—") -> list[tuple[str, Any]]:
    return [("", blank), *list(choices)]


def _in_range(value: Any) -> None:
    if value is not None and out_of_range(value):
        raise ValidationError(_("Enter a date between 1900 and 2199."), code="out_of_range")


def _bounded(field: forms.Field) -> None:
    if isinstance(field, forms.DateField | forms.DateTimeField):
        field.validators.append(_in_range)
    elif isinstance(field, forms.IntegerField):
        field.validators += [MinValueValidator(-LARGEST_INTEGER), MaxValueValidator(LARGEST_INTEGER)]
    elif isinstance(field, forms.ModelChoiceField):
        clean = field.clean

        def bounded_clean(value: Any) -> Any:
            try:
                return clean(value)
            except OverflowError:  # an id no column holds (SQLite says so by raising)
                raise ValidationError(
                    field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
                ) from None

        field.clean = bounded_clean  # type: ignore[method-assign]
