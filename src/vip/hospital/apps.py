from django.apps import AppConfig


class HospitalConfig(AppConfig):
    name = "vip.hospital"
    label = "hospital"
    verbose_name = "Hospital referrals"
