from django.urls import path

from vip.mediations import views

app_name = "mediations"
urlpatterns = [
    path("", views.log, name="log"),
    path("new/", views.new, name="new"),
    path("<id:mediation_id>/", views.detail, name="detail"),
    path("<id:mediation_id>/change/", views.edit, name="edit"),
    path("<id:mediation_id>/follow-up/", views.follow_up, name="follow_up"),
    path("<id:mediation_id>/void/", views.void, name="void"),
    path("<id:mediation_id>/parties/add/", views.party_add, name="party_add"),
    path("<id:mediation_id>/parties/<id:mediation_party_id>/remove/", views.party_remove, name="party_remove"),
    path(
        "<id:mediation_id>/follow-ups/<id:mediation_follow_up_id>/void/",
        views.follow_up_void,
        name="follow_up_void",
    ),
]
