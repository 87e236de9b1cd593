from django.db import models


class IncidentType(models.TextChoices):
    SHOOTING = "shooting", "Shooting"
    HOMICIDE = "homicide", "Homicide"
    AGGRAVATED_ASSAULT = "aggravated_assault", "Aggravated assault"
    SHOTS_FIRED = "shots_fired", "Shots fired"
    ROBBERY = "robbery", "Robbery"
    OTHER = "other", "Other"


class InvolvementRole(models.TextChoices):
    VICTIM = "victim", "Victim"
    SUSPECT = "suspect", "Suspect"
    ARRESTEE = "arrestee", "Arrestee"
    WITNESS = "witness", "Witness"
    ASSOCIATE = "associate", "Associate"


class ReviewRole(models.TextChoices):
    VICTIM = "victim", "Victim"
    SUSPECT = "suspect", "Suspect"
    ASSOCIATE_AT_RISK = "associate_at_risk", "Associate at risk of retaliation"
    OTHER = "other", "Other"


class ReviewDecision(models.TextChoices):
    PROPOSE_CANDIDATE = "propose_candidate", "Propose as candidate for a custom notification"
    REFER_HOSPITAL_PROGRAM = "refer_partner", "Refer to a partner program"
    MONITOR = "monitor", "Review again next week"
    NO_ACTION = "no_action", "No action"


class CandidateStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
