from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vip.core"
    label = "core"
    verbose_name = "Program configuration"
