"""Accounts in Django's admin, for administrators; every save is audited."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from vip.accounts.models import User
from vip.core.admin import AuditedModelAdmin


@admin.register(User)
class VipUserAdmin(AuditedModelAdmin, UserAdmin):  # type: ignore[misc]
    list_display = ["username", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email", "language"]}),
        ("Access", {"fields": ["role", "is_active"]}),
        ("History", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "role", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined"]
