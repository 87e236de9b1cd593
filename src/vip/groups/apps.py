from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "vip.groups"
    label = "groups"
    verbose_name = "Groups"
