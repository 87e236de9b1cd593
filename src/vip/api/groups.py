"""The API of groups (under /api/v1/): groups with their members, and call-ins, as the caller's
role sees them (the selectors of ``vip.groups``; the same wall as the pages)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, path
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from vip.api.serializers import ReadsThePolicy
from vip.api.views import READ_ERRORS, _audit_list, _refuse, _user
from vip.audit.reads import record_or_404
from vip.audit.services import audit_read
from vip.core.access import sees
from vip.groups.models import CallIn, CallInAttendance, Group, GroupMembership
from vip.groups.selectors import attendance_counts, call_in_list, group_list, member_counts, membership_list


class MembershipSerializer(ReadsThePolicy):
    policy_model = GroupMembership
    id = serializers.IntegerField(read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    member_from = serializers.DateField(read_only=True)
    member_to = serializers.DateField(read_only=True, allow_null=True, help_text="Empty: still a member.")
    source = serializers.CharField(read_only=True, help_text="police_intelligence, self_reported or peer_knowledge")


class GroupSerializer(ReadsThePolicy):
    policy_model = Group
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    aliases = serializers.CharField(read_only=True)
    area = serializers.SerializerMethodField(help_text="Area code, or null when unknown.")
    active = serializers.BooleanField(read_only=True)
    notes = serializers.CharField(
        read_only=True, allow_null=True, help_text="Police intelligence: null for a role that does not read it."
    )
    current_members = serializers.SerializerMethodField(
        help_text="Current members as the caller's role sees them; null for a role that sees no memberships."
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_area(self, obj: Group) -> str | None:
        return obj.area.code if obj.area is not None else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_current_members(self, obj: Group) -> int | None:
        counts = self.context.get("counts")
        return None if counts is None else counts.get(obj.pk, 0)


class GroupDetailSerializer(GroupSerializer):
    members = serializers.SerializerMethodField(help_text="The memberships the caller's role sees (voided left out).")

    @extend_schema_field(MembershipSerializer(many=True))
    def get_members(self, obj: Group) -> list[dict[str, Any]]:
        found = self.context.get("members") or []
        return list(MembershipSerializer(found, many=True, context={"reader": self.context["reader"]}).data)


class CallInSerializer(ReadsThePolicy):
    policy_model = CallIn
    id = serializers.IntegerField(read_only=True)
    held_at = serializers.DateTimeField(read_only=True)
    place = serializers.CharField(read_only=True)
    area = serializers.SerializerMethodField(help_text="Area code, or null when unknown.")
    groups = serializers.SerializerMethodField(help_text="The ids of the groups whose members were invited.")
    notes = serializers.CharField(read_only=True, allow_null=True)
    invited = serializers.SerializerMethodField(help_text="Invited, of the people the caller's role sees.")
    attended = serializers.SerializerMethodField(help_text="Attended, of the people the caller's role sees.")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_area(self, obj: CallIn) -> str | None:
        return obj.area.code if obj.area is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_groups(self, obj: CallIn) -> list[int]:
        return sorted(g.pk for g in obj.groups.all())

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_invited(self, obj: CallIn) -> int | None:
        counts = self.context.get("counts")
        return None if counts is None else counts[obj.pk].invited

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_attended(self, obj: CallIn) -> int | None:
        counts = self.context.get("counts")
        return None if counts is None else counts[obj.pk].attended


@method_decorator(login_not_required, name="dispatch")
class GroupList(generics.ListAPIView):  # type: ignore[type-arg]
    """The groups (every member of staff sees them), with their current members as the caller's
    role sees them."""

    serializer_class = GroupSerializer

    @extend_schema(responses={200: GroupSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        try:
            return group_list(user=_user(self.request)).order_by("name", "id")
        except PermissionDenied as exc:
            raise _refuse(exc) from exc

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        user = _user(self.request)
        kwargs["context"] = {**self.get_serializer_context(), "reader": user}
        if args and sees(user, GroupMembership):
            kwargs["context"]["counts"] = member_counts(user=user, groups=list(args[0]))
        return self.serializer_class(*args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class GroupDetail(APIView):
    @extend_schema(responses={200: GroupDetailSerializer, **READ_ERRORS})
    def get(self, request: Request, group_id: int) -> Response:
        """A group with its memberships, as the caller's role sees them."""
        user = _user(request)
        group = record_or_404(request, group_list, group_id, audit=False)  # audited below, with who is shown
        members: list[GroupMembership] = []
        counts = None
        if sees(user, GroupMembership):
            members = list(membership_list(user=user).filter(group=group).order_by("-member_from", "id"))
            counts = member_counts(user=user, groups=[group])
        data = GroupDetailSerializer(group, context={"reader": user, "members": members, "counts": counts}).data
        audit_read(
            actor=user,
            action="group.read",
            target=group,
            shown=sorted({m.person_id for m in members}),
            details={"api": True},
        )
        return Response(data)


@method_decorator(login_not_required, name="dispatch")
class CallInList(generics.ListAPIView):  # type: ignore[type-arg]
    """The call-ins, newest first, with who was invited and who attended counted of the people the
    caller's role sees."""

    serializer_class = CallInSerializer

    @extend_schema(responses={200: CallInSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        _audit_list(request, response, "callin.list_read", "groups.callin", "")
        return response

    def get_queryset(self) -> Any:
        try:
            return call_in_list(user=_user(self.request)).order_by("-held_at", "-id")
        except PermissionDenied as exc:
            raise _refuse(exc) from exc

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        user = _user(self.request)
        kwargs["context"] = {**self.get_serializer_context(), "reader": user}
        if args and sees(user, CallInAttendance):
            kwargs["context"]["counts"] = attendance_counts(user=user, call_ins=list(args[0]))
        return self.serializer_class(*args, **kwargs)


urlpatterns: list[URLPattern] = [
    path("groups/", GroupList.as_view(), name="groups_list"),
    path("groups/<id:group_id>/", GroupDetail.as_view(), name="groups_detail"),
    path("call-ins/", CallInList.as_view(), name="groups_call_ins"),
]
