from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "vip.desk"
    label = "desk"
    verbose_name = "Staff desk"
