"""The configuration screens of Django's admin, for administrators.

Every save and delete made here is audited in the same transaction, like any
other write (``AuditedModelAdmin``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest

from vip.audit.admin import AuditedModelAdmin
from vip.configuration.services import category_protection_lifted, category_protection_message
from vip.core.models import AgeBand, Area, ProgramProfile, ServiceCategory


@admin.register(ProgramProfile)
class ProgramProfileAdmin(AuditedModelAdmin):
    list_display = ["program_name", "city", "time_zone", "fiscal_year_start_month", "web_address"]


@admin.register(Area)
class AreaAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "name_es", "report_order", "active"]


class ServiceCategoryForm(forms.ModelForm):  # type: ignore[type-arg]
    """A category's health and substance-use marks are one way: set, they stay set."""

    class Meta:
        model = ServiceCategory
        fields = ["code", "name", "name_es", "report_order", "sensitivity", "substance_use", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is not None:
            stored = ServiceCategory.objects.get(pk=self.instance.pk)
            lifted = category_protection_lifted(
                stored, sensitivity=data.get("sensitivity", ""), substance_use=bool(data.get("substance_use"))
            )
            for name in lifted:
                self.add_error(name, category_protection_message(stored.code))
        return data


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(AuditedModelAdmin):
    form = ServiceCategoryForm
    list_display = ["code", "name", "report_order", "sensitivity", "substance_use", "active"]

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        # The form said so already; this holds whatever form saves a category here.
        assert isinstance(obj, ServiceCategory)
        if change:
            stored = ServiceCategory.objects.select_for_update().get(pk=obj.pk)
            if category_protection_lifted(stored, sensitivity=obj.sensitivity, substance_use=obj.substance_use):
                raise PermissionDenied(category_protection_message(stored.code))
        super().save_model(request, obj, form, change)


@admin.register(AgeBand)
class AgeBandAdmin(AuditedModelAdmin):
    list_display = ["label", "min_age", "max_age", "report_order"]
