from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "vip.people"
    label = "people"
    verbose_name = "People"
