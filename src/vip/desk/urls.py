from django.urls import path

from vip.desk import views

app_name = "desk"
urlpatterns = [
    path("<id:person_id>/", views.person, name="person"),
]
