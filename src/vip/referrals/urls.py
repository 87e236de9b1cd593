from django.urls import path

from vip.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("people/<int:person_id>/new/", views.new, name="new"),
    path("<int:referral_id>/assign/", views.assign, name="assign"),
    path("<int:referral_id>/accept/", views.accept, name="accept"),
    path("<int:referral_id>/close/", views.close, name="close"),
]
