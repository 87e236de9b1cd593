from django.urls import path

from vip.people import views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.new, name="new"),
    path("links/", views.links, name="links"),
]
