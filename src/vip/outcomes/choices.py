from django.db import models


class OutcomeType(models.TextChoices):
    ARREST_VIOLENT = "arrest_violent", "Arrest for a violent offence"
    ARREST_FIREARM = "arrest_firearm", "Arrest for a firearm offence"
    ARREST_OTHER = "arrest_other", "Other arrest"
    SHOT = "shot", "Shot"
    KILLED = "killed", "Killed"


ARRESTS = {OutcomeType.ARREST_VIOLENT, OutcomeType.ARREST_FIREARM, OutcomeType.ARREST_OTHER}
FURTHER_VIOLENCE = {OutcomeType.SHOT, OutcomeType.KILLED}
