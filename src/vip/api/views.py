"""REST API, version 1: for integrations (a hospital sending referrals, a records system sending
incidents) and evaluators (report figures). Token authentication; the same services, selectors
and wall as the web application."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from vip.accounts.models import User
from vip.api import serializers as s
from vip.audit.reads import record_or_404
from vip.audit.services import audit_read
from vip.core.config import program_config
from vip.core.dates import Month
from vip.core.errors import AlreadyReceivedError
from vip.core.models import Area
from vip.identification import services as identification
from vip.people.selectors import person_list, person_search
from vip.referrals import services as referrals
from vip.referrals.selectors import referral_list
from vip.reports.models import ReportRun
from vip.reports.selectors import run_list


class AlreadyReceived(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A record with this key was already received."
    default_code = "conflict"


DETAIL = OpenApiResponse(s.DetailSerializer, description="Refused, with the reason")
READ_ERRORS = {401: DETAIL, 403: DETAIL, 404: DETAIL}
WRITE_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid fields, by field"),
    401: DETAIL,
    403: DETAIL,
    409: OpenApiResponse(s.DetailSerializer, description="A record with this key was already received"),
}


def _user(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


def _refuse(exc: Exception) -> exceptions.APIException:
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or "Permission refused.")
    if isinstance(exc, ValidationError):
        # An object as the schema says: the field a service names (a date in the future), else
        # the refusal as a whole.
        return exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    raise exc


def _audit_list(request: Request, response: Response, action: str, object_type: str, query: str) -> None:
    """Audit a list the API answered: the ids on the page sent (before it is sent: fails closed)."""
    if response.status_code != status.HTTP_200_OK:
        return
    rows = response.data.get("results", []) if isinstance(response.data, dict) else response.data
    details: dict[str, Any] = {"api": True}
    if query:
        details["query"] = query
    audit_read(
        actor=_user(request),
        action=action,
        object_type=object_type,
        shown=[row["id"] for row in rows],
        details=details,
    )


def _area(code: str) -> Area | None:
    if not code:
        return None
    config = program_config()
    if code not in config.areas:
        raise exceptions.ValidationError({"area": [f"unknown area code {code!r}"]})
    return Area.objects.get(code=code)


@method_decorator(login_not_required, name="dispatch")
class PersonList(generics.ListAPIView):  # type: ignore[type-arg]
    """People the caller may see (peers: their caseload; police and managers: everyone)."""

    serializer_class = s.PersonSerializer

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Name, alias or date of birth")],
        responses={200: s.PersonSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        query = request.query_params.get("q", "").strip()[:200]
        _audit_list(request, response, "person.search" if query else "person.list_read", "people.person", query)
        return response

    def get_queryset(self) -> Any:
        user = _user(self.request)
        query = self.request.query_params.get("q", "").strip()[:200]
        try:
            if query:
                return [hit.person for hit in person_search(user=user, query=query, limit=100)]
            return person_list(user=user).order_by("id")
        except PermissionDenied as exc:
            raise _refuse(exc) from exc


@method_decorator(login_not_required, name="dispatch")
class PersonDetail(APIView):
    @extend_schema(responses={200: s.PersonSerializer, **READ_ERRORS})
    def get(self, request: Request, person_id: int) -> Response:
        user = _user(request)
        person = record_or_404(request, person_list, person_id, audit=False)  # audited below, as the API's
        data = s.PersonSerializer(person, context={"reader": user}).data
        audit_read(actor=user, action="person.read", target=person, details={"api": True})
        return Response(data)

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Who may not see the person is refused here too (a 404, on record); who may, has the read
        # of the person recorded at the end of the request (vip.audit.reads.settle).
        record_or_404(request, person_list, kwargs["person_id"])
        return super().options(request, *args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class ReferralList(generics.ListAPIView):  # type: ignore[type-arg]
    """Referrals the caller may see, newest first; and sending new ones."""

    serializer_class = s.ReferralSerializer

    @extend_schema(
        responses={200: s.ReferralSerializer(many=True), **READ_ERRORS},
        parameters=[OpenApiParameter("status", str, enum=["received", "assigned", "accepted", "closed"])],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        _audit_list(request, response, "referral.list_read", "referrals.referral", "")
        return response

    def get_queryset(self) -> Any:
        try:
            referrals = referral_list(user=_user(self.request)).order_by("-received_on", "-id")
        except PermissionDenied as exc:
            raise _refuse(exc) from exc
        wanted = self.request.query_params.get("status")
        return referrals.filter(status=wanted) if wanted else referrals

    @extend_schema(request=s.IncomingReferralSerializer, responses={201: s.ReferralSerializer, **WRITE_ERRORS})
    def post(self, request: Request) -> Response:
        """Send a referral (e.g. from a hospital). The person is matched by their key, or added."""
        incoming = s.IncomingReferralSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        user = _user(request)
        try:
            referral = referrals.referral_receive(
                actor=user,
                key=data["key"],
                person=data["person"],
                received_on=data["received_on"],
                source=data["source"],
                referred_by=data["referred_by"],
                area=_area(data["area"]),
                reason=data["reason"],
            )
        except AlreadyReceivedError as exc:
            raise AlreadyReceived(exc.messages[0]) from exc
        except (PermissionDenied, ValidationError) as exc:
            raise _refuse(exc) from exc
        # The receipt repeats what the caller sent (an integration reads no referrals otherwise).
        return Response(s.ReferralSerializer(referral, context={"reader": None}).data, status=status.HTTP_201_CREATED)


@method_decorator(login_not_required, name="dispatch")
class IncidentCreate(APIView):
    @extend_schema(request=s.IncomingIncidentSerializer, responses={201: s.CreatedSerializer, **WRITE_ERRORS})
    def post(self, request: Request) -> Response:
        """Send an incident from a records system, with the people involved (police and integrations)."""
        incoming = s.IncomingIncidentSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        user = _user(request)
        try:
            incident = identification.incident_receive(
                actor=user,
                key=data["key"],
                occurred_at=data["occurred_at"],
                type=data["type"],
                area=_area(data["area"]),
                address=data["address"],
                involved=[identification.Involved(item["person"], item["role"]) for item in data["involvements"]],
            )
        except AlreadyReceivedError as exc:
            raise AlreadyReceived(exc.messages[0]) from exc
        except (PermissionDenied, ValidationError) as exc:
            raise _refuse(exc) from exc
        return Response({"id": incident.pk, "key": incident.key}, status=status.HTTP_201_CREATED)


@method_decorator(login_not_required, name="dispatch")
class ReportFigures(APIView):
    @extend_schema(
        responses={200: s.ReportFigureSerializer, **READ_ERRORS},
        parameters=[OpenApiParameter("audience", str, enum=["official", "public"])],
    )
    def get(self, request: Request, month: str) -> Response:
        """The figures of the latest run of a month's report (published runs first)."""
        try:
            Month.parse(month)
            runs = run_list(user=_user(request))
        except ValueError:
            raise exceptions.NotFound from None
        except PermissionDenied as exc:
            raise _refuse(exc) from exc
        audience = request.query_params.get("audience", "official")
        run = runs.filter(month=month, audience=audience).order_by("-published", "-generated_at").first()
        if run is None:
            raise exceptions.NotFound(f"No report run for {month} ({audience}).")
        run = ReportRun.objects.get(pk=run.pk)
        return Response(s.ReportFigureSerializer(run).data)
