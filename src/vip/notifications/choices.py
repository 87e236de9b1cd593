from django.db import models
from django.utils.translation import gettext_lazy as _


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    NOT_FOUND = "not_found", _("Not found")
    REFUSED = "refused", _("Refused")
    WRONG_ADDRESS = "wrong_address", _("Wrong address")
    IN_CUSTODY = "in_custody", _("In custody")
    HOSPITALIZED = "hospitalized", _("Hospitalized")
    OTHER = "other", _("Other")


class TeamRole(models.TextChoices):
    PEER_SUPPORT = "peer_support", _("Peer support worker")
    POLICE = "police", _("Police officer")
    COMMUNITY_LEADER = "community_leader", _("Community leader")
    OTHER = "other", _("Other")


class NotificationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


# The part of the team an account's role plays on a visit (what the attempt form starts with).
TEAM_ROLE_OF_ACCOUNT = {"peer": TeamRole.PEER_SUPPORT, "police": TeamRole.POLICE}
