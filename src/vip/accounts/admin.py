"""Accounts in Django's admin, for administrators; every save is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vip.accounts.models import User
from vip.accounts.services import (
    ACCOUNT_FIELDS,
    user_create,
    user_deactivate,
    user_password_set,
    user_second_factor_reset,
    user_unlock,
    user_update,
)
from vip.audit.admin import AuditedModelAdmin

OWN_ROLE = gettext_lazy("You cannot change your own role; another administrator must.")


class OwnRoleUnchanged:
    """The account form's check (security row 37): an administrator's own role stays as it is.
    The service (``user_update``) refuses it too; this says so on the form, by the field."""

    actor: Any = None  # the signed-in administrator, set per request (VipUserAdmin.get_form)
    initial: dict[str, Any]
    instance: Any
    cleaned_data: dict[str, Any]

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]
        own = self.actor is not None and self.instance.pk is not None and self.instance.pk == self.actor.pk
        if own and role != self.initial.get("role"):
            raise ValidationError(OWN_ROLE, code="own_role")
        return role


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

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (OwnRoleUnchanged, form), {"actor": request.user})

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        """Saves go through the account services, in the admin's transaction with their audit
        (security row 37): a new account is ``user_create``; a change is ``user_update``, which
        refuses an administrator's change of their own role, audits a role change, an activation
        and the rest, and deactivates as the service does (sessions end, API tokens revoked)."""

        assert isinstance(obj, User)
        actor: User = request.user  # type: ignore[assignment]
        with transaction.atomic():
            if not change:
                data = form.cleaned_data
                created = user_create(
                    actor=actor,
                    username=data["username"],
                    role=data["role"],
                    password=data.get("password1") if data.get("set_usable_password", True) else None,
                )
                obj.pk, obj.password, obj.is_staff = created.pk, created.password, created.is_staff
                obj._state.adding, obj._state.db = False, created._state.db
                return
            values = {name: form.cleaned_data[name] for name in form.changed_data if name in ACCOUNT_FIELDS}
            user_update(actor=actor, user=obj, values=values)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """The admin's "set password" page for an account, whose valid submission sets the password
        through ``user_password_set`` (audited in the same transaction, security row 37). The page
        itself, its refusals and its errors are Django's."""

        user = self.get_object(request, unquote(id))
        if request.method != "POST" or user is None or not self.has_change_permission(request, user):
            return super().user_change_password(request, id, form_url)
        form = self.change_password_form(user, request.POST)
        if not form.is_valid() or not (form.cleaned_data["set_usable_password"] or "unset-password" in request.POST):
            return super().user_change_password(request, id, form_url)
        usable = form.cleaned_data["set_usable_password"]
        with transaction.atomic():
            user_password_set(
                actor=request.user,  # type: ignore[arg-type]
                user=user,
                password=form.cleaned_data["password1"] if usable else None,
            )
            message = self.construct_change_message(request, form, None)  # type: ignore[arg-type]
            self.log_change(request, user, message)
        messages.success(
            request, _("Password changed successfully.") if usable else _("Password-based authentication was disabled.")
        )
        update_session_auth_hash(request, user)  # an administrator setting their own stays signed in
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:accounts_user_change", args=(user.pk,)))

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
