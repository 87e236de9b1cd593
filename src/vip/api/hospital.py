"""The API of hospital referrals (under /api/v1/): a hospital's system sends them (the patient by
their key in that system); peer support workers and managers read them as the access policy lets
them (police never: the wall). Token authentication, the same services, selectors and audit as the
pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from vip.api.serializers import (
    BoundedDateField,
    CreatedSerializer,
    IncomingPersonSerializer,
    ReadsThePolicy,
    StrictCharField,
)
from vip.api.views import DETAIL, READ_ERRORS, WRITE_ERRORS, AlreadyReceived, _audit_list, _refuse, _user
from vip.audit.reads import person_page, record_or_404
from vip.audit.services import audit_read
from vip.core.errors import AlreadyReceivedError
from vip.core.forms import LARGEST_INTEGER
from vip.hospital.choices import ConsentToContact, InjuryType
from vip.hospital.models import BedsideVisit, HospitalReferral
from vip.hospital.selectors import bedside_visit_list, first_visits, hospital_referral_list, hospital_referral_records
from vip.hospital.services import hospital_referral_receive


def _an_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 < int(text) <= LARGEST_INTEGER


class BedsideVisitSerializer(ReadsThePolicy):
    policy_model = BedsideVisit
    id = serializers.IntegerField(read_only=True)
    attempted_at = serializers.DateTimeField(read_only=True)
    by = serializers.IntegerField(source="by_id", read_only=True)
    outcome = serializers.CharField(read_only=True)
    consent_given = serializers.BooleanField(read_only=True, allow_null=True)
    notes = serializers.CharField(read_only=True, allow_null=True, help_text="Null when withheld from the reader.")
    voided = serializers.SerializerMethodField()

    def get_voided(self, obj: BedsideVisit) -> bool:
        return obj.voided_at is not None


class HospitalReferralSerializer(ReadsThePolicy):
    policy_model = HospitalReferral
    id = serializers.IntegerField(read_only=True)
    referral = serializers.IntegerField(source="referral_id", read_only=True)
    key = serializers.CharField(source="referral.key", read_only=True)
    person = serializers.IntegerField(source="referral.person_id", read_only=True)
    received_on = serializers.DateField(source="referral.received_on", read_only=True)
    status = serializers.CharField(source="referral.status", read_only=True)
    assigned_to = serializers.IntegerField(source="referral.assigned_to_id", read_only=True, allow_null=True)
    hospital = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True)
    injury_date = serializers.DateField(read_only=True)
    injury_type = serializers.CharField(read_only=True)
    admitted = serializers.BooleanField(read_only=True)
    consent_to_contact = serializers.CharField(read_only=True)
    consent_recorded_on = serializers.DateField(read_only=True, allow_null=True)
    referring_staff = serializers.CharField(read_only=True, allow_null=True)
    clinical_notes = serializers.CharField(
        read_only=True, allow_null=True, help_text="Null when withheld from the reader (health information)."
    )
    voided = serializers.SerializerMethodField()

    def get_voided(self, obj: HospitalReferral) -> bool:
        return obj.voided_at is not None


class HospitalReferralDetailSerializer(HospitalReferralSerializer):
    hours_to_first_visit = serializers.FloatField(
        read_only=True, allow_null=True, help_text="From the start of the day received; null: no visit yet."
    )
    # The visits as the reader sees them (set by the view from the visits' selector).
    visits = BedsideVisitSerializer(source="visits_seen", many=True, read_only=True)


class IncomingHospitalReferralSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A hospital referral sent by a hospital's system: the patient is matched by key or added."""

    key = StrictCharField(max_length=100, help_text="The referral's id in the hospital's system.")
    person = IncomingPersonSerializer()
    received_on = BoundedDateField()
    hospital = StrictCharField(max_length=200)
    unit = StrictCharField(max_length=100, required=False, default="", allow_blank=True)
    injury_date = BoundedDateField()
    injury_type = serializers.ChoiceField(choices=InjuryType.choices)
    admitted = serializers.BooleanField(required=False, default=True)
    consent_to_contact = serializers.ChoiceField(
        choices=ConsentToContact.choices, required=False, default=ConsentToContact.NOT_ASKED
    )
    referring_staff = StrictCharField(max_length=200, required=False, default="", allow_blank=True)
    clinical_notes = StrictCharField(required=False, default="", allow_blank=True)


