from django.urls import path

from vip.casework import views

app_name = "casework"
urlpatterns = [
    path("people/<int:person_id>/needs/", views.needs, name="needs"),
    path("people/<int:person_id>/contact/", views.contact, name="contact"),
    path("people/<int:person_id>/note/", views.case_note, name="note"),
]
