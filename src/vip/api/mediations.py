"""The API of mediations (under /api/v1/): the mediation log as the reader sees it, one mediation,
and recording one (the peer app sends its mediations here). The same selectors, services and wall
as the pages: a manager gets no topics, summary or notes (null); police, where the profile lets
them see mediations at all, the day, area and outcome only (no parties, no one who recorded it);
a participant is named only to a reader who sees that person."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import URLPattern, path
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from vip.api.serializers import AreaCodeField, BoundedDateField, ReadsThePolicy, StrictCharField
from vip.api.views import READ_ERRORS, WRITE_ERRORS, AlreadyReceived, _area, _audit_list, _refuse, _user
from vip.audit.reads import person_page, record_or_404
from vip.audit.services import audit_read
from vip.core.dates import Month
from vip.core.errors import AlreadyReceivedError
from vip.mediations.choices import ConflictTopic, MediationOutcome, PartyRole
from vip.mediations.models import Mediation, MediationFollowUp
from vip.mediations.selectors import (
    Reading,
    follow_up_list,
    mediation_list,
    mediation_records,
    party_list,
    party_views,
    reading,
    with_history,
)
from vip.mediations.services import OutsidePartyInput, mediation_record
from vip.people.models import Person
from vip.people.selectors import person_list

# The largest record id an address or a query takes (vip.core.converters.IdConverter).
ID_DIGITS = 18


class MediationPartySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A party as the reader may see them: a participant they see (person id and name), one they
    do not ("participant": true, nothing else), or an outside party (name, phone)."""

    id = serializers.IntegerField(read_only=True)
    took_part_as = serializers.ChoiceField(choices=PartyRole.choices, read_only=True)
    participant = serializers.BooleanField(read_only=True, help_text="A participant of the program.")
    person = serializers.IntegerField(read_only=True, allow_null=True, help_text="Null unless the reader sees them.")
    name = serializers.CharField(read_only=True, allow_null=True, help_text="Null for a participant not seen.")
    phone = serializers.CharField(read_only=True, allow_null=True, help_text="An outside party's phone.")
    removed = serializers.BooleanField(read_only=True, help_text="Taken off the mediation (kept as history).")


class MediationFollowUpSerializer(ReadsThePolicy):
    policy_model = MediationFollowUp
    id = serializers.IntegerField(read_only=True)
    followed_up_on = serializers.DateField(read_only=True)
    outcome = serializers.ChoiceField(choices=MediationOutcome.choices, read_only=True)
    note = serializers.CharField(read_only=True, allow_null=True)
    voided = serializers.SerializerMethodField()

    def get_voided(self, obj: MediationFollowUp) -> bool:
        return obj.voided_at is not None


