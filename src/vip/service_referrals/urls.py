from django.urls import path

from vip.service_referrals import views

app_name = "service_referrals"
urlpatterns = [
    path("people/<int:person_id>/new/", views.new, name="new"),
    path("<int:referral_id>/move/", views.move, name="move"),
]
