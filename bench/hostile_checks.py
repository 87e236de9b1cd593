"""schemathesis hooks for the hostile run (bench/hostile_run.py): one extra check per response, and
known addresses among the generated ones.

Loaded by the schemathesis CLI through SCHEMATHESIS_HOOKS; the run names the role whose token is
used (VIP_HOSTILE_ROLE), the canary seeded in a case note, a needs assessment and a substance-use
service referral (VIP_HOSTILE_CANARY), the person who has them (VIP_HOSTILE_PERSON) and the month
that has a report run (VIP_HOSTILE_MONTH).
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import strategies as st

ROLE = os.environ.get("VIP_HOSTILE_ROLE", "")
CANARY = os.environ.get("VIP_HOSTILE_CANARY", "")
PERSON = os.environ.get("VIP_HOSTILE_PERSON", "")
MONTH = os.environ.get("VIP_HOSTILE_MONTH", "")
# The API serves no casework and no health detail at all; the person's own peer is the one role
# that may be shown them, should the API ever grow a casework endpoint.
MAY_SEE_PEER_SUPPORT = {"peer"}


@schemathesis.check
def no_peer_support_content(ctx, response, case):  # type: ignore[no-untyped-def]
    """The canary (peer-support and health content) never reaches a role that may not see it."""
    if not CANARY or not ROLE:
        raise AssertionError("VIP_HOSTILE_ROLE and VIP_HOSTILE_CANARY must be set")
    if ROLE not in MAY_SEE_PEER_SUPPORT and CANARY in response.text:
        raise AssertionError(f"{ROLE} received peer-support content (the canary) from {case.method} {case.path}")


@schemathesis.hook
def flatmap_path_parameters(ctx, path_parameters):  # type: ignore[no-untyped-def]
    """Half the cases ask for the seeded person and for the month that has a report run: random
    ids and months are almost all 404s, and the canary check needs the person's own record."""
    known: dict[str, object] = {}
    if path_parameters and "person_id" in path_parameters and PERSON:
        known["person_id"] = int(PERSON)
    if path_parameters and "month" in path_parameters and MONTH:
        known["month"] = MONTH
    if not known:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, **known}])
