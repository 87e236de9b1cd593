"""Refusing event dates in the future: what happened cannot have happened tomorrow.

Every service that records when something happened (an attempt, a contact, a needs assessment,
an outcome, a referral received, a service referral's dates, a status change, a shooting review)
asks ``refuse_future`` first, so the pages, the API and every other caller are held to it. A
moment may run ahead of the server's clock by ``VIP_FUTURE_TOLERANCE_MINUTES`` (a phone's clock
a little fast); a day may be today in the program's time zone (as of now plus that tolerance).
Plans (a custom notification's planned day) may be in the future: they do not come here.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from vip.core.config import program_zone


def tolerance() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "VIP_FUTURE_TOLERANCE_MINUTES", 10)))


def latest_moment() -> dt.datetime:
    """The latest moment an event may be recorded at: now plus the clock-skew tolerance."""
    return timezone.now() + tolerance()


def latest_day() -> dt.date:
    """The latest day an event may be recorded on: the program's today (as of now plus the tolerance)."""
    return latest_moment().astimezone(program_zone()).date()


def refuse_future(value: dt.date | dt.datetime | None, *, field: str, label: str) -> None:
    """Refuse (``ValidationError`` on ``field``) an event day or moment after now.

    ``label`` names the field for the person reading the error ("Date received")."""
    if value is None:
        return
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = value.replace(tzinfo=program_zone())
        if value <= latest_moment():
            return
        shown = value.astimezone(program_zone()).strftime("%Y-%m-%d %H:%M")
    else:
        if value <= latest_day():
            return
        shown = value.isoformat()
    raise ValidationError(
        {
            field: _("%(field)s cannot be in the future (%(value)s): enter when it happened.")
            % {"field": label, "value": shown}
        }
    )
