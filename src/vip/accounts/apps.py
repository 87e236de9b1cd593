from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vip.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # In ready(): receivers connect once the app registry is loaded (Django's way).
        from vip.accounts import signals  # noqa: F401  (connects the receivers)
