from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceReferralStatus(models.TextChoices):
    REFERRED = "referred", _("Referred")
    CONNECTED = "connected", _("Connected")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")
    LOST_CONTACT = "lost_contact", _("Lost contact")


# Statuses that need a connected_on date, and those that close the referral.
NEEDS_CONNECTED_ON = {ServiceReferralStatus.CONNECTED, ServiceReferralStatus.COMPLETED}
CLOSING = {ServiceReferralStatus.COMPLETED, ServiceReferralStatus.DECLINED, ServiceReferralStatus.LOST_CONTACT}

# The moves a service referral may make (staff screens); imports set any valid state.
TRANSITIONS: dict[str, set[str]] = {
    "referred": {"connected", "declined", "lost_contact"},
    "connected": {"completed", "lost_contact", "declined"},
    "completed": set(),
    "declined": set(),
    "lost_contact": set(),
}
