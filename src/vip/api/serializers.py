"""What the API sends and accepts. Writes go through the services; reads through the selectors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vip.configuration.services import read_profile
from vip.core.access import Show, treatment
from vip.core.dates import out_of_range
from vip.identification.choices import IncidentType, InvolvementRole
from vip.people.choices import Ethnicity, Race, Sex
from vip.people.models import Person
from vip.referrals.choices import ReferralSource
from vip.referrals.models import Referral


class BoundedDateField(serializers.DateField):
    """A date from EARLIEST to LATEST (vip.core.dates, security row 45): year 265 or 99999 is
    refused with a 400, like on every form, instead of being stored and exported in a form no
    import reads."""

    def to_internal_value(self, value: Any) -> Any:
        day = super().to_internal_value(value)
        if problem := out_of_range(day):
            raise serializers.ValidationError(problem)
        return day


class BoundedDateTimeField(serializers.DateTimeField):
    """A date and time whose day lies from EARLIEST to LATEST (see BoundedDateField)."""

    def to_internal_value(self, value: Any) -> Any:
        moment = super().to_internal_value(value)
        if problem := out_of_range(moment):
            raise serializers.ValidationError(problem)
        return moment


class StrictCharField(serializers.CharField):
    """A text field that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


def _profile_area_codes() -> list[str]:
    """The default profile's area codes, for the schema (requests are checked against the live configuration)."""
    return ["", *(a["code"] for a in read_profile(settings.VIP_DEFAULT_PROFILE).get("areas", []))]


@extend_schema_field({"type": "string", "enum": _profile_area_codes(), "description": "Area code; empty: unknown"})
class AreaCodeField(StrictCharField):
    pass


class ReadsThePolicy(serializers.Serializer):  # type: ignore[type-arg]
    """A serializer of records that leaves out (null) every field the reader does not get as it is,
    by the access policy (``vip.core.access``). The reader is the request's user, or
    ``context["reader"]`` (``None``: a receipt of what the caller itself sent)."""

    policy_model: type[models.Model]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        reader = self.context["reader"] if "reader" in self.context else self.context["request"].user
        for name, field in self.fields.items():
            source = field.source if field.source not in {"*", None} else name
            if treatment(reader, self.policy_model, source.split(".")[0].removesuffix("_id")) != Show.SHOWN:
                data[name] = None
        return data


class PersonSerializer(ReadsThePolicy):
    policy_model = Person
    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True, allow_null=True)
    first_name = serializers.CharField(read_only=True, allow_null=True)
    middle_name = serializers.CharField(read_only=True, allow_null=True)
    last_name = serializers.CharField(read_only=True, allow_null=True)
    date_of_birth = serializers.DateField(read_only=True, allow_null=True)
    sex = serializers.CharField(read_only=True)
    area = serializers.SerializerMethodField(help_text="Area code, or null when unknown.")

    def get_area(self, obj: Any) -> str | None:
        return obj.area.code if obj.area_id else None


class ReferralSerializer(ReadsThePolicy):
    policy_model = Referral
    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True, allow_null=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    received_on = serializers.DateField(read_only=True)
    source = serializers.CharField(read_only=True)
    referred_by = serializers.CharField(read_only=True, allow_null=True)
    area = serializers.SerializerMethodField(help_text="Area code, or null when unknown.")

    def get_area(self, obj: Any) -> str | None:
        return obj.area.code if obj.area_id else None

    status = serializers.CharField(read_only=True)


class IncomingPersonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = StrictCharField(max_length=100, help_text="The person's id in the sending system.")
    first_name = StrictCharField(max_length=100)
    middle_name = StrictCharField(max_length=100, required=False, default="", allow_blank=True)
    last_name = StrictCharField(max_length=100)
    date_of_birth = BoundedDateField(required=False, allow_null=True, default=None)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, default="", allow_blank=True)
    race = serializers.ChoiceField(choices=Race.choices, required=False, default="", allow_blank=True)
    ethnicity = serializers.ChoiceField(choices=Ethnicity.choices, required=False, default="", allow_blank=True)
    address = StrictCharField(max_length=200, required=False, default="", allow_blank=True)
    phone = StrictCharField(max_length=50, required=False, default="", allow_blank=True)


class IncomingReferralSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A referral sent by a partner (e.g. a hospital): the person is matched by key or created."""

    key = StrictCharField(max_length=100, help_text="The referral's id in the sending system.")
    person = IncomingPersonSerializer()
    received_on = BoundedDateField()
    source = serializers.ChoiceField(choices=ReferralSource.choices)
    referred_by = StrictCharField(max_length=200, required=False, default="", allow_blank=True)
    area = AreaCodeField(max_length=50, required=False, default="", allow_blank=True)
    reason = StrictCharField(required=False, default="", allow_blank=True)


class IncomingInvolvementSerializer(serializers.Serializer):  # type: ignore[type-arg]
    person = IncomingPersonSerializer()
    role = serializers.ChoiceField(choices=InvolvementRole.choices)


class IncomingIncidentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An incident from a records system, with the people involved."""

    key = StrictCharField(max_length=100, help_text="E.g. the police case number.")
    occurred_at = BoundedDateTimeField()
    type = serializers.ChoiceField(choices=IncidentType.choices)
    area = AreaCodeField(max_length=50, required=False, default="", allow_blank=True)
    address = StrictCharField(max_length=200, required=False, default="", allow_blank=True)
    involvements = IncomingInvolvementSerializer(many=True, required=False, default=list)


class ReportFigureSerializer(serializers.Serializer):  # type: ignore[type-arg]
    month = StrictCharField()
    audience = StrictCharField()
    definitions_version = StrictCharField()
    data_fingerprint = StrictCharField()
    numbers = serializers.JSONField()


class DetailSerializer(serializers.Serializer):  # type: ignore[type-arg]
    detail = StrictCharField()


class CreatedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    key = StrictCharField()
