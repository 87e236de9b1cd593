"""Reading peer casework: the assigned peer support worker only.

Case-note text and needs stay with the peer worker whose caseload the person is
on; managers see that contacts happened, not what was said; police and
everyone else see nothing of it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from vip.accounts.models import User
from vip.accounts.permissions import Role
from vip.casework.models import CaseNote, Contact, NeedsAssessment


def case_note_list(*, user: User | None) -> QuerySet[CaseNote]:
    if user is None:
        return CaseNote.objects.all()
    if user.role == Role.PEER:
        return CaseNote.objects.filter(person__assigned_peer=user)
    raise PermissionDenied(_("Case notes stay with the assigned peer support worker."))


def needs_assessment_list(*, user: User | None) -> QuerySet[NeedsAssessment]:
    if user is None:
        return NeedsAssessment.objects.all()
    if user.role == Role.PEER:
        return NeedsAssessment.objects.filter(person__assigned_peer=user)
    raise PermissionDenied(_("Needs assessments stay with the assigned peer support worker."))


def contact_list(*, user: User | None) -> QuerySet[Contact]:
    if user is None:
        return Contact.objects.all()
    if user.role == Role.PEER:
        return Contact.objects.filter(person__assigned_peer=user)
    if user.role == Role.MANAGER:
        return Contact.objects.mask("summary")
    raise PermissionDenied(_("Contacts are peer-support records."))
