"""Accounts in Django's admin, for administrators; every save is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vip.accounts.models import User
from vip.accounts.services import user_deactivate, user_second_factor_reset, user_unlock
from vip.audit.admin import AuditedModelAdmin


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
    actions = ["reset_second_factor", "unlock", "deactivate"]

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        """Unticking "active" deactivates the account as the service does: its sessions end and its
        API tokens are revoked at once, in the same transaction as the save and its audit."""

        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and isinstance(obj, User) and "is_active" in form.changed_data and not obj.is_active:
                user_deactivate(actor=request.user, user=obj)  # type: ignore[arg-type]

    @admin.action(description=gettext_lazy("Reset the second factor (lost phone): enrol again at next sign-in"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:

        for user in queryset:
            user_second_factor_reset(actor=request.user, user=user)  # type: ignore[arg-type]
        self.message_user(
            request,
            _("Second factor reset for %(count)d account(s); their sessions have ended.") % {"count": len(queryset)},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Unlock sign-in (after too many failed attempts)"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:

        for user in queryset:
            user_unlock(actor=request.user, username=user.username)  # type: ignore[arg-type]
        self.message_user(
            request, _("Sign-in unlocked for %(count)d account(s).") % {"count": len(queryset)}, messages.SUCCESS
        )

    @admin.action(description=gettext_lazy("Deactivate: end their sessions and revoke their API tokens"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:

        for user in queryset:
            user_deactivate(actor=request.user, user=user)  # type: ignore[arg-type]
        self.message_user(
            request,
            _("Deactivated %(count)d account(s); their sessions have ended and their API tokens are revoked.")
            % {"count": len(queryset)},
            messages.SUCCESS,
        )
