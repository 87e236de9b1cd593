from django.urls import path

from vip.safety_plans import views

app_name = "safety_plans"
urlpatterns = [
    path("", views.index, name="index"),
    path("people/<id:person_id>/", views.plan, name="plan"),
    path("people/<id:person_id>/versions/<id:safety_plan_version>/", views.version, name="version"),
    path("people/<id:person_id>/write/", views.write, name="write"),
    path("people/<id:person_id>/check-in/", views.check_in, name="check_in"),
    path(
        "people/<id:person_id>/check-ins/<id:safety_check_in_id>/void/",
        views.check_in_void,
        name="check_in_void",
    ),
]
