from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "vip.referrals"
    label = "referrals"
    verbose_name = "Referrals"
