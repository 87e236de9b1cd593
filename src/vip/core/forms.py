"""Form helpers shared by the staff screens."""

from __future__ import annotations

from typing import Any

from django import forms


class StaffForm(forms.Form):
    """A form whose fields all carry an id'd label (the templates render them with labels)."""

    template_name = "vip/form.html"

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