@method_decorator(login_not_required, name="dispatch")
class HospitalReferralList(generics.ListAPIView):  # type: ignore[type-arg]
    """Hospital referrals the caller may see, newest received first; and sending new ones."""

    serializer_class = HospitalReferralSerializer

    @extend_schema(
        # 400: a query the application refuses outright (a NUL character, vip.core.middleware).
        responses={200: HospitalReferralSerializer(many=True), 400: DETAIL, **READ_ERRORS},
        parameters=[
            OpenApiParameter("consent_to_contact", str, enum=list(ConsentToContact.values)),
            OpenApiParameter("person", int, description="Only this person's (their id)"),
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        _audit_list(request, response, "hospitalreferral.list_read", "hospital.hospitalreferral", "")
        return response

    def get_queryset(self) -> Any:
        try:
            found = hospital_referral_list(user=_user(self.request)).order_by("-referral__received_on", "-id")
        except PermissionDenied as exc:
            raise _refuse(exc) from exc
        wanted = self.request.query_params.get("consent_to_contact")
        if wanted in ConsentToContact.values:
            found = found.filter(consent_to_contact=wanted)
        person = self.request.query_params.get("person", "")
        if person:
            # An id no column holds names nobody (never a server error).
            found = found.filter(referral__person_id=int(person)) if _an_id(person) else found.none()
        return found

    @extend_schema(request=IncomingHospitalReferralSerializer, responses={201: CreatedSerializer, **WRITE_ERRORS})
    def post(self, request: Request) -> Response:
        """Send a hospital referral (a hospital's integration account). The patient is matched by their
        key, or added; the receipt names the hospital referral and its key."""
        incoming = IncomingHospitalReferralSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        try:
            made = hospital_referral_receive(actor=_user(request), **data)
        except AlreadyReceivedError as exc:
            raise AlreadyReceived(exc.messages[0]) from exc
        except (PermissionDenied, ValidationError) as exc:
            raise _refuse(exc) from exc
        return Response({"id": made.pk, "key": made.referral.key}, status=status.HTTP_201_CREATED)


@method_decorator(login_not_required, name="dispatch")
class HospitalReferralDetail(APIView):
    @extend_schema(responses={200: HospitalReferralDetailSerializer, **READ_ERRORS})
    def get(self, request: Request, hospital_referral_id: int) -> Response:
        """One hospital referral the caller sees (voided ones too), with its bedside visits in order."""
        user = _user(request)
        record = record_or_404(request, hospital_referral_records, hospital_referral_id, audit=False)
        record.visits_seen = list(bedside_visit_list(user=user, include_voided=True).filter(hospital_referral=record))  # type: ignore[attr-defined]
        record.hours_to_first_visit = first_visits(user=user, referrals=[record]).hours.get(record.pk)  # type: ignore[attr-defined]
        data = HospitalReferralDetailSerializer(record, context={"reader": user}).data
        audit_read(actor=user, action="hospitalreferral.read", target=record, details={"api": True})
        return Response(data)

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Who may not see the record is refused here too (a 404, on record).
        record_or_404(request, hospital_referral_records, kwargs["hospital_referral_id"])
        return super().options(request, *args, **kwargs)


DETAIL = HospitalReferralDetail.as_view()

urlpatterns = [
    path("hospital-referrals/", HospitalReferralList.as_view(), name="hospital_referrals"),
    # About one person: every request to it leaves one audit event, whatever its method (row 36).
    path(
        "hospital-referrals/<id:hospital_referral_id>/",
        person_page(hospital_referral_records, "hospital_referral_id")(DETAIL),
        name="hospital_referral",
    ),
]
