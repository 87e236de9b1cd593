from django.db import models


class ReferralSource(models.TextChoices):
    SHOOTING_REVIEW = "shooting_review", "Shooting review"
    LAW_ENFORCEMENT_DATA = "law_enforcement_data", "Law-enforcement data"
    HOSPITAL = "hospital", "Hospital"
    SCHOOL = "school", "School"
    COMMUNITY = "community", "Community"
    SELF_OR_FAMILY = "self_or_family", "Self or family"
    OTHER = "other", "Other"


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    ASSIGNED = "assigned", "Assigned"
    ACCEPTED = "accepted", "Accepted"
    CLOSED = "closed", "Closed"


class ReferralCloseReason(models.TextChoices):
    NOTIFIED = "notified", "Custom notification delivered"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    DUPLICATE = "duplicate", "Duplicate referral"
    UNREACHABLE = "unreachable", "Could not be reached"
    DECLINED = "declined", "Declined the program"
    OTHER = "other", "Other"
