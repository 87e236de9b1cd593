from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "vip.notifications"
    label = "notifications"
    verbose_name = "Notifications"
