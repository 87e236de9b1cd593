from django.apps import AppConfig


class ServiceReferralsConfig(AppConfig):
    name = "vip.service_referrals"
    label = "service_referrals"
    verbose_name = "Service referrals"
