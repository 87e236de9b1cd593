from django.urls import path

from vip.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("assign/", views.bulk_assign, name="bulk_assign"),
    path("people/<id:person_id>/new/", views.new, name="new"),
    path("<id:referral_id>/assign/", views.assign, name="assign"),
    path("<id:referral_id>/accept/", views.accept, name="accept"),
    path("<id:referral_id>/close/", views.close, name="close"),
]
