"""The API of hospital (under /api/v1/)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
