from django.apps import AppConfig


class MediationsConfig(AppConfig):
    name = "vip.mediations"
    label = "mediations"
    verbose_name = "Mediations"
