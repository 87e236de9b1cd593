from django.urls import path

from vip.notifications import views

app_name = "notifications"
urlpatterns = [
    path("people/<int:person_id>/plan/", views.plan, name="plan"),
    path("people/<int:person_id>/attempt/", views.attempt, name="attempt"),
    path("<int:notification_id>/legal-assessment/", views.legal_assessment, name="legal_assessment"),
]
