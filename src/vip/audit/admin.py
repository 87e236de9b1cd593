"""Audited administration screens: every save made in Django's admin is audited in the same
transaction, like any other write. Registered by the apps whose models it edits."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from vip.audit.services import audit_record, snapshot


class AuditedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            names = list(form.changed_data) if change else [f.name for f in obj._meta.concrete_fields]
            audit_record(
                actor=request.user,  # type: ignore[arg-type]
                action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
                target=obj,
                changes=snapshot(obj, [n for n in names if hasattr(obj, n)]),
            )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            audit_record(actor=request.user, action=f"{obj._meta.model_name}.delete", target=obj)  # type: ignore[arg-type]
            super().delete_model(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False  # bulk deletes bypass delete_model; deactivate instead
