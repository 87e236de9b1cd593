from django.db import models
from django.utils.translation import gettext_lazy as _


class OutcomeType(models.TextChoices):
    ARREST_VIOLENT = "arrest_violent", _("Arrest for a violent offence")
    ARREST_FIREARM = "arrest_firearm", _("Arrest for a firearm offence")
    ARREST_OTHER = "arrest_other", _("Other arrest")
    SHOT = "shot", _("Shot")
    KILLED = "killed", _("Killed")


ARRESTS = {OutcomeType.ARREST_VIOLENT, OutcomeType.ARREST_FIREARM, OutcomeType.ARREST_OTHER}
FURTHER_VIOLENCE = {OutcomeType.SHOT, OutcomeType.KILLED}
