from django.db import models
from django.utils.translation import gettext_lazy as _


class MembershipSource(models.TextChoices):
    """Where the program learned that a person is in a group: the wall runs between these."""

    # Police data: never reaches peer support workers.
    POLICE_INTELLIGENCE = "police_intelligence", _("Police intelligence")
    # Peer-support data: never reaches police.
    SELF_REPORTED = "self_reported", _("Self-reported to peer support")
    PEER_KNOWLEDGE = "peer_knowledge", _("Peer support's knowledge")


POLICE_SOURCES = frozenset({MembershipSource.POLICE_INTELLIGENCE.value})
PEER_SOURCES = frozenset({MembershipSource.SELF_REPORTED.value, MembershipSource.PEER_KNOWLEDGE.value})
