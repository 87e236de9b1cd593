from django.apps import AppConfig


class IdentificationConfig(AppConfig):
    name = "vip.identification"
    label = "identification"
    verbose_name = "Identification"
