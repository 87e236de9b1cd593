"""The API of safety plans (under /api/v1/): a person's plan as the reader sees it, and recording
a check-in (the peer app sends its check-ins here). The same selectors, services and wall as the
pages: a manager gets the plan without its sections and the check-ins without their notes (null);
police and the other roles get nothing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path
from django.utils.dateparse import parse_datetime
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from vip.api.serializers import BoundedDateTimeField, ReadsThePolicy, StrictCharField
from vip.api.views import READ_ERRORS, WRITE_ERRORS, _refuse, _user
from vip.audit.reads import record_or_404, refuse
from vip.audit.services import audit_read
from vip.people.selectors import person_list
from vip.safety_plans.choices import CheckInStatus
from vip.safety_plans.models import SafetyCheckIn, SafetyPlan, SafetyPlanVersion
from vip.safety_plans.selectors import (
    safety_check_in_list,
    safety_plan_of,
    safety_plan_people,
    safety_plan_versions,
)
from vip.safety_plans.services import safety_check_in_record

# The largest record id an address or a query takes (vip.core.converters.IdConverter).
ID_DIGITS = 18


class SafetyPlanVersionSerializer(ReadsThePolicy):
    policy_model = SafetyPlanVersion
    number = serializers.IntegerField(read_only=True)
    written_on = serializers.DateField(read_only=True)
    by = serializers.CharField(source="by.username", read_only=True, allow_null=True, default=None)
    warning_signs = serializers.CharField(read_only=True, allow_null=True)
    avoid = serializers.CharField(read_only=True, allow_null=True)
    safe_places = serializers.CharField(read_only=True, allow_null=True)
    people_to_call = serializers.CharField(read_only=True, allow_null=True)
    coping = serializers.CharField(read_only=True, allow_null=True)
    goals = serializers.CharField(read_only=True, allow_null=True)
    reason = serializers.CharField(read_only=True, allow_null=True)


class SafetyCheckInSerializer(ReadsThePolicy):
    policy_model = SafetyCheckIn
    id = serializers.IntegerField(read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    checked_at = serializers.DateTimeField(read_only=True)
    status = serializers.ChoiceField(choices=CheckInStatus.choices, read_only=True)
    plan_still_fits = serializers.BooleanField(read_only=True, allow_null=True)
    plan_number = serializers.IntegerField(read_only=True, help_text="The plan's version in force at the check-in.")
    note = serializers.CharField(read_only=True, allow_null=True)
    by = serializers.CharField(source="by.username", read_only=True, allow_null=True, default=None)
    voided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    version = serializers.IntegerField(read_only=True, help_text="The check-in's version (to void it).")


class SafetyPlanSerializer(ReadsThePolicy):
    policy_model = SafetyPlan
    id = serializers.IntegerField(read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    current = serializers.IntegerField(read_only=True, help_text="The number of the version in force.")
    version = serializers.IntegerField(
        read_only=True, help_text="The plan's version: send it as expected_version to write a new version."
    )
    versions = serializers.SerializerMethodField()
    check_ins = serializers.SerializerMethodField()

    @extend_schema_field(SafetyPlanVersionSerializer(many=True))
    def get_versions(self, plan: SafetyPlan) -> list[dict[str, Any]]:
        return SafetyPlanVersionSerializer(self.context["versions"], many=True, context=self.context).data  # type: ignore[return-value]

    @extend_schema_field(SafetyCheckInSerializer(many=True))
    def get_check_ins(self, plan: SafetyPlan) -> list[dict[str, Any]]:
        return SafetyCheckInSerializer(self.context["check_ins"], many=True, context=self.context).data  # type: ignore[return-value]


class AwareDateTimeField(BoundedDateTimeField):
    """A moment with its UTC offset: one without would be read in the server's zone, hours off."""

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:  # well formed but no such moment (a 99th minute)
                raise serializers.ValidationError("Not a date and time.") from None
            if parsed is not None and parsed.tzinfo is None:
                raise serializers.ValidationError("Give the time with its UTC offset, e.g. 2022-11-03T18:00:00-07:00.")
        return super().to_internal_value(value)


class IncomingCheckInSerializer(serializers.Serializer):  # type: ignore[type-arg]
    person = serializers.IntegerField(min_value=1, max_value=10**ID_DIGITS - 1, help_text="The person's id.")
    checked_at = AwareDateTimeField()
    status = serializers.ChoiceField(choices=CheckInStatus.choices)
    plan_still_fits = serializers.BooleanField(required=False, allow_null=True, default=None)
    note = StrictCharField(required=False, default="", allow_blank=True, max_length=5000)


def _person_id(request: Request) -> int:
    value = request.query_params.get("person", "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > ID_DIGITS:
        raise exceptions.ValidationError({"person": ["Give the person's id: ?person=<id>."]})
    return int(value)


@method_decorator(login_not_required, name="dispatch")
class SafetyPlanDetail(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("person", int, required=True, description="The person's id")],
        responses={200: SafetyPlanSerializer, 400: WRITE_ERRORS[400], **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        """A person's safety plan, every version and check-in, as the caller may see them."""
        user = _user(request)
        person_id = _person_id(request)
        # A person whose plans the caller does not see, or none: 404, the refusal on record.
        person = record_or_404(request, safety_plan_people, person_id, audit=False)
        plan = safety_plan_of(user=user, person=person)
        if plan is None:
            refuse(request, SafetyPlan, person.pk)
            raise exceptions.NotFound("This person has no safety plan.")
        context = {
            "reader": user,
            "versions": list(safety_plan_versions(user=user, plan=plan).select_related("by")),
            "check_ins": list(
                safety_check_in_list(user=user, include_voided=True).filter(plan=plan).select_related("by")
            ),
        }
        data = SafetyPlanSerializer(plan, context=context).data
        audit_read(actor=user, action="safetyplan.read", target=plan, details={"api": True, "person": person.pk})
        return Response(data)


@method_decorator(login_not_required, name="dispatch")
class SafetyCheckInCreate(APIView):
    @extend_schema(request=IncomingCheckInSerializer, responses={201: SafetyCheckInSerializer, **WRITE_ERRORS})
    def post(self, request: Request) -> Response:
        """Record a check-in on a person's safety plan (their peer worker, or a manager)."""
        incoming = IncomingCheckInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        user = _user(request)
        try:
            person = person_list(user=user).filter(pk=data["person"]).first()
            if person is None:
                raise exceptions.ValidationError({"person": ["No such person."]})
            check_in = safety_check_in_record(
                actor=user,
                person=person,
                checked_at=data["checked_at"],
                status=data["status"],
                plan_still_fits=data["plan_still_fits"],
                note=data["note"],
            )
        except (PermissionDenied, ValidationError) as exc:
            raise _refuse(exc) from exc
        # The receipt, as the caller may see it.
        body = SafetyCheckInSerializer(check_in, context={"reader": user}).data
        return Response(body, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("safety-plans/", SafetyPlanDetail.as_view(), name="safety_plans_plan"),
    path("safety-plans/check-ins/", SafetyCheckInCreate.as_view(), name="safety_plans_check_in"),
]
