from django.urls import path

from vip.hospital import views

app_name = "hospital"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.new, name="new"),
    path("people/<id:person_id>/new/", views.record, name="record"),
    path("<id:hospital_referral_id>/", views.detail, name="detail"),
    path("<id:hospital_referral_id>/visits/new/", views.visit, name="visit"),
    path("<id:hospital_referral_id>/edit/", views.edit, name="edit"),
    path("<id:hospital_referral_id>/void/", views.void, name="void"),
    path("visits/<id:bedside_visit_id>/void/", views.visit_void, name="visit_void"),
]
