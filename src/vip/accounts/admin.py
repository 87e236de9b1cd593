"""Accounts in Django's admin, for administrators; every save is audited."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    actions = ["reset_second_factor", "unlock"]

    @admin.action(description=gettext_lazy("Reset the second factor (lost phone): enrol again at next sign-in"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        from vip.accounts.services import user_second_factor_reset

        for user in queryset:
            user_second_factor_reset(actor=request.user, user=user)  # type: ignore[arg-type]
        self.message_user(
            request,
            _("Second factor reset for %(count)d account(s); their sessions have ended.") % {"count": len(queryset)},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Unlock sign-in (after too many failed attempts)"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        from vip.accounts.services import user_unlock

        for user in queryset:
            user_unlock(actor=request.user, username=user.username)  # type: ignore[arg-type]
        self.message_user(
            request, _("Sign-in unlocked for %(count)d account(s).") % {"count": len(queryset)}, messages.SUCCESS
        )
