from django.urls import path

from vip.interchange import views

app_name = "data"
urlpatterns = [
    path("", views.data, name="index"),
    path("export/", views.export, name="export"),
]
