from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "vip.releases"
    label = "releases"
    verbose_name = "Public releases"
