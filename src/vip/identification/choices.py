from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentType(models.TextChoices):
    SHOOTING = "shooting", _("Shooting")
    HOMICIDE = "homicide", _("Homicide")
    AGGRAVATED_ASSAULT = "aggravated_assault", _("Aggravated assault")
    SHOTS_FIRED = "shots_fired", _("Shots fired")
    ROBBERY = "robbery", _("Robbery")
    OTHER = "other", _("Other")


class InvolvementRole(models.TextChoices):
    VICTIM = "victim", _("Victim")
    SUSPECT = "suspect", _("Suspect")
    ARRESTEE = "arrestee", _("Arrestee")
    WITNESS = "witness", _("Witness")
    ASSOCIATE = "associate", _("Associate")


class ReviewRole(models.TextChoices):
    VICTIM = "victim", _("Victim")
    SUSPECT = "suspect", _("Suspect")
    ASSOCIATE_AT_RISK = "associate_at_risk", _("Associate at risk of retaliation")
    OTHER = "other", _("Other")


class ReviewDecision(models.TextChoices):
    PROPOSE_CANDIDATE = "propose_candidate", _("Propose as candidate for a custom notification")
    REFER_HOSPITAL_PROGRAM = "refer_partner", _("Refer to a partner program")
    MONITOR = "monitor", _("Review again next week")
    NO_ACTION = "no_action", _("No action")


class CandidateStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


class Hand(models.TextChoices):
    """An account's part in one candidacy (security row 44): a proposer never decides."""

    PROPOSED = "proposed", _("Proposed")
    DECIDED = "decided", _("Decided or re-validated")


class ProposalPath(models.TextChoices):
    """How an account came to be a proposer of a candidacy."""

    PROPOSED = "proposed", _("proposed the person")
    CRITERIA_RUN = "criteria_run", _("ran the criteria that proposed the person")
    SHOOTING_REVIEW = "shooting_review", _("identified the person at a shooting review")
    REASON_ADDED = "reason_added", _("added a reason to the candidacy")
    EARLIER_CANDIDACY = "earlier_candidacy", _("proposed the person in an earlier candidacy")
