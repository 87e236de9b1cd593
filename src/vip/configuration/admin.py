"""The configuration screens of Django's admin, for administrators.

Every save and delete made here is audited in the same transaction, like any
other write (``AuditedModelAdmin``).
"""

from __future__ import annotations

from django.contrib import admin

from vip.audit.admin import AuditedModelAdmin
from vip.core.models import AgeBand, Area, ProgramProfile, ServiceCategory


@admin.register(ProgramProfile)
class ProgramProfileAdmin(AuditedModelAdmin):
    list_display = ["program_name", "city", "time_zone", "fiscal_year_start_month", "web_address"]


@admin.register(Area)
class AreaAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "report_order", "active"]


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "report_order", "sensitivity", "substance_use", "active"]


@admin.register(AgeBand)
class AgeBandAdmin(AuditedModelAdmin):
    list_display = ["label", "min_age", "max_age", "report_order"]
