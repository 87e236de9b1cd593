"""``{% load people_evidence %}``: a duplicate's evidence in the reader's language.

The matcher stores each piece of evidence as a rule code and an English sentence with the values
it compared ("the same birth date: 2001-05-06 / 2001-05-06"). The page shows the rule's own words
translated, followed by the values as stored; an unknown rule is shown as stored.
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

register = template.Library()

RULES = {
    "first_name_same": _("the same first name"),
    "first_name_nickname": _("a common nickname"),
    "first_name_typo": _("first names one typo apart"),
    "first_name_first_part": _("one first name is the start of the other"),
    "first_name_different": _("different first names"),
    "last_name_same": _("the same last name"),
    "last_name_compound": _("one of two last names (compound or hyphenated)"),
    "last_name_typo": _("last names one typo apart"),
    "last_name_different": _("different last names"),
    "names_swapped": _("first and last name swapped"),
    "alias_first_name": _("a first name known as an alias"),
    "alias_last_name": _("a last name known as an alias"),
    "birth_date_same": _("the same birth date"),
    "birth_date_day_month_swapped": _("birth dates with day and month swapped"),
    "birth_date_digits_swapped": _("birth dates with two digits swapped"),
    "birth_date_one_digit": _("birth dates one digit apart (day or month)"),
    "birth_date_one_digit_year": _("birth years one digit apart"),
    "birth_date_missing": _("a birth date is missing"),
    "birth_date_different": _("different birth dates"),
    "middle_name_same": _("the same middle name"),
    "middle_name_different": _("different middle names"),
    "sex_different": _("different sex"),
    "phone_same": _("the same phone"),
    "address_same": _("the same address"),
}
_COMMON = re.compile(r"^(\d+) records have this name: (.*)$", re.S)


@register.filter
def evidence(item: Any) -> str:
    """One piece of evidence ({"rule", "detail", ...}) as a sentence in the active language."""
    rule = str(item.get("rule", "")) if isinstance(item, dict) else ""
    detail = str(item.get("detail", "")) if isinstance(item, dict) else str(item)
    if rule == "common_name" and (found := _COMMON.match(detail)):
        count = int(found.group(1))
        words = ngettext("%(count)s record has this name", "%(count)s records have this name", count)
        return f"{words % {'count': count}}: {found.group(2)}"
    label = RULES.get(rule)
    if label is None:
        return detail
    _head, sep, values = detail.rpartition(": ")
    return f"{label}: {values}" if sep else str(label)
