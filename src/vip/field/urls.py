from django.urls import path

from vip.field import views

app_name = "field"
urlpatterns = [
    path("", views.shell, name="shell"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("api/start", views.start, name="start"),
    path("api/caseload", views.caseload, name="caseload"),
    path("api/sync", views.sync, name="sync"),
    path("api/sign-out", views.sign_out, name="sign_out"),
]
