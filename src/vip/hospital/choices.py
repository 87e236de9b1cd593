from django.db import models
from django.utils.translation import gettext_lazy as _


class InjuryType(models.TextChoices):
    GUNSHOT = "gunshot", _("Gunshot wound")
    STABBING = "stabbing", _("Stabbing")
    ASSAULT = "assault", _("Assault")
    OTHER = "other", _("Other injury")


class ConsentToContact(models.TextChoices):
    """Whether the patient agreed that the program contacts them (asked at the bedside or by
    hospital staff)."""

    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_ASKED = "not_asked", _("Not asked yet")


class VisitOutcome(models.TextChoices):
    """What a bedside visit came to: only ``reached`` met the patient."""

    REACHED = "reached", _("Reached the patient")
    UNAVAILABLE = "unavailable", _("Asleep or unavailable")
    DECLINED = "declined", _("Declined to talk")
    DISCHARGED = "discharged", _("Already discharged")
    FAMILY_ONLY = "family_only", _("Family only")
    NOT_ALLOWED = "not_allowed", _("Not allowed by staff")


# The outcomes at which the patient themselves answered: only these may say whether they consented.
ANSWERED = frozenset({VisitOutcome.REACHED, VisitOutcome.DECLINED})
