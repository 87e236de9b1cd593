"""Test data made the way the program makes it: every factory calls the real service.

A record built here went through the service's permission check, its validation and its audit
event, exactly as a record made from a page or an import would; nothing is written to the
database behind the services' backs. ``factory.Factory`` (not ``DjangoModelFactory``, which
saves model instances directly) with ``_create`` overridden to call the service.

``actor`` is who acts: ``None`` (the default) is the local operator, whom the access policy
lets do anything (docs/adr/0001-operator-actor.md); pass a user to build data as that user.
The program profile must be loaded first (the ``program`` fixture of the root conftest).

``tests`` has no ``__init__.py``: it is a namespace package, importable as ``tests.factories``
because the repository root (where the root ``conftest.py`` is) is on ``sys.path``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import factory

from vip.accounts.models import User
from vip.accounts.services import user_create
from vip.audit.models import AuditEvent
from vip.casework.models import CaseNote, Contact, NeedsAssessment
from vip.casework.services import case_note_write, contact_record, needs_assessment_record
from vip.notifications.models import CustomNotification, NotificationAttempt
from vip.notifications.services import attempt_record, legal_assessment_write, notification_plan
from vip.outcomes.models import Outcome
from vip.outcomes.services import outcome_record
from vip.people.models import Person
from vip.people.services import person_assign_peer, person_create
from vip.referrals.models import Referral
from vip.referrals.services import referral_accept, referral_assign, referral_close, referral_create

DENVER = ZoneInfo("America/Denver")  # the Albuquerque profile's time zone
PASSWORD = "a long enough passphrase for tests"


class UserFactory(factory.Factory):
    """A staff account (``user_create``), enrolled in TOTP unless ``second_factor=False``."""

    class Meta:
        model = User

    role = "peer"
    username = factory.LazyAttributeSequence(lambda o, n: f"{o.role}-f{n}")
    password = PASSWORD
    second_factor = True

    @classmethod
    def _create(cls, model_class: type[User], *, second_factor: bool, **values: Any) -> User:
        user = user_create(actor=None, **values)
        if second_factor:
            from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

            TOTP.activate(user, generate_totp_secret())
        return user


class PersonFactory(factory.Factory):
    """A person (``person_create``), put on ``peer``'s caseload when one is given
    (``person_assign_peer``, by the operator)."""

    class Meta:
        model = Person

    actor = None
    first_name = factory.Iterator(["Ana", "Luis", "Rosa", "Mateo", "Lucía", "Diego"])
    last_name = factory.Sequence(lambda n: f"Baca{n}")
    peer = None

    @classmethod
    def _create(cls, model_class: type[Person], *, actor: Any, peer: User | None, **values: Any) -> Person:
        person = person_create(actor=actor, **values)
        if peer is not None:
            person = person_assign_peer(actor=None, person=person, peer=peer)
        return person


class ReferralFactory(factory.Factory):
    """A referral (``referral_create``); ``assigned_to`` assigns it (``referral_assign``),
    ``accepted=True`` has the assignee accept it, ``closed_on`` closes it (as the operator)."""

    class Meta:
        model = Referral

    actor = None
    person = factory.SubFactory(PersonFactory)
    received_on = dt.date(2022, 11, 1)
    source = "hospital"
    referred_by = "UNM Hospital"
    reason = "Treated for a gunshot wound"
    assigned_to = None
    accepted = False
    closed_on = None
    close_reason = "notified"

    @classmethod
    def _create(
        cls,
        model_class: type[Referral],
        *,
        assigned_to: User | None,
        accepted: bool,
        closed_on: dt.date | None,
        close_reason: str,
        **values: Any,
    ) -> Referral:
        referral = referral_create(**values)
        if assigned_to is not None:
            referral = referral_assign(actor=None, referral=referral, assignee=assigned_to)
            if accepted:
                referral = referral_accept(actor=assigned_to, referral=referral)
        if closed_on is not None:
            referral = referral_close(actor=None, referral=referral, closed_on=closed_on, reason=close_reason)
        return referral


class NotificationFactory(factory.Factory):
    """A planned custom notification (``notification_plan``), with its legal assessment
    (``legal_assessment_write``, by the operator) when ``legal_assessment`` is given."""

    class Meta:
        model = CustomNotification

    actor = None
    person = factory.SubFactory(PersonFactory)
    planned_on = dt.date(2022, 11, 3)
    team = None
    referral = None
    area = None
    legal_assessment = ""

    @classmethod
    def _create(
        cls, model_class: type[CustomNotification], *, legal_assessment: str, **values: Any
    ) -> CustomNotification:
        notification = notification_plan(**values)
        if legal_assessment:
            notification = legal_assessment_write(
                actor=None, notification=notification, text=legal_assessment, expected_version=notification.version
            )
        return notification


class AttemptFactory(factory.Factory):
    """One attempt to deliver a custom notification (``attempt_record``)."""

    class Meta:
        model = NotificationAttempt

    actor = None
    person = factory.SubFactory(PersonFactory)
    attempted_at = dt.datetime(2022, 11, 3, 18, 30, tzinfo=DENVER)
    outcome = "not_found"
    team = factory.LazyFunction(lambda: {"peer_support", "police"})
    notification = None
    notes = ""

    @classmethod
    def _create(cls, model_class: type[NotificationAttempt], **values: Any) -> NotificationAttempt:
        return attempt_record(**values)


class _CaseworkFactory(factory.Factory):
    """Casework is written by the peer worker whose caseload the person is on: by default a
    new peer, and a new person on their caseload."""

    class Meta:
        abstract = True

    person = factory.SubFactory(PersonFactory, peer=factory.SubFactory(UserFactory, role="peer"))
    actor = factory.SelfAttribute("person.assigned_peer")


class NeedsAssessmentFactory(_CaseworkFactory):
    """A needs assessment (``needs_assessment_record``)."""

    class Meta:
        model = NeedsAssessment

    assessed_on = dt.date(2022, 11, 4)
    needs = factory.LazyFunction(lambda: {"housing": "urgent", "employment": "some"})
    details = None
    summary = "Sleeping at a cousin's; wants work"

    @classmethod
    def _create(cls, model_class: type[NeedsAssessment], **values: Any) -> NeedsAssessment:
        return needs_assessment_record(**values)


class ContactFactory(_CaseworkFactory):
    """A peer contact (``contact_record``)."""

    class Meta:
        model = Contact

    contacted_at = dt.datetime(2022, 11, 5, 10, 0, tzinfo=DENVER)
    kind = "in_person"
    minutes = 45
    summary = "Met at the community centre"

    @classmethod
    def _create(cls, model_class: type[Contact], **values: Any) -> Contact:
        return contact_record(**values)


class CaseNoteFactory(_CaseworkFactory):
    """A case note (``case_note_write``)."""

    class Meta:
        model = CaseNote

    text = factory.Sequence(lambda n: f"Visit {n} went well")

    @classmethod
    def _create(cls, model_class: type[CaseNote], **values: Any) -> CaseNote:
        return case_note_write(**values)


class OutcomeFactory(factory.Factory):
    """An outcome (``outcome_record``)."""

    class Meta:
        model = Outcome

    actor = None
    person = factory.SubFactory(PersonFactory)
    occurred_on = dt.date(2022, 12, 1)
    type = "arrest_firearm"
    source_ref = factory.Sequence(lambda n: f"22-1{n:05d}")
    notes = "Arrested with a handgun"

    @classmethod
    def _create(cls, model_class: type[Outcome], **values: Any) -> Outcome:
        return outcome_record(**values)


def staff(*roles: str) -> dict[str, User]:
    """One account of each role, keyed by role."""
    return {role: UserFactory(role=role) for role in roles}


class AuditTrail:
    """The audit events recorded since it was opened (to check that a write recorded exactly
    its own event, and a refused one none)."""

    def __init__(self) -> None:
        self.mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def events(self) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(id__gt=self.mark))

    def actions(self) -> list[tuple[str, str]]:
        """``(action, outcome)`` of each new event, in order."""
        return [(e.action, e.outcome) for e in self.events()]

    def single(self) -> AuditEvent:
        """The one new event (fails when there is none or more than one)."""
        events = self.events()
        assert len(events) == 1, [(e.action, e.object_type, e.object_id) for e in events]
        return events[0]


def audit_store_down(monkeypatch: Any) -> None:
    """From here on the audit store refuses every write (as a full disk or a lost database
    would): a write whose event cannot be recorded must not happen either."""
    from vip.audit import chain

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(chain, "digest", refuse)


def caseload_world(**own: Any) -> dict[str, Any]:
    """What an app's tests act on: one account of each role, a second peer worker, and three
    people: one on the peer's caseload (``own``; ``own`` keywords go to its factory), one on
    the other peer's (``elsewhere``), one on nobody's (``nobody``)."""
    users = staff("peer", "police", "manager", "analyst", "admin", "integration")
    other_peer = UserFactory(role="peer")
    return {
        **users,
        "other_peer": other_peer,
        "own": PersonFactory(first_name="Ana", last_name="Quintana", peer=users["peer"], **own),
        "elsewhere": PersonFactory(first_name="Luis", last_name="Otero", peer=other_peer),
        "nobody": PersonFactory(first_name="Rosa", last_name="Nadie"),
    }
