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
def case_note_list(*, user: Any) -> QuerySet[CaseNote]:
    return visible(CaseNote.objects.all(), user)


@selects(NeedsAssessment)
def needs_assessment_list(*, user: Any) -> QuerySet[NeedsAssessment]:
    return visible(NeedsAssessment.objects.all(), user)


def need_item_list(*, user: Any) -> QuerySet[NeedItem]:
    return visible(NeedItem.objects.all(), user)


@selects(Contact)
def contact_list(*, user: Any) -> QuerySet[Contact]:
    return visible(Contact.objects.all(), user)
