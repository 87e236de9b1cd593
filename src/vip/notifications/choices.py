from django.db import models


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    NOT_FOUND = "not_found", "Not found"
    REFUSED = "refused", "Refused"
    WRONG_ADDRESS = "wrong_address", "Wrong address"
    IN_CUSTODY = "in_custody", "In custody"
    HOSPITALIZED = "hospitalized", "Hospitalized"
    OTHER = "other", "Other"


class TeamRole(models.TextChoices):
    PEER_SUPPORT = "peer_support", "Peer support worker"
    POLICE = "police", "Police officer"
    COMMUNITY_LEADER = "community_leader", "Community leader"
    OTHER = "other", "Other"


class NotificationStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
