from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "vip.casework"
    label = "casework"
    verbose_name = "Casework"
