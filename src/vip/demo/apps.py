from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "vip.demo"
    label = "demo"
    verbose_name = "Demo"
