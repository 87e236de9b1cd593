from django.urls import path

from vip.notifications import views

app_name = "notifications"
urlpatterns = [
    path("people/<id:person_id>/plan/", views.plan, name="plan"),
    path("people/<id:person_id>/attempt/", views.attempt, name="attempt"),
    path("<id:notification_id>/legal-assessment/", views.legal_assessment, name="legal_assessment"),
]
