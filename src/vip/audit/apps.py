from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "vip.audit"
    label = "audit"
    verbose_name = "Audit"