class MediationSerializer(ReadsThePolicy):
    policy_model = Mediation
    id = serializers.IntegerField(read_only=True)
    key = serializers.SerializerMethodField(
        help_text="The recording device's id for it; null for a reader who does not see the parties."
    )
    occurred_on = serializers.DateField(read_only=True)
    area = serializers.SerializerMethodField(help_text="Area code, or null when unknown.")
    outcome = serializers.ChoiceField(choices=MediationOutcome.choices, read_only=True)
    topics = serializers.ListField(
        child=serializers.ChoiceField(choices=ConflictTopic.choices), read_only=True, allow_null=True
    )
    summary = serializers.CharField(read_only=True, allow_null=True)
    voided = serializers.SerializerMethodField()
    version = serializers.IntegerField(read_only=True)
    recorded_by = serializers.SerializerMethodField(help_text="Null for a reader who does not see the parties.")
    parties = serializers.SerializerMethodField(help_text="Null for a reader who does not see the parties.")
    follow_ups = serializers.SerializerMethodField()

    def get_area(self, obj: Mediation) -> str | None:
        return obj.area.code if obj.area_id and obj.area is not None else None

    def get_voided(self, obj: Mediation) -> bool:
        return obj.voided_at is not None

    def _reader(self) -> Any:
        return self.context["reader"] if "reader" in self.context else self.context["request"].user

    def _reading(self) -> Reading:
        if "reading" not in self.context:
            self.context["reading"] = reading(self._reader())
        found: Reading = self.context["reading"]
        return found

    def get_key(self, obj: Mediation) -> str | None:
        return obj.key if self._reading().parties else None

    def get_recorded_by(self, obj: Mediation) -> str | None:
        if not self._reading().parties or obj.recorded_by is None:
            return None  # None also for a mediation imported from the command line (no account)
        return obj.recorded_by.get_username()

    @extend_schema_field(MediationPartySerializer(many=True, allow_null=True))
    def get_parties(self, obj: Mediation) -> list[dict[str, Any]] | None:
        reader = self._reader()
        if not self._reading().parties:
            return None
        parties = getattr(obj, "all_parties", None)
        if parties is None:
            parties = list(party_list(user=reader, include_removed=True).filter(mediation=obj))
        return [
            {
                "id": v.party.pk,
                "took_part_as": v.party.role,
                "participant": v.party.person_id is not None,
                "person": v.person_id,
                "name": v.name or None,
                "phone": (v.party.outside.phone or None) if v.party.outside is not None else None,
                "removed": v.party.removed_at is not None,
            }
            for v in party_views(user=reader, parties=parties)
        ]

    @extend_schema_field(MediationFollowUpSerializer(many=True))
    def get_follow_ups(self, obj: Mediation) -> list[dict[str, Any]]:
        reader = self._reader()
        follow_ups = getattr(obj, "all_follow_ups", None)
        if follow_ups is None:
            follow_ups = follow_up_list(user=reader, include_voided=True).filter(mediation=obj)
        return list(MediationFollowUpSerializer(follow_ups, many=True, context={"reader": reader}).data)


class IncomingOutsidePartySerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = StrictCharField(max_length=200, help_text="What they are called (a street name is fine).")
    phone = StrictCharField(max_length=50, required=False, default="", allow_blank=True)
    took_part_as = serializers.ChoiceField(choices=PartyRole.choices, required=False, default=PartyRole.PARTY)


class IncomingMediationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A mediation to record: its parties are people the sender sees (by id) and outside parties."""

    key = StrictCharField(
        max_length=100, required=False, allow_null=True, default=None, help_text="The sending device's id for it."
    )
    occurred_on = BoundedDateField()
    outcome = serializers.ChoiceField(choices=MediationOutcome.choices)
    topics = serializers.ListField(
        child=serializers.ChoiceField(choices=ConflictTopic.choices), min_length=1, max_length=len(ConflictTopic)
    )
    area = AreaCodeField(max_length=50, required=False, default="", allow_blank=True)
    summary = StrictCharField(max_length=5000, required=False, default="", allow_blank=True)
    people = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=10**ID_DIGITS - 1),
        required=False,
        default=list,
        max_length=50,
        help_text="Ids of participants (people the sender sees).",
    )
    outside = IncomingOutsidePartySerializer(many=True, required=False, default=list, max_length=20)


def _filters(request: Request, mediations: Any, shown: Reading, user: Any) -> Any:
    """The log narrowed by the query's filters; a value not understood is a 400 naming it."""
    query = request.query_params
    if outcome := query.get("outcome", ""):
        if outcome not in MediationOutcome.values:
            raise exceptions.ValidationError({"outcome": [f"unknown outcome {outcome!r}"]})
        mediations = mediations.filter(outcome=outcome)
    if code := query.get("area", ""):
        mediations = mediations.filter(area=_area(code))
    if month := query.get("month", ""):
        try:
            found = Month.parse(month)
        except ValueError:
            raise exceptions.ValidationError({"month": ["a month in the form YYYY-MM"]}) from None
        mediations = mediations.filter(occurred_on__gte=found.first_day, occurred_on__lte=found.last_day)
    if topic := query.get("topic", ""):
        if topic not in ConflictTopic.values:
            raise exceptions.ValidationError({"topic": [f"unknown topic {topic!r}"]})
        if not shown.content:
            raise exceptions.PermissionDenied("Your role does not see what conflicts were about.")
        mediations = mediations.filter(topics__icontains=f'"{topic}"')
    if person := query.get("person", ""):
        if not (person.isascii() and person.isdigit()) or len(person) > ID_DIGITS:
            raise exceptions.ValidationError({"person": ["a person's id"]})
        if not shown.parties:
            raise exceptions.PermissionDenied("Your role does not see who took part in mediations.")
        seen = person_list(user=user).filter(pk=int(person)).exists()
        ids = party_list(user=user).filter(person_id=int(person)).values_list("mediation_id", flat=True)
        mediations = mediations.filter(pk__in=ids) if seen else mediations.none()
    return mediations


