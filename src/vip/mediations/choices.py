"""The codes of a mediation: what the conflict was about, how it stands, who took part how."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConflictTopic(models.TextChoices):
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood dispute")
    RELATIONSHIP = "relationship", _("Relationship")
    MONEY = "money", _("Money or debt")
    GROUP_RIVALRY = "group_rivalry", _("Group or crew rivalry")
    SOCIAL_MEDIA = "social_media", _("Social media")
    FAMILY = "family", _("Family")
    RETALIATION = "retaliation", _("Retaliation for an injury")
    RESPECT = "respect", _("Respect")
    DRUGS = "drugs", _("Drugs")
    OTHER = "other", _("Other")


class MediationOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    ONGOING = "ongoing", _("Ongoing")
    ESCALATED = "escalated", _("Escalated")


class PartyRole(models.TextChoices):
    PARTY = "party", _("Party to the conflict")
    SUPPORTER = "supporter", _("Supporter or family")
    OTHER = "other", _("Other")


class ChangeKind(models.TextChoices):
    UPDATED = "updated", _("details changed")
    PARTY_ADDED = "party_added", _("party added")
    PARTY_REMOVED = "party_removed", _("party taken off")
    FOLLOWED_UP = "followed_up", _("followed up")
    VOIDED = "voided", _("voided")
    FOLLOW_UP_VOIDED = "follow_up_voided", _("follow-up voided")


def topic_labels(codes: list[str]) -> list[str]:
    """The topics' names, in the order given (an unknown code as it is)."""
    labels = dict(ConflictTopic.choices)
    return [str(labels.get(code, code)) for code in codes]
