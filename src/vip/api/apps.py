from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "vip.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        # In ready(): the schema extension registers once the app registry is loaded.
        from vip.api import schema  # noqa: F401 (registers the authentication scheme)
