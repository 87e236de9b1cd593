"""The evaluation's definitions (version eval-1), named once: docs/evaluation.md explains each."""

from __future__ import annotations

from vip.identification.choices import IncidentType, InvolvementRole
from vip.outcomes.choices import OutcomeType

VERSION = "eval-1"

# The days at which the survival curves are read.
SURVIVAL_DAYS = (90, 180, 365, 545, 730)

# Engaged: a service referral connected on the origin day or within this many days after it.
ENGAGED_WITHIN_DAYS = 90

# Outcomes that are violent re-involvement.
VIOLENT_OUTCOMES = (
    OutcomeType.ARREST_VIOLENT.value,
    OutcomeType.ARREST_FIREARM.value,
    OutcomeType.SHOT.value,
    OutcomeType.KILLED.value,
)

# Roles in an incident of a violent type that are violent re-involvement (witnesses never count).
VIOLENT_ROLES = (InvolvementRole.VICTIM.value, InvolvementRole.SUSPECT.value, InvolvementRole.ARRESTEE.value)

# The engagement cohorts.
ENGAGED = "engaged"
NOT_ENGAGED = "not_engaged"
TOO_RECENT = "too_recent"  # fewer than 90 days between origin and as-of, and not engaged yet
ENGAGEMENT_COHORTS = (ENGAGED, NOT_ENGAGED, TOO_RECENT)

STATEMENT = (
    "These figures describe what happened to the people the program notified; they are not proof that "
    "the program caused it. People were not notified at random, and the comparison group, where one is "
    "shown, differs from them in ways the data cannot fully measure."
)


def checked_violent_types(types: tuple[str, ...]) -> tuple[str, ...]:
    """The profile's violent incident types, each one of the records' incident types."""
    known = set(IncidentType.values)
    unknown = [t for t in types if t not in known]
    if unknown:
        raise ValueError(
            f"the program profile's [evaluation] violent_incident_types has unknown type(s) {', '.join(unknown)}; "
            f"choose from {', '.join(IncidentType.values)}"
        )
    return types
