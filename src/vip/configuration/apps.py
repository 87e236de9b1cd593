from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "vip.configuration"
    label = "configuration"
    verbose_name = "Program configuration"
