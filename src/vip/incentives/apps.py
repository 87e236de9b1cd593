from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "vip.incentives"
    label = "incentives"
    verbose_name = "Incentives"
