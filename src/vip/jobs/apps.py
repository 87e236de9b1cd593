from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "vip.jobs"
    label = "jobs"
    verbose_name = "Jobs"

    def ready(self) -> None:
        # Every app declares its kinds of job in its own jobs.py; the worker and the pages find them
        # here, so this app never imports the apps above it.
        autodiscover_modules("jobs")
