from django.db import models
from django.utils.translation import gettext_lazy as _


class IncentiveStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# A proposal or an approval holds the milestone (a person gets each milestone once); a declined or
# withdrawn one leaves it free to be proposed again.
HOLDING = (IncentiveStatus.PROPOSED, IncentiveStatus.APPROVED)


class PaymentMethod(models.TextChoices):
    GIFT_CARD = "gift_card", _("Gift card")
    CHECK = "check", _("Check")
    PREPAID_CARD = "prepaid_card", _("Prepaid card")
    DIRECT_DEPOSIT = "direct_deposit", _("Direct deposit")
    CASH = "cash", _("Cash")
