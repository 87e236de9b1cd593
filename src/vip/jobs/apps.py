from importlib import import_module

from django.apps import AppConfig
from django.conf import settings
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "vip.jobs"
    label = "jobs"
    verbose_name = "Jobs"

    def ready(self) -> None:
        # Every app declares its kinds of job in its own jobs.py; the worker and the pages find them
        # here, so this app never imports the apps above it.
        autodiscover_modules("jobs")
        # The operator's work that lives in packages that are not Django apps (backup, retention).
        for name in getattr(settings, "VIP_JOB_MODULES", ()):
            import_module(name)
