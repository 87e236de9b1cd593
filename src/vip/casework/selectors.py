"""Reading peer casework, as the access policy lets the reader see it.

Case-note text and needs stay with the peer worker whose caseload the person is on;
managers see that contacts, assessments and notes happened, not what was said; police and
everyone else see none of it (``vip.core.access.policy``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from vip.casework.models import CaseNote, Contact, NeedItem, NeedsAssessment
from vip.core.access import selects, visible


@selects(CaseNote)
def case_note_list(*, user: Any, include_voided: bool = False) -> QuerySet[CaseNote]:
    """The records the reader sees; voided ones only with ``include_voided`` (the history)."""
    found = visible(CaseNote.objects.all(), user)
    return found if include_voided else found.filter(voided_at__isnull=True)


@selects(NeedsAssessment)
def needs_assessment_list(*, user: Any, include_voided: bool = False) -> QuerySet[NeedsAssessment]:
    """The records the reader sees; voided ones only with ``include_voided`` (the history)."""
    found = visible(NeedsAssessment.objects.all(), user)
    return found if include_voided else found.filter(voided_at__isnull=True)


def need_item_list(*, user: Any) -> QuerySet[NeedItem]:
    return visible(NeedItem.objects.all(), user)


@selects(Contact)
def contact_list(*, user: Any, include_voided: bool = False) -> QuerySet[Contact]:
    """The records the reader sees; voided ones only with ``include_voided`` (the history)."""
    found = visible(Contact.objects.all(), user)
    return found if include_voided else found.filter(voided_at__isnull=True)
