"""What an export may contain for a given reader: the access policy, applied to bundles.

Nothing here decides visibility: the files are those whose records the reader sees in the
export channel, the rows those the policy gives them, and each column is shown, masked (a
keyed pseudonym) or left blank as the policy treats the field it reads
(``vip.core.access.policy``; the resulting columns per role are in docs/interchange.md and
docs/permissions.md, generated from the same declaration). So:

- the operator (command line, no ``--as``) gets the full bundle;
- a program manager gets every file, without case content (visit notes), health or
  substance-use details (a referral's provider) or police work product (outcome notes);
- a police user gets people, referrals, incidents, involvements, attempts without notes,
  non-health service referrals without provider, and outcomes;
- a peer support worker gets their caseload (and the people behind referrals assigned to
  them) and those people's referrals, attempts and service referrals; no police records;
- an analyst gets a de-identified bundle: keys replaced by stable pseudonyms, names,
  addresses, phone numbers, birth dates and free text left out;
- administrators and integration accounts get nothing (refused).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from vip.core.access import Channel, Rows, Show, lookup_treatment, require, rows, sees, visible_rows
from vip.interchange.mapping import EXPORT, ExportColumn
from vip.interchange.schema import FILES, FileSpec

# The pseudonym family of each key column (a person_key in any file maps alike).
KEY_KIND = {
    "person_key": "person",
    "referral_key": "referral",
    "attempt_key": "attempt",
    "service_referral_key": "service_referral",
    "outcome_key": "outcome",
    "incident_key": "incident",
}


@dataclass(frozen=True)
class ExportPlan:
    """The files a reader's bundle holds, and what each column carries."""

    reader: Any
    files: tuple[FileSpec, ...]
    deidentified: bool

    def columns(self, spec: FileSpec) -> list[tuple[ExportColumn, Show]]:
        return [(column, column_treatment(self.reader, spec, column)) for column in EXPORT[spec.name]]

    def queryset(self, spec: FileSpec) -> QuerySet[Any]:
        """The rows of one file that the reader may have."""
        return visible_rows(spec.model._default_manager.all(), self.reader, Channel.EXPORT).order_by("id")


def column_treatment(reader: Any, spec: FileSpec, column: ExportColumn) -> Show:
    """What the reader gets of one column: the policy's treatment of the field it reads."""
    return lookup_treatment(reader, spec.model, column.lookup)


def export_plan(reader: Any) -> ExportPlan:
    """The reader's bundle; refuses a role that exports nothing."""
    require(reader, "interchange.export")
    files = tuple(spec for spec in FILES if sees(reader, spec.model, Channel.EXPORT))
    deidentified = any(
        rows(reader, spec.model, Channel.EXPORT) in {Rows.DEIDENTIFIED, Rows.DEIDENTIFIED_NOT_HEALTH} for spec in files
    )
    return ExportPlan(reader=reader, files=files, deidentified=deidentified)


def pseudonym(kind: str, key: str) -> str:
    """A stable pseudonym for a key: the same key always gets the same pseudonym, for this installation."""
    secret = (settings.VIP_PSEUDONYM_KEY or settings.SECRET_KEY).encode()
    digest = hmac.new(secret, f"{kind}\x1f{key}".encode(), hashlib.sha256).hexdigest()
    return f"{kind[:1].upper()}-{digest[:16]}"
