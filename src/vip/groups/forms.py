from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, ClassVar

from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from vip.core.forms import StaffForm, date_input, datetime_input
from vip.core.models import Area
from vip.core.paging import QueueForm, Sort
from vip.groups.models import CallIn, Group
from vip.people.corrections import REASON_MAX
from vip.people.models import Person

YES, NO, ALL = "yes", "no", "all"


class _VisibleChoices(ModelChoiceIterator):
    """The choices of a selector's queryset, read as the queryset (``iterator()`` would bypass the
    access policy's masking, so a masked queryset refuses it)."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class VisibleChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    iterator = _VisibleChoices


class VisibleMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    iterator = _VisibleChoices


class GroupForm(StaffForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    aliases = forms.CharField(
        label=_("Other names"), max_length=500, required=False, help_text=_("Other names the group goes by.")
    )
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.filter(active=True), required=False)
    notes = forms.CharField(
        label=_("Police intelligence"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text=_("Police data: never shown to peer support workers."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, notes: bool, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not notes:  # a role that may not read police intelligence does not write it either
            del self.fields["notes"]
        if not editing:
            del self.fields["active"]
            del self.fields["version"]


class GroupQueueForm(QueueForm):
    SORTS: ClassVar[dict[str, Sort]] = {
        "name": Sort(_("Name"), (Lower("name"), "pk")),
        "newest": Sort(_("Newest first"), ("-created_at", "-pk")),
    }

    active = forms.ChoiceField(
        label=_("Active"),
        required=False,
        choices=[(YES, _("Active groups")), (NO, _("Inactive groups")), (ALL, _("All groups"))],
    )
    area = forms.ModelChoiceField(label=_("Area"), required=False, queryset=Area.objects.all(), empty_label=_("Any"))

    field_order = ("q", "active", "area", "sort")

    def narrow(self, groups: QuerySet[Group]) -> QuerySet[Group]:
        active = self.value("active") or YES
        if active != ALL:
            groups = groups.filter(active=active == YES)
        if area := self.value("area"):
            groups = groups.filter(area=area)
        for word in (self.value("q") or "").split()[:6]:
            groups = groups.filter(Q(name__icontains=word) | Q(aliases__icontains=word))
        return groups.order_by(*self.ordering())


class MembershipForm(StaffForm):
    """A membership: of a chosen person (from the group's page) or in a chosen group (from the
    person's page)."""

    person = VisibleChoiceField(label=_("Person"), queryset=Person.objects.none(), widget=forms.RadioSelect)
    group = VisibleChoiceField(label=_("Group"), queryset=Group.objects.none())
    member_from = forms.DateField(label=_("Member from"), widget=date_input())
    source = forms.ChoiceField(label=_("How the program knows"), widget=forms.RadioSelect)
    member_to = forms.DateField(
        label=_("Member until"),
        widget=date_input(),
        required=False,
        help_text=_("Leave empty while they are still a member."),
    )

    def __init__(
        self,
        *args: Any,
        sources: list[tuple[str, str]],
        people: QuerySet[Person] | None = None,
        shown: list[Person] | None = None,
        groups: QuerySet[Group] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        source = self.fields["source"]
        assert isinstance(source, forms.ChoiceField)
        source.choices = sources
        if len(sources) == 1:
            source.initial = sources[0][0]
        person = self.fields["person"]
        if people is None:
            del self.fields["person"]
        else:
            assert isinstance(person, forms.ModelChoiceField)
            person.queryset = people  # what the form takes: anyone the user may add
            # What it offers: the people found (a peer worker's caseload, or a search).
            person.widget.choices = [(p.pk, _person_label(p)) for p in (shown or [])]
        group = self.fields["group"]
        if groups is None:
            del self.fields["group"]
        else:
            assert isinstance(group, forms.ModelChoiceField)
            group.queryset = groups


def _person_label(person: Person) -> str:
    born = f", {person.date_of_birth:%Y}" if person.date_of_birth else ""
    return f"{person} ({person.key}{born})"


class MembershipEndForm(StaffForm):
    member_to = forms.DateField(label=_("Member until"), widget=date_input())
    version = forms.IntegerField(widget=forms.HiddenInput)


class VoidForm(StaffForm):
    reason = forms.CharField(
        label=_("Why is this membership void?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=REASON_MAX
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CallInForm(StaffForm):
    held_at = forms.DateTimeField(label=_("Held at"), widget=datetime_input(), input_formats=["%Y-%m-%dT%H:%M"])
    place = forms.CharField(label=_("Place"), max_length=200)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.filter(active=True), required=False)
    groups = VisibleMultipleChoiceField(
        label=_("Groups whose members were invited"),
        queryset=Group.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, groups: QuerySet[Group], editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["groups"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = groups
        if not editing:
            del self.fields["version"]


class CallInQueueForm(QueueForm):
    SORTS: ClassVar[dict[str, Sort]] = {
        "newest": Sort(_("Newest first"), ("-held_at", "-pk")),
        "oldest": Sort(_("Oldest first"), ("held_at", "pk")),
    }

    area = forms.ModelChoiceField(label=_("Area"), required=False, queryset=Area.objects.all(), empty_label=_("Any"))
    held_from = forms.DateField(label=_("Held from"), required=False, widget=date_input())
    held_to = forms.DateField(label=_("Held to"), required=False, widget=date_input())

    field_order = ("q", "area", "held_from", "held_to", "sort")

    def narrow(self, call_ins: QuerySet[CallIn], zone: dt.tzinfo) -> QuerySet[CallIn]:
        """The call-ins the filters keep; days are the program's days (``zone``)."""
        if area := self.value("area"):
            call_ins = call_ins.filter(area=area)
        if start := self.value("held_from"):
            call_ins = call_ins.filter(held_at__gte=dt.datetime.combine(start, dt.time(0), tzinfo=zone))
        if end := self.value("held_to"):
            after = end + dt.timedelta(days=1)
            call_ins = call_ins.filter(held_at__lt=dt.datetime.combine(after, dt.time(0), tzinfo=zone))
        for word in (self.value("q") or "").split()[:6]:
            call_ins = call_ins.filter(Q(place__icontains=word) | Q(groups__name__icontains=word))
        return call_ins.distinct().order_by(*self.ordering())