@method_decorator(login_not_required, name="dispatch")
class MediationList(generics.ListAPIView):  # type: ignore[type-arg]
    """The mediations the caller may see, newest first (voided ones left out); and recording one."""

    serializer_class = MediationSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("outcome", str, enum=MediationOutcome.values),
            OpenApiParameter("area", str, description="Area code"),
            OpenApiParameter("month", str, description="YYYY-MM"),
            OpenApiParameter("topic", str, enum=ConflictTopic.values, description="Readers who see topics only"),
            OpenApiParameter("person", int, description="A participant's id: the mediations they took part in"),
        ],
        responses={200: MediationSerializer(many=True), 400: WRITE_ERRORS[400], **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        _audit_list(request, response, "mediation.list_read", "mediations.mediation", "")
        return response

    def get_queryset(self) -> Any:
        user = _user(self.request)
        try:
            mediations = mediation_list(user=user)
        except PermissionDenied as exc:
            raise _refuse(exc) from exc
        shown = reading(user)
        found = _filters(self.request, mediations, shown, user).order_by("-occurred_on", "-id")
        return with_history(found, user, parties=shown.parties)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "reader": _user(self.request)}

    @extend_schema(request=IncomingMediationSerializer, responses={201: MediationSerializer, **WRITE_ERRORS})
    def post(self, request: Request) -> Response:
        """Record a mediation (peer support workers and managers)."""
        user = _user(request)
        incoming = IncomingMediationSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            people = _people(user, data["people"])
            mediation = mediation_record(
                actor=user,
                key=data["key"],
                occurred_on=data["occurred_on"],
                outcome=data["outcome"],
                topics=list(data["topics"]),
                area=_area(data["area"]),
                summary=data["summary"],
                people=people,
                outside=[OutsidePartyInput(o["name"], o["phone"], o["took_part_as"]) for o in data["outside"]],
            )
        except AlreadyReceivedError as exc:
            raise AlreadyReceived(exc.messages[0]) from exc
        except (PermissionDenied, ValidationError) as exc:
            raise _refuse(exc) from exc
        found = mediation_records(user=user).get(pk=mediation.pk)  # as the sender reads it back
        return Response(MediationSerializer(found, context={"reader": user}).data, status=status.HTTP_201_CREATED)


def _people(user: Any, ids: list[int]) -> list[Person]:
    """The participants by id, each one the sender sees (PermissionDenied otherwise)."""
    if not ids:
        return []
    found = {p.pk: p for p in person_list(user=user).filter(pk__in=ids)}
    if set(ids) - set(found):
        raise PermissionDenied("A participant of a mediation must be someone you see: add others as outside parties.")
    return [found[i] for i in dict.fromkeys(ids)]


@method_decorator(login_not_required, name="dispatch")
class MediationDetail(APIView):
    @extend_schema(responses={200: MediationSerializer, **READ_ERRORS})
    def get(self, request: Request, mediation_id: int) -> Response:
        """One mediation (a voided one too, marked so), as the caller may see it."""
        user = _user(request)
        mediation = record_or_404(request, mediation_records, mediation_id, audit=False)  # audited below
        data = MediationSerializer(mediation, context={"reader": user}).data
        audit_read(actor=user, action="mediation.read", target=mediation, details={"api": True})
        return Response(data)

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record_or_404(request, mediation_records, kwargs["mediation_id"])
        return super().options(request, *args, **kwargs)


urlpatterns: list[URLPattern] = [
    path("mediations/", MediationList.as_view(), name="mediations"),
    # Names who took part: every request to it leaves one audit event, whatever its method (row 36).
    path(
        "mediations/<id:mediation_id>/",
        person_page(mediation_records, "mediation_id")(MediationDetail.as_view()),
        name="mediations_detail",
    ),
]
