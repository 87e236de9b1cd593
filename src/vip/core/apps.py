from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "vip.core"
    label = "core"
    verbose_name = "Program configuration"

    def ready(self) -> None:
        # In ready(): receivers connect once the app registry is loaded (Django's way).
        from vip.core import signals  # noqa: F401  (connects the receivers)
        from vip.core.crypto import connect_signals

        connect_signals()
