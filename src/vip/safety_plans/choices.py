"""The codes of safety plans: a check-in's status, and the sections of a plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class CheckInStatus(models.TextChoices):
    SAFE = "safe", _("Safe")
    CONCERNS = "concerns", _("Some concerns")
    UNSAFE = "unsafe", _("Unsafe: needs help now")


# The sections of a safety plan, in the order the plan is written and read: field name, label and
# what the section holds (the form's help text).
SECTIONS: tuple[tuple[str, _StrPromise, _StrPromise], ...] = (
    ("warning_signs", _("Warning signs"), _("What tells the person, or those around them, that trouble is coming.")),
    ("avoid", _("Places and people to avoid"), _("Where not to go, whom not to meet, and when.")),
    ("safe_places", _("Safe places and routes"), _("Where to go, and how to get there and back safely.")),
    ("people_to_call", _("People to call"), _("Who to call when things get hard, with how to reach them.")),
    ("coping", _("Coping steps"), _("What the person does to calm down and step away.")),
    ("goals", _("Goals"), _("What the person is working towards.")),
)
SECTION_NAMES: tuple[str, ...] = tuple(name for name, _label, _help in SECTIONS)
