from django.urls import path

from vip.service_referrals import views

app_name = "service_referrals"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("people/<id:person_id>/new/", views.new, name="new"),
    path("<id:referral_id>/move/", views.move, name="move"),
    path("people/<id:person_id>/consents/new/", views.consent_new, name="consent_new"),
    path("consents/<id:consent_id>/revoke/", views.consent_revoke_view, name="consent_revoke"),
    path("consents/<id:consent_id>/disclose/", views.disclose, name="disclose"),
]
