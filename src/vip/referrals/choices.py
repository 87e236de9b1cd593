from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferralSource(models.TextChoices):
    SHOOTING_REVIEW = "shooting_review", _("Shooting review")
    LAW_ENFORCEMENT_DATA = "law_enforcement_data", _("Law-enforcement data")
    HOSPITAL = "hospital", _("Hospital")
    SCHOOL = "school", _("School")
    COMMUNITY = "community", _("Community")
    SELF_OR_FAMILY = "self_or_family", _("Self or family")
    OTHER = "other", _("Other")


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    ACCEPTED = "accepted", _("Accepted")
    CLOSED = "closed", _("Closed")


class ReferralCloseReason(models.TextChoices):
    NOTIFIED = "notified", _("Custom notification delivered")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    DUPLICATE = "duplicate", _("Duplicate referral")
    UNREACHABLE = "unreachable", _("Could not be reached")
    DECLINED = "declined", _("Declined the program")
    OTHER = "other", _("Other")
