from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "vip.interchange"
    label = "interchange"
    verbose_name = "Interchange"
