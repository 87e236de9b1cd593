from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "vip.reports"
    label = "reports"
    verbose_name = "Reports"
