from django.urls import path

from vip.casework import views

app_name = "casework"
urlpatterns = [
    path("people/<id:person_id>/needs/", views.needs, name="needs"),
    path("people/<id:person_id>/contact/", views.contact, name="contact"),
    path("people/<id:person_id>/note/", views.case_note, name="note"),
]
