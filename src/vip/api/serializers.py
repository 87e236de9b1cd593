"""What the API sends and accepts. Writes go through the services; reads through the selectors."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from vip.identification.choices import IncidentType, InvolvementRole
from vip.people.choices import Ethnicity, Race, Sex
from vip.referrals.choices import ReferralSource


class PersonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    middle_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    date_of_birth = serializers.DateField(read_only=True, allow_null=True)
    sex = serializers.CharField(read_only=True)
    area = serializers.SerializerMethodField(help_text="Area code, or null when unknown.")

    def get_area(self, obj: Any) -> str | None:
        return obj.area.code if obj.area_id else None


class ReferralSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    received_on = serializers.DateField(read_only=True)
    source = serializers.CharField(read_only=True)
    referred_by = serializers.CharField(read_only=True)
    area = serializers.SerializerMethodField(help_text="Area code, or null when unknown.")

    def get_area(self, obj: Any) -> str | None:
        return obj.area.code if obj.area_id else None

    status = serializers.CharField(read_only=True)


class IncomingPersonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField(max_length=100, help_text="The person's id in the sending system.")
    first_name = serializers.CharField(max_length=100)
    middle_name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    last_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, default="", allow_blank=True)
    race = serializers.ChoiceField(choices=Race.choices, required=False, default="", allow_blank=True)
    ethnicity = serializers.ChoiceField(choices=Ethnicity.choices, required=False, default="", allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)


class IncomingReferralSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A referral sent by a partner (e.g. a hospital): the person is matched by key or created."""

    key = serializers.CharField(max_length=100, help_text="The referral's id in the sending system.")
    person = IncomingPersonSerializer()
    received_on = serializers.DateField()
    source = serializers.ChoiceField(choices=ReferralSource.choices)
    referred_by = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    area = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    reason = serializers.CharField(required=False, default="", allow_blank=True)


class IncomingInvolvementSerializer(serializers.Serializer):  # type: ignore[type-arg]
    person = IncomingPersonSerializer()
    role = serializers.ChoiceField(choices=InvolvementRole.choices)


class IncomingIncidentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An incident from a records system, with the people involved."""

    key = serializers.CharField(max_length=100, help_text="E.g. the police case number.")
    occurred_at = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=IncidentType.choices)
    area = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    involvements = IncomingInvolvementSerializer(many=True, required=False, default=list)


class ReportFigureSerializer(serializers.Serializer):  # type: ignore[type-arg]
    month = serializers.CharField()
    audience = serializers.CharField()
    definitions_version = serializers.CharField()
    data_fingerprint = serializers.CharField()
    numbers = serializers.JSONField()
