from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "vip.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"
