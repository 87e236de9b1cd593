from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vip.core"
    label = "core"
    verbose_name = "Program configuration"

    def ready(self) -> None:
        # In ready(): receivers connect once the app registry is loaded (Django's way).
        from django.urls import register_converter

        from vip.core import signals  # noqa: F401  (connects the receivers)
        from vip.core.converters import IdConverter
        from vip.core.crypto import connect_signals

        connect_signals()
        # Before any URLconf is read: the apps' addresses take record ids as <id:...>.
        register_converter(IdConverter, "id")
