"""The API of incentives (under /api/v1/): the incentives the caller sees, and proposing one.

Token authentication and the same selectors, services and wall as the pages: a peer support
worker reads and proposes for their own caseload (and reads their own notes); a manager reads
every incentive (never a peer's note) and proposes for anyone; every other role is refused."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from vip.api.serializers import BoundedDateField, DetailSerializer, ReadsThePolicy, StrictCharField
from vip.api.views import READ_ERRORS, _audit_list, _refuse, _user
from vip.audit.reads import record_or_404
from vip.incentives.choices import IncentiveStatus
from vip.incentives.models import Incentive
from vip.incentives.selectors import incentive_list, net_paid
from vip.incentives.services import incentive_propose
from vip.people.selectors import person_list


class IncentiveSerializer(ReadsThePolicy):
    policy_model = Incentive
    id = serializers.IntegerField(read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    milestone = serializers.CharField(read_only=True, help_text="The code of one of the profile's milestones.")
    amount_cents = serializers.IntegerField(read_only=True, help_text="The profile's amount, in cents.")
    reached_on = serializers.DateField(read_only=True)
    status = serializers.CharField(read_only=True, help_text="proposed, approved, declined or withdrawn.")
    note = serializers.CharField(
        read_only=True, allow_null=True, help_text="The peer worker's note: null where the reader does not see it."
    )
    paid_cents = serializers.SerializerMethodField(help_text="Paid net (payments and reversals), in cents.")

    def get_paid_cents(self, obj: Any) -> int:
        return int(self.context.get("paid", {}).get(obj.pk, 0))


class IncomingIncentiveSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A proposal: the person, the milestone they reached and when (the amount is the profile's)."""

    person = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The person's id.")
    milestone = StrictCharField(max_length=50)
    reached_on = BoundedDateField()
    note = StrictCharField(required=False, default="", allow_blank=True, max_length=2000)


NOT_FOUND = OpenApiResponse(DetailSerializer, description="No such person, or not one the caller sees")
INVALID = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid fields or parameters, by name")


@method_decorator(login_not_required, name="dispatch")
class IncentiveList(generics.ListAPIView):  # type: ignore[type-arg]
    """Incentives the caller sees (a peer: their caseload's; a manager: all), newest milestone first;
    and proposing one."""

    serializer_class = IncentiveSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("person", int, description="Only this person's incentives"),
            OpenApiParameter("status", str, enum=IncentiveStatus.values),
        ],
        responses={200: IncentiveSerializer(many=True), 400: INVALID, **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        _audit_list(request, response, "incentive.list_read", "incentives.incentive", "")
        return response

    def get_queryset(self) -> Any:
        try:
            found = incentive_list(user=_user(self.request)).order_by("-reached_on", "-id")
        except PermissionDenied as exc:
            raise _refuse(exc) from exc
        person = self.request.query_params.get("person")
        if person:
            if not (person.isascii() and person.isdigit()) or len(person) > 18:
                raise exceptions.ValidationError({"person": ["A person's id (a whole number)."]})
            found = found.filter(person_id=int(person))
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in IncentiveStatus.values:
                raise exceptions.ValidationError({"status": [f"One of {', '.join(IncentiveStatus.values)}."]})
            found = found.filter(status=wanted)
        return found

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "reader": _user(self.request)}

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._paid = net_paid(user=_user(self.request), incentive_ids=[i.pk for i in page])
        return page

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        serializer = super().get_serializer(*args, **kwargs)
        serializer.context["paid"] = getattr(self, "_paid", {})
        return serializer

    @extend_schema(
        request=IncomingIncentiveSerializer,
        responses={
            201: IncentiveSerializer,
            400: INVALID,
            401: READ_ERRORS[401],
            403: READ_ERRORS[403],
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request) -> Response:
        """Propose the incentive of a milestone a person reached (their peer worker, or a manager)."""
        incoming = IncomingIncentiveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        user = _user(request)
        person = record_or_404(request, person_list, data["person"], action="incentive.propose")
        try:
            incentive = incentive_propose(
                actor=user,
                person=person,
                milestone=data["milestone"],
                reached_on=data["reached_on"],
                note=data["note"],
            )
        except (PermissionDenied, ValidationError) as exc:
            raise _refuse(exc) from exc
        body = IncentiveSerializer(incentive, context={"reader": user, "paid": {}}).data
        return Response(body, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("incentives/", IncentiveList.as_view(), name="incentives"),
]
