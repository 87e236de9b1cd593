from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "vip.field"
    label = "field"
    verbose_name = "Field app"
