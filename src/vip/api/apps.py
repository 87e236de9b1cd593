from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "vip.api"
    label = "api"
    verbose_name = "REST API"
    # The schema's extension (vip.api.schema) is imported by vip.api.urls, beside the schema's
    # view: drf-spectacular and what it pulls in (django.test, Jinja2, requests: about a second)
    # are not loaded by every command that sets Django up, only where the schema can be made.
