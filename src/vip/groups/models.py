"""Groups and crews, who is in them (and how the program knows), group call-ins and who came.

The wall runs through memberships: one recorded from police intelligence is police data (peer
support workers never see it), one a participant told their peer worker, or that peer support
knows, is peer-support data (police never see it). Which role sees which is the access policy's
(``vip.core.access.policy``: the ``only`` of ``groups.GroupMembership``); nothing here decides it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vip.core.fields import EncryptedTextField
from vip.core.models import Area, TimeStampedModel
from vip.core.sensitivity import Sensitivity
from vip.groups.choices import MembershipSource
from vip.people.models import Person


def _key(prefix: str) -> str:
    from vip.people.services import new_key  # here: the services import the models

    return new_key(prefix)


def new_group_key() -> str:
    """The key of a group recorded by staff (an import brings its own: interchange format 2)."""
    return _key("G")


def new_membership_key() -> str:
    return _key("GM")


def new_call_in_key() -> str:
    return _key("CI")


class Group(TimeStampedModel):
    """A group or crew. That it exists and its name are known to all staff; what the police know
    about it (``notes``) is police intelligence."""

    name = models.CharField(_("name"), max_length=200)
    aliases = models.CharField(_("other names"), max_length=500, blank=True)
    area = models.ForeignKey(Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT)
    notes = EncryptedTextField(_("police intelligence"), blank=True, max_length=5000)
    key = models.CharField(max_length=100, unique=True, default=new_group_key, editable=False)
    active = models.BooleanField(_("active"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    SENSITIVE_FIELDS = {"notes": Sensitivity.POLICE, "key": Sensitivity.KEY}

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self) -> str:
        return self.name


class GroupMembership(TimeStampedModel):
    """A person's membership of a group, from a day (to a day: ``member_to`` empty while they
    are still a member), and the source the program knows it from."""

    group = models.ForeignKey(Group, verbose_name=_("group"), on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="group_memberships"
    )
    member_from = models.DateField(_("member from"))
    member_to = models.DateField(_("member until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=30, choices=MembershipSource.choices)
    key = models.CharField(max_length=100, unique=True, default=new_membership_key, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    # Set when the entry was voided (a correction with its reason keeps why): kept as history,
    # left out of the counts and the network.
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)

    SENSITIVE_FIELDS = {"key": Sensitivity.KEY}

    class Meta:
        ordering = ["-member_from", "pk"]
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(member_to__isnull=True) | Q(member_to__gte=F("member_from")),
                name="group_membership_ends_after_it_starts",
            )
        ]
        indexes = [models.Index(fields=["group", "source"]), models.Index(fields=["person", "source"])]

    def __str__(self) -> str:
        return f"{self.group} ({self.member_from:%Y-%m-%d})"

    @property
    def current(self) -> bool:
        return self.voided_at is None and self.member_to is None


class CallIn(TimeStampedModel):
    """A group call-in (a forum): the members of some groups hear the program's message together."""

    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=200)
    area = models.ForeignKey(Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT)
    groups = models.ManyToManyField(Group, verbose_name=_("groups invited"), related_name="call_ins")
    notes = EncryptedTextField(_("notes"), blank=True, max_length=5000)
    key = models.CharField(max_length=100, unique=True, default=new_call_in_key, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    # Free text about a meeting may name the people in it.
    SENSITIVE_FIELDS = {"notes": Sensitivity.IDENTIFYING, "key": Sensitivity.KEY}

    class Meta:
        ordering = ["-held_at", "pk"]
        verbose_name = _("call-in")
        verbose_name_plural = _("call-ins")

    def __str__(self) -> str:
        return f"{self.place} ({self.held_at:%Y-%m-%d})"


class CallInAttendance(TimeStampedModel):
    """Whether a person was invited to a call-in, and whether they came."""

    call_in = models.ForeignKey(CallIn, verbose_name=_("call-in"), on_delete=models.PROTECT, related_name="attendance")
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="call_in_attendance"
    )
    invited = models.BooleanField(_("invited"), default=True)
    attended = models.BooleanField(_("attended"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["call_in", "pk"]
        verbose_name = _("call-in attendance")
        verbose_name_plural = _("call-in attendance")
        constraints = [models.UniqueConstraint(fields=["call_in", "person"], name="call_in_attendance_once")]

    def __str__(self) -> str:
        return f"{self.call_in}: {self.person_id}"
