from django.urls import path

from vip.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("<id:event_id>/", views.event, name="event"),
]
