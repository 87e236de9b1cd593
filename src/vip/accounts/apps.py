from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "vip.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from vip.accounts import signals  # noqa: F401  (connects the receivers)
